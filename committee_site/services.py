"""Every write of the base: typed, keyword-only, atomic, each with its audit row."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from django.apps import apps
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import DateTimeField, Exists, F, Field, Model, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from committee_site import clock
from committee_site.access import committee_members
from committee_site.models import (
    AuditEvent,
    Compound,
    Notification,
    OutgoingEmail,
    OwnerApplication,
    OwnerProfile,
    PeriodicRun,
    ReferenceCounter,
    Reminder,
    ReminderDigest,
    ReminderEmail,
    ReminderQuerySet,
    TimeLimits,
    Unit,
    User,
    time_limits_forget,
)
from committee_site.notifications import notify, render_message
from committee_site.tasks_queue import enqueue_on_commit
from committee_site.workflow import StateMachine

log = logging.getLogger(__name__)

EMAIL_MAX_ATTEMPTS = 5
# A mail server that refuses is tried again after 5, 10, 20 and 40 minutes
# (the sweep's beat picks the e-mail up), then the e-mail is failed and the
# admin sees it with its error. The wait lives in the row, not in the broker.
EMAIL_FIRST_RETRY = timedelta(minutes=5)
# A claim older than this belongs to a worker that died mid-send.
EMAIL_STALE_CLAIM = timedelta(minutes=15)
# A pending e-mail older than this lost its task (broker down at commit time).
EMAIL_LOST_TASK = timedelta(minutes=5)


class ServiceError(Exception):
    """A write that cannot be done; the message is shown to the user."""

    def __init__(self, message: Any) -> None:
        super().__init__(message)
        self.message = message


class ChangedMeanwhile(ServiceError):
    """Someone else changed the object between loading the form and submitting it."""


class NotAllowed(ServiceError):
    """The move is not one the object's state machine allows from its status."""


def audit_record(
    *,
    actor: User | None,
    action: str,
    obj: Model,
    compound: Compound | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    return AuditEvent.objects.create(
        at=clock.now(),
        actor=actor,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        compound=compound,
        data=data or {},
    )


def reference_next(*, prefix: str, at: datetime) -> str:
    """The next reference of a kind in the year of `at`: <prefix>-<year>-<number>.
    Call it inside the transaction that saves the object, so the counter's row
    stays locked until the number is taken."""
    year = timezone.localtime(at).year
    ReferenceCounter.objects.get_or_create(prefix=prefix, year=year)
    ReferenceCounter.objects.filter(prefix=prefix, year=year).update(last=F("last") + 1)
    number = ReferenceCounter.objects.get(prefix=prefix, year=year).last
    return f"{prefix}-{year}-{number:06d}"


# --- time limits ----------------------------------------------------------------


@transaction.atomic
def time_limits_update(*, by: User, values: Mapping[str, int]) -> TimeLimits:
    """Change some of the site's time limits. The audit row keeps each changed
    value as [before, after]; nothing changed writes nothing."""
    editable = {field.name for field in TimeLimits._meta.concrete_fields if not field.primary_key}
    unknown = sorted(set(values) - editable)
    if unknown:
        raise ServiceError(_("Unknown setting: %(names)s.") % {"names": ", ".join(unknown)})
    TimeLimits.load()
    limits = TimeLimits.objects.select_for_update().get(pk=1)
    changes = {name: [getattr(limits, name), value] for name, value in values.items() if getattr(limits, name) != value}
    if not changes:
        return limits
    for name, (_before, after) in changes.items():
        setattr(limits, name, after)
    limits.full_clean()
    limits.save(update_fields=list(changes))
    audit_record(actor=by, action="time_limits.update", obj=limits, data=changes)
    time_limits_forget()
    return limits


# --- state machines -------------------------------------------------------------

ModelT = TypeVar("ModelT", bound=Model)


@dataclass(frozen=True)
class Moved(Generic[ModelT]):
    """What transition_apply did: the object as it is now, and the event row."""

    obj: ModelT
    action: str
    from_status: str
    to_status: str
    at: datetime
    event: Model | None


def transition_apply(
    *,
    obj: ModelT,
    machine: StateMachine,
    action: str,
    by: User | None,
    seen_version: int,
    changes: dict[str, Any] | None = None,
    derive: Callable[[ModelT], dict[str, Any]] | None = None,
    note: str = "",
    event_fields: dict[str, Any] | None = None,
    compound: Compound | None = None,
    audit_data: dict[str, Any] | None = None,
) -> Moved[ModelT]:
    """Apply one move of `machine` to `obj`, which the person acting saw at
    `seen_version`. The UPDATE matches only that version and status, so of two
    people acting at once exactly one wins; the other gets ChangedMeanwhile
    saying who got there first, and nothing of theirs is written. `derive`
    computes fields that follow from the new state (a deadline). The event row,
    if the machine keeps one, and the audit row go into the caller's transaction."""
    status = getattr(obj, "status")  # noqa: B009
    if getattr(obj, "version") != seen_version:  # noqa: B009
        raise ChangedMeanwhile(_changed_meanwhile_message(obj, machine))
    if not machine.allows(action, status):
        field = obj._meta.get_field("status")
        label = dict(field.flatchoices).get(status, status) if isinstance(field, Field) else status
        raise NotAllowed(
            _("This %(object)s is “%(status)s” now: that step is not possible.")
            % {"object": obj._meta.verbose_name, "status": label}
        )
    to_status = machine.target(action, status)
    now = clock.now()
    values = {**(changes or {}), "status": to_status, "version": seen_version + 1}
    before = {name: getattr(obj, name) for name in values}
    for name, value in values.items():
        setattr(obj, name, value)
    if derive is not None:
        derived = derive(obj)
        before.update({name: getattr(obj, name) for name in derived})
        for name, value in derived.items():
            setattr(obj, name, value)
        values.update(derived)
    if not type(obj)._default_manager.filter(pk=obj.pk, version=seen_version, status=status).update(**values):
        # The caller's object goes back to what it was: the loser's page shows no half-applied move.
        for name, value in before.items():
            setattr(obj, name, value)
        raise ChangedMeanwhile(_changed_meanwhile_message(obj, machine))
    event = None
    if machine.event_model:
        event = apps.get_model(machine.event_model)._default_manager.create(
            **{machine.event_parent: obj},
            at=now,
            actor=by,
            action=action,
            from_status=status,
            to_status=to_status,
            note=note,
            **(event_fields or {}),
        )
    audit_record(
        actor=by,
        action=f"{machine.name}.{action}",
        obj=obj,
        compound=compound,
        data={"move": action, "from": status, "to": to_status, "version": seen_version + 1, **(audit_data or {})},
    )
    moved = Moved(obj=obj, action=action, from_status=status, to_status=to_status, at=now, event=event)
    for step in machine.followers:
        step(moved=moved, by=by)
    return moved


def _changed_meanwhile_message(obj: Model, machine: StateMachine) -> str:
    """Who changed the object since the person acting saw it, from the audit
    row that every move writes."""
    last = (
        AuditEvent.objects.filter(
            object_type=obj._meta.label_lower,
            object_id=str(obj.pk),
            action__in=[f"{machine.name}.{action}" for action in machine.moves],
        )
        .select_related("actor")
        .order_by("-at", "-id")
        .first()
    )
    if last is None:
        return str(
            _("Someone changed this %(object)s meanwhile. Nothing was saved; check the page and try again.")
            % {"object": obj._meta.verbose_name}
        )
    return str(
        _(
            "%(actor)s changed this %(object)s meanwhile (%(at)s): %(action)s. "
            "Nothing was saved; check the page and try again."
        )
        % {
            "actor": last.actor or _("The system"),
            "object": obj._meta.verbose_name,
            "at": timezone.localtime(last.at).strftime("%Y-%m-%d %H:%M"),
            "action": machine.label(last.action.removeprefix(f"{machine.name}.")),
        }
    )


# --- e-mail -------------------------------------------------------------------


@transaction.atomic
def email_queue(*, to: str, subject: str, body: str) -> OutgoingEmail:
    from committee_site.tasks import email_send_task

    email = OutgoingEmail.objects.create(to=to, subject=subject[:200], body=body)
    enqueue_on_commit(email_send_task, email.pk)
    return email


def email_message_id(email_id: int) -> str:
    """The Message-ID the site gives an outgoing e-mail: a reply's In-Reply-To
    names it, so the complaint mailbox finds what the owner answers."""
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(" >") or "localhost"
    return f"<email-{email_id}@{domain}>"


def send_mail(
    subject: str, body: str, from_email: str, recipients: list[str], *, fail_silently: bool, message_id: str
) -> int:
    message = EmailMessage(subject, body, from_email, recipients, headers={"Message-ID": message_id})
    return message.send(fail_silently=fail_silently)


def email_send(*, email_id: int) -> bool:
    """Send one queued e-mail if nobody else has claimed it. True when sent."""
    now = timezone.now()
    claimed = OutgoingEmail.objects.filter(pk=email_id, status=OutgoingEmail.Status.PENDING).update(
        status=OutgoingEmail.Status.SENDING, claimed_at=now
    )
    if not claimed:
        return False
    email = OutgoingEmail.objects.get(pk=email_id)
    try:
        send_mail(
            email.subject,
            email.body,
            settings.DEFAULT_FROM_EMAIL,
            [email.to],
            fail_silently=False,
            message_id=email_message_id(email.pk),
        )
    except Exception as exc:
        attempts = email.attempts + 1
        status = OutgoingEmail.Status.FAILED if attempts >= EMAIL_MAX_ATTEMPTS else OutgoingEmail.Status.PENDING
        OutgoingEmail.objects.filter(pk=email_id, status=OutgoingEmail.Status.SENDING).update(
            status=status,
            attempts=attempts,
            last_error=repr(exc)[:2000],
            claimed_at=None,
            next_attempt_at=timezone.now() + EMAIL_FIRST_RETRY * 2 ** (attempts - 1),
        )
        log.warning("e-mail %s to %s failed (attempt %s): %r", email_id, email.to, attempts, exc)
        raise
    OutgoingEmail.objects.filter(pk=email_id).update(
        status=OutgoingEmail.Status.SENT, sent_at=timezone.now(), attempts=email.attempts + 1
    )
    return True


def email_sweep(*, now: Any = None) -> list[int]:
    """Release claims of dead workers and return the e-mails whose task was lost."""
    now = now or timezone.now()
    OutgoingEmail.objects.filter(status=OutgoingEmail.Status.SENDING, claimed_at__lt=now - EMAIL_STALE_CLAIM).update(
        status=OutgoingEmail.Status.PENDING, claimed_at=None
    )
    lost = Q(next_attempt_at__isnull=True, created_at__lt=now - EMAIL_LOST_TASK)
    return list(
        OutgoingEmail.objects.filter(lost | Q(next_attempt_at__lte=now), status=OutgoingEmail.Status.PENDING)
        .order_by("pk")
        .values_list("pk", flat=True)[:500]
    )


@transaction.atomic
def email_requeue(*, emails: Sequence[OutgoingEmail], by: User) -> int:
    """The site admin sends failed e-mails again, with a fresh count of attempts
    (after fixing the mail settings, say). Returns how many were queued."""
    from committee_site.tasks import email_send_task

    queued = 0
    for email in emails:
        if not OutgoingEmail.objects.filter(pk=email.pk, status=OutgoingEmail.Status.FAILED).update(
            status=OutgoingEmail.Status.PENDING, attempts=0, next_attempt_at=None, claimed_at=None
        ):
            continue
        audit_record(actor=by, action="email_requeue", obj=email, data={"to": email.to, "error": email.last_error})
        enqueue_on_commit(email_send_task, email.pk)
        queued += 1
    return queued


# --- notifications ------------------------------------------------------------


# Run bookkeeping of the periodic tasks, written by the Celery app around each
# run. No audit row: it is the machine's log, written every few minutes, and
# no person did anything.
def periodic_run_started(*, task: str) -> None:
    PeriodicRun.objects.get_or_create(task=task)
    PeriodicRun.objects.filter(task=task).update(last_started_at=clock.now(), runs=F("runs") + 1)


def periodic_run_finished(*, task: str, took: float, error: str = "") -> None:
    PeriodicRun.objects.get_or_create(task=task)
    if error:
        changes: dict[str, Any] = {
            "last_failed_at": clock.now(),
            "last_error": error[:4000],
            "failures": F("failures") + 1,
        }
    else:
        changes = {"last_succeeded_at": clock.now()}
    PeriodicRun.objects.filter(task=task).update(last_duration=round(took, 3), **changes)


def notification_mark_read(*, notification: Notification) -> None:
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=clock.now())


def notifications_mark_all_read(*, user: User) -> int:
    # Only what existed when the user looked: one that arrives meanwhile stays unread.
    now = clock.now()
    return Notification.objects.for_user(user).unread().filter(created_at__lte=now).update(read_at=now)


# --- the daily digest of reminders ----------------------------------------------

# A first digest lists the last day's reminders: before that the person chose
# one e-mail per reminder and was mailed each.
DIGEST_FIRST_WINDOW = timedelta(days=1)


def _digest_reminders(*, user: Any, since: Any, until: datetime) -> ReminderQuerySet:
    """The reminders the person was sent in the app in (since, until] and not
    mailed one by one (the reminder_recipient_sent index). Takes OuterRefs
    too, for the morning's query of who has something to be told."""
    return Reminder.objects.filter(
        recipient=user,
        status=Reminder.Status.SENT,
        sent_at__gt=since,
        sent_at__lte=until,
        notification__isnull=False,
        notification__email__isnull=True,
    )


def _digests_sent(*, user: Any) -> Any:
    """When the person's (or an OuterRef's) digests went out, the latest first."""
    return (
        ReminderDigest.objects.filter(recipient=user, status=ReminderDigest.Status.SENT)
        .order_by("-day")
        .values_list("sent_at", flat=True)
    )


@transaction.atomic
def reminder_digest_send(*, user: User, now: datetime) -> ReminderDigest | None:
    """Queue the person's digest of the local day of `now`, listing the
    reminders since their previous digest. The unique (person, day) row is
    claimed by a conditional update before anything is queued, in the
    transaction that queues the e-mail: of two runs the same day, one sends;
    a run killed midway leaves nothing claimed. None when another run sent
    it, or when there is nothing to tell (no row is kept then)."""
    day = timezone.localdate(now)
    ReminderDigest.objects.bulk_create([ReminderDigest(recipient=user, day=day)], ignore_conflicts=True)
    if not ReminderDigest.objects.filter(recipient=user, day=day, status=ReminderDigest.Status.PENDING).update(
        status=ReminderDigest.Status.SENT, sent_at=now
    ):
        return None
    previous = _digests_sent(user=user).filter(day__lt=day).first()
    since = previous or now - DIGEST_FIRST_WINDOW
    reminders = list(
        _digest_reminders(user=user, since=since, until=now).select_related("notification").order_by("sent_at", "id")
    )
    if not reminders:
        # Not even the claim stays: a reminder sent later today gets its digest.
        transaction.set_rollback(True)
        return None
    context = {
        "user": user,
        "day": day,
        "since": since,
        "count": len(reminders),
        "items": [
            {
                "title": reminder.notification.title if reminder.notification else reminder.title,
                "link": f"{settings.SITE_URL}{reminder.url}" if reminder.url else "",
            }
            for reminder in reminders
        ],
        "reminders_url": f"{settings.SITE_URL}{reverse('notification_list')}?show=reminders",
        "account_url": f"{settings.SITE_URL}{reverse('account')}",
    }
    subject, body = render_message("reminder_digest", context, user.language)
    email = email_queue(to=user.email, subject=subject, body=body)
    ReminderDigest.objects.filter(recipient=user, day=day).update(email=email)
    # No audit row: like a reminder, the digest is the machine's doing, and its row is the record.
    return ReminderDigest.objects.get(recipient=user, day=day)


def reminder_digests_send(*, now: datetime | None = None) -> int:
    """Send today's digest to everyone who chose it and has reminders to be
    told of; what a beat runs once every morning. Returns how many were queued."""
    now = now or clock.now()
    day = timezone.localdate(now)
    # Who has something to be told, in one query; each digest then claims its row and reads its own list.
    last_sent = _digests_sent(user=OuterRef("pk"))[:1]
    waiting = _digest_reminders(user=OuterRef("pk"), since=OuterRef("digest_since"), until=now)
    first_since = Value(now - DIGEST_FIRST_WINDOW, output_field=DateTimeField())
    candidates = (
        User.objects.filter(reminder_email=ReminderEmail.DIGEST, is_active=True)
        .exclude(email="")
        .exclude(Exists(ReminderDigest.objects.filter(recipient=OuterRef("pk"), day=day)))
        .annotate(digest_since=Coalesce(Subquery(last_sent), first_since))
        .filter(Exists(waiting))
        .order_by("pk")
    )
    sent = 0
    for user in candidates.iterator(chunk_size=500):
        if reminder_digest_send(user=user, now=now) is not None:
            sent += 1
    return sent


# --- accounts -----------------------------------------------------------------


@transaction.atomic
def user_set_reminder_email(*, user: User, reminder_email: str) -> None:
    """One e-mail per reminder, or one a day listing them; the in-app
    notification comes at once either way."""
    if reminder_email not in ReminderEmail.values:
        raise ServiceError(_("Choose one of the ways offered."))
    if user.reminder_email != reminder_email:
        User.objects.filter(pk=user.pk).update(reminder_email=reminder_email)
        audit_record(actor=user, action="user.reminder_email", obj=user, data={"reminder_email": reminder_email})
        user.reminder_email = reminder_email


@transaction.atomic
def user_set_language(*, user: User, language: str) -> None:
    if language not in dict(settings.LANGUAGES):
        raise ServiceError(_("This language is not available."))
    if user.language != language:
        User.objects.filter(pk=user.pk).update(language=language)
        audit_record(actor=user, action="user.language", obj=user, data={"language": language})
        user.language = language


def login_failures_clear(*, user: User) -> int:
    """Forget every failed sign-in of the account, from every address: its
    password was just reset, so whoever guessed at the old one is beside the
    point and the owner must be able to sign in at once."""
    from axes.utils import reset as axes_reset

    with transaction.atomic():
        cleared = axes_reset(username=user.get_username())
        audit_record(actor=user, action="user.password_reset", obj=user, data={"sign_in_failures_cleared": cleared})
    return cleared


def owner_application_submit(
    *,
    full_name: str,
    email: str,
    phone: str,
    unit: Unit,
    username: str,
    password: str,
    language: str,
    note: str = "",
) -> OwnerApplication:
    """Save an application whether or not its username is taken (an
    anonymous visitor must not learn which accounts exist); the committee
    confirms the username when approving."""
    # Hashing takes a good fraction of a second on purpose: done inside the
    # transaction it would hold SQLite's write lock that long.
    password_hash = make_password(password)
    with transaction.atomic():
        application = OwnerApplication.objects.create(
            full_name=full_name,
            email=email,
            phone=phone,
            unit=unit,
            username=username,
            password_hash=password_hash,
            language=language,
            note=note,
        )
        compound = unit.building.compound
        audit_record(actor=None, action="owner_application.submit", obj=application, compound=compound)
        url = reverse("owner_application_detail", args=[application.pk])
        for member in committee_members(compound):
            notify(
                recipient=member,
                kind="owner_application_submitted",
                context={"application": application, "unit": unit, "compound": compound},
                url=url,
            )
    return application


@transaction.atomic
def owner_application_approve(
    *, application: OwnerApplication, by: User, seen_version: int, username: str | None = None
) -> User:
    """Create the owner's verified account, under `username` if the committee
    chose another one than the owner asked for."""
    username = username or application.username
    clash = _("The username “%(username)s” belongs to another account; choose another one for this owner.") % {
        "username": username
    }
    transition_apply(
        obj=application,
        machine=OwnerApplication.TRANSITIONS,
        action="approve",
        by=by,
        seen_version=seen_version,
        changes={"decided_by": by, "decided_at": clock.now(), "username": username},
        compound=application.unit.building.compound,
        audit_data={"username": username},
    )
    # After the move, so that a stale page hears "changed meanwhile"; the
    # exception rolls the move back.
    if User.objects.filter(username__iexact=username).exists():
        raise ServiceError(clash)
    try:
        # Two approvals with one username at the same moment: the account
        # table's unique username stops the second.
        with transaction.atomic():
            user = User.objects.create(
                username=username,
                password=application.password_hash,
                email=application.email,
                first_name=application.full_name[:150],
                language=application.language,
            )
    except IntegrityError as error:
        raise ServiceError(clash) from error
    profile = OwnerProfile.objects.create(user=user, phone=application.phone, verified_by=by, verified_at=clock.now())
    profile.units.add(application.unit)
    OwnerApplication.objects.filter(pk=application.pk).update(user=user)
    audit_record(actor=by, action="user.create_owner", obj=user, compound=application.unit.building.compound)
    _application_decision_email(application=application)
    notify(
        recipient=user,
        kind="owner_welcome",
        context={"user": user, "unit": application.unit, "compound": application.unit.building.compound},
        url=reverse("home"),
        email=False,
    )
    return user


@transaction.atomic
def owner_application_reject(
    *, application: OwnerApplication, by: User, seen_version: int, reason: str
) -> OwnerApplication:
    if not reason.strip():
        raise ServiceError(_("Give the owner a reason for the rejection."))
    transition_apply(
        obj=application,
        machine=OwnerApplication.TRANSITIONS,
        action="reject",
        by=by,
        seen_version=seen_version,
        changes={"decided_by": by, "decided_at": clock.now(), "reason": reason.strip()},
        compound=application.unit.building.compound,
        audit_data={"reason": reason.strip()},
    )
    _application_decision_email(application=application)
    return application


def _application_decision_email(*, application: OwnerApplication) -> None:
    kind = (
        "owner_application_approved"
        if application.status == OwnerApplication.Status.APPROVED
        else "owner_application_rejected"
    )
    context = {
        "application": application,
        "unit": application.unit,
        "compound": application.unit.building.compound,
        "login_url": settings.SITE_URL + reverse("login"),
    }
    subject, body = render_message(kind, context, application.language)
    email_queue(to=application.email, subject=subject, body=body)
