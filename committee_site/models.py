"""The shared base: people, compounds, organisations, service areas, time
limits, notifications and the audit trail. Imports no app."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from committee_site import clock
from committee_site.workflow import Move, StateMachine

if TYPE_CHECKING:
    from django.db.models.fields.related_descriptors import RelatedManager


phone_validator = RegexValidator(
    r"^\+?[0-9][0-9 \-]{5,18}[0-9]$",
    _("Enter a phone number of 7 to 20 digits, for example 13800138000 or 021-5555 1234."),
)


class Language(models.TextChoices):
    ZH_HANS = "zh-hans", "简体中文"
    EN = "en", "English"


class BilingualName(models.Model):
    """A Chinese name that every compound uses, and an English one for the
    English interface; the English falls back to the Chinese when empty."""

    name = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if (get_language() or "").startswith("en") and self.name_en:
            return self.name_en
        return self.name


class ReminderEmail(models.TextChoices):
    IMMEDIATE = "immediate", _("One e-mail per reminder, at once")
    DIGEST = "digest", _("One e-mail a day listing the day's reminders")


class User(AbstractUser):
    language = models.CharField(
        _("preferred language"), max_length=10, choices=Language.choices, default=Language.ZH_HANS
    )
    # In-app notifications are always immediate; this chooses only the e-mail copy.
    reminder_email = models.CharField(
        _("reminders by e-mail"), max_length=10, choices=ReminderEmail.choices, default=ReminderEmail.IMMEDIATE
    )

    if TYPE_CHECKING:
        memberships: RelatedManager[Membership]
        owner_profile: OwnerProfile

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class Organisation(BilingualName):
    class Kind(models.TextChoices):
        COMMITTEE = "committee", _("Homeowners' committee")
        PROPERTY_COMPANY = "property_company", _("Property company")
        COMMUNITY_OFFICE = "community_office", _("Community office")
        OTHER = "other", _("Other (developer, utility, government department)")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    phone = models.CharField(_("phone"), max_length=30, blank=True, validators=[phone_validator])
    email = models.EmailField(_("e-mail"), blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["kind", "name"]


class CompoundQuerySet(models.QuerySet["Compound"]):
    def visible_to(self, user: User) -> CompoundQuerySet:
        from committee_site.access import user_access

        return self.filter(pk__in=user_access(user).compound_ids)


class Compound(BilingualName):
    address = models.CharField(_("address"), max_length=300)
    committee = models.ForeignKey(
        Organisation,
        verbose_name=_("homeowners' committee"),
        on_delete=models.PROTECT,
        related_name="committee_of",
        limit_choices_to={"kind": Organisation.Kind.COMMITTEE},
        null=True,
        blank=True,
    )
    property_company = models.ForeignKey(
        Organisation,
        verbose_name=_("property company"),
        on_delete=models.PROTECT,
        related_name="property_company_of",
        limit_choices_to={"kind": Organisation.Kind.PROPERTY_COMPANY},
        null=True,
        blank=True,
    )
    community_office = models.ForeignKey(
        Organisation,
        verbose_name=_("community office"),
        on_delete=models.PROTECT,
        related_name="community_office_of",
        limit_choices_to={"kind": Organisation.Kind.COMMUNITY_OFFICE},
        null=True,
        blank=True,
    )

    objects = CompoundQuerySet.as_manager()

    if TYPE_CHECKING:
        buildings: RelatedManager[Building]

    class Meta:
        verbose_name = _("compound")
        verbose_name_plural = _("compounds")
        ordering = ["name"]


class Building(models.Model):
    compound = models.ForeignKey(
        Compound, verbose_name=_("compound"), on_delete=models.CASCADE, related_name="buildings"
    )
    number = models.CharField(_("building number"), max_length=20, help_text=_("As written on the building, e.g. 3"))
    sort_key = models.PositiveIntegerField(_("sort order"), default=0)

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ["compound", "sort_key", "number"]
        constraints = [models.UniqueConstraint(fields=["compound", "number"], name="building_unique_number")]

    def __str__(self) -> str:
        return _("Building %(number)s") % {"number": self.number}


class Unit(models.Model):
    building = models.ForeignKey(Building, verbose_name=_("building"), on_delete=models.CASCADE, related_name="units")
    number = models.CharField(_("unit number"), max_length=20, help_text=_("Room number, e.g. 1502"))

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["building", "number"]
        constraints = [models.UniqueConstraint(fields=["building", "number"], name="unit_unique_number")]

    def __str__(self) -> str:
        return _("Building %(building)s, unit %(unit)s") % {"building": self.building.number, "unit": self.number}


class Role(models.TextChoices):
    COMMITTEE_CHAIR = "committee_chair", _("Committee chair")
    COMMITTEE_MEMBER = "committee_member", _("Committee member")
    PROPERTY_MANAGER = "property_manager", _("Property manager")
    PROPERTY_STAFF = "property_staff", _("Property staff")
    COMMUNITY_OFFICER = "community_officer", _("Community officer")


# Which roles a member of each kind of organisation may hold.
ROLES_BY_KIND: dict[str, frozenset[str]] = {
    Organisation.Kind.COMMITTEE: frozenset({Role.COMMITTEE_CHAIR, Role.COMMITTEE_MEMBER}),
    Organisation.Kind.PROPERTY_COMPANY: frozenset({Role.PROPERTY_MANAGER, Role.PROPERTY_STAFF}),
    Organisation.Kind.COMMUNITY_OFFICE: frozenset({Role.COMMUNITY_OFFICER}),
    Organisation.Kind.OTHER: frozenset(),
}


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="membership_unique_user_organisation")
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.organisation} ({self.get_role_display()})"

    def clean(self) -> None:
        if self.organisation_id and self.role not in ROLES_BY_KIND[self.organisation.kind]:
            raise ValidationError(
                {
                    "role": _("This role does not exist in an organisation of kind “%s”.")
                    % self.organisation.get_kind_display()
                }
            )


class OwnerProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="owner_profile"
    )
    units = models.ManyToManyField(Unit, verbose_name=_("units"), related_name="owners")
    phone = models.CharField(_("phone"), max_length=30, validators=[phone_validator])
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)

    class Meta:
        verbose_name = _("owner profile")
        verbose_name_plural = _("owner profiles")

    def __str__(self) -> str:
        return str(self.user)


class OwnerApplicationQuerySet(models.QuerySet["OwnerApplication"]):
    def visible_to(self, user: User) -> OwnerApplicationQuerySet:
        from committee_site.access import user_access

        return self.filter(unit__building__compound_id__in=user_access(user).committee_compound_ids)

    def pending(self) -> OwnerApplicationQuerySet:
        return self.filter(status=OwnerApplication.Status.PENDING)


class OwnerApplication(models.Model):
    """An owner's request for an account, decided by the committee."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the committee")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    # The only moves an application can make; services.transition_apply applies them.
    TRANSITIONS: ClassVar[StateMachine] = StateMachine(
        name="owner_application",
        moves={
            "approve": Move(frozenset({Status.PENDING}), Status.APPROVED, _("approved the application")),
            "reject": Move(frozenset({Status.PENDING}), Status.REJECTED, _("rejected the application")),
        },
    )

    full_name = models.CharField(_("full name"), max_length=100)
    email = models.EmailField(_("e-mail"))
    phone = models.CharField(_("phone"), max_length=30, validators=[phone_validator])
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="applications")
    username = models.CharField(_("username"), max_length=150)
    password_hash = models.CharField(max_length=256, editable=False)
    language = models.CharField(_("preferred language"), max_length=10, choices=Language.choices)
    note = models.TextField(_("note to the committee"), blank=True, max_length=1000)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("applied at"), default=clock.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True, max_length=1000)
    version = models.PositiveIntegerField(default=1)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owner_application",
    )

    objects = OwnerApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("owner application")
        verbose_name_plural = _("owner applications")
        indexes = [models.Index(fields=["status", "-created_at", "-id"], name="ownerapp_status_created")]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.unit})"


class ServiceArea(BilingualName):
    """The refined service contents (细化服务内容) everything points at."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("service area")
        verbose_name_plural = _("service areas")
        ordering = ["order", "code"]


class ServiceContract(models.Model):
    """The compound's property service contract (物业服务合同)."""

    compound = models.ForeignKey(
        Compound, verbose_name=_("compound"), on_delete=models.CASCADE, related_name="contracts"
    )
    property_company = models.ForeignKey(
        Organisation,
        verbose_name=_("property company"),
        on_delete=models.PROTECT,
        related_name="contracts",
        limit_choices_to={"kind": Organisation.Kind.PROPERTY_COMPANY},
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    fee_basis = models.CharField(
        _("fee basis"), max_length=300, help_text=_("E.g. 2.30 yuan per square metre per month, lump sum")
    )
    staffing_promised = models.TextField(
        _("staffing promised"), blank=True, help_text=_("Posts and head counts the contract promises")
    )

    if TYPE_CHECKING:
        standards: RelatedManager[ServiceStandard]

    class Meta:
        verbose_name = _("service contract")
        verbose_name_plural = _("service contracts")
        ordering = ["compound", "-starts_on"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gt=models.F("starts_on")), name="contract_ends_after_start")
        ]

    def __str__(self) -> str:
        return f"{self.compound} {self.starts_on:%Y-%m-%d} – {self.ends_on:%Y-%m-%d}"


class ServiceStandard(models.Model):
    """One refined service standard: what is done, how often, how fast."""

    contract = models.ForeignKey(
        ServiceContract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="standards"
    )
    service_area = models.ForeignKey(
        ServiceArea, verbose_name=_("service area"), on_delete=models.PROTECT, related_name="standards"
    )
    clause = models.CharField(_("contract clause"), max_length=40, blank=True)
    text = models.TextField(_("standard"), help_text=_("E.g. stairwells swept daily; repair on site within 30 minutes"))
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("service standard")
        verbose_name_plural = _("service standards")
        ordering = ["service_area__order", "order", "id"]

    def __str__(self) -> str:
        return self.text[:60]


# Where a default comes from, for each help text: DESIGN §6 names the local
# rule where one binds (the reply limit); everything else there is the usual
# practice. The last group is not in §6: the site chose those numbers.
class TimeLimits(models.Model):
    """The site's time limits and the numbers the pages and tasks go by
    (DESIGN.md §6): one row, edited by the site admin."""

    accept_hours = models.PositiveIntegerField(
        _("accept a complaint (hours)"),
        default=24,
        validators=[MinValueValidator(1)],
        help_text=_("Default 24 hours: the usual practice."),
    )
    reply_days = models.PositiveIntegerField(
        _("reply to the owner (days)"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text=_("Default 2 days: the usual practice. Never more than 10 days: the strictest local rule."),
    )
    resolve_urgent_hours = models.PositiveIntegerField(
        _("resolve an urgent complaint (hours)"),
        default=24,
        validators=[MinValueValidator(1)],
        help_text=_("Default 24 hours: the usual practice."),
    )
    resolve_normal_days = models.PositiveIntegerField(
        _("resolve a normal complaint (days)"),
        default=7,
        validators=[MinValueValidator(1)],
        help_text=_("Default 7 days: the usual practice. A category may set its own."),
    )
    resolve_complex_days = models.PositiveIntegerField(
        _("resolve a complex complaint (days)"),
        default=30,
        validators=[MinValueValidator(1)],
        help_text=_("Default 30 days: the usual practice."),
    )
    callback_days = models.PositiveIntegerField(
        _("callback after the reply (days)"),
        default=3,
        validators=[MinValueValidator(1)],
        help_text=_("Default 3 days, for every complaint: the usual practice."),
    )
    dispute_days = models.PositiveIntegerField(
        _("owner may dispute a reply (days)"),
        default=7,
        validators=[MinValueValidator(1)],
        help_text=_("Default 7 days: the usual practice. After this the complaint closes."),
    )
    rectify_critical_hours = models.PositiveIntegerField(
        _("rectify a critical finding (hours)"),
        default=48,
        validators=[MinValueValidator(1)],
        help_text=_("Default 48 hours: the usual practice."),
    )
    rectify_general_days = models.PositiveIntegerField(
        _("rectify a general finding (days)"),
        default=7,
        validators=[MinValueValidator(1)],
        help_text=_("Default 7 days: the usual practice."),
    )
    reinspect_days = models.PositiveIntegerField(
        _("re-inspect after the deadline (days)"),
        default=3,
        validators=[MinValueValidator(1)],
        help_text=_("Default 3 days: the usual practice."),
    )
    joint_inspections_per_quarter = models.PositiveIntegerField(
        _("joint inspections per quarter (at least)"),
        default=1,
        validators=[MinValueValidator(1)],
        help_text=_("Default once a quarter: the usual practice."),
    )
    retention_years = models.PositiveIntegerField(
        _("keep archive records (years)"),
        default=10,
        validators=[MinValueValidator(1)],
        help_text=_("Default 10 years: the usual practice. Quarterly reports are kept permanently."),
    )
    due_soon_hours = models.PositiveIntegerField(
        _("due soon: a deadline within (hours)"),
        default=48,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 30)],
        help_text=_(
            "Complaints whose next deadline is this close are marked and counted as due soon. "
            "Default 48 hours: chosen for this site, no rule sets it."
        ),
    )
    hot_spot_count = models.PositiveIntegerField(
        _("hot spot: complaints of one kind about one building (at least)"),
        default=3,
        validators=[MinValueValidator(2), MaxValueValidator(100)],
        help_text=_("Default 3: chosen for this site, no rule sets it."),
    )
    hot_spot_days = models.PositiveIntegerField(
        _("hot spot: within (days)"),
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(366)],
        help_text=_("Default 90 days: chosen for this site, no rule sets it."),
    )
    plan_ahead_days = models.PositiveIntegerField(
        _("plans create their inspections ahead (days)"),
        default=45,
        validators=[MinValueValidator(1), MaxValueValidator(366)],
        help_text=_("Default 45 days: chosen for this site, no rule sets it."),
    )
    plan_remind_days = models.PositiveIntegerField(
        _("remind the participants before an inspection (days)"),
        default=3,
        validators=[MaxValueValidator(60)],
        help_text=_("0 reminds on the day itself. Default 3 days: chosen for this site, no rule sets it."),
    )
    complaint_photos = models.PositiveIntegerField(
        _("photos with a complaint or a step of it (at most)"),
        default=6,
        # Each photo may be UPLOAD_MAX_IMAGE_MB: the ceiling bounds one request.
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text=_("Default 6: chosen for this site, no rule sets it."),
    )

    class Meta:
        verbose_name = _("time limits")
        verbose_name_plural = _("time limits")
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="time_limits_single_row")]

    def __str__(self) -> str:
        return str(_("Time limits"))

    def clean(self) -> None:
        ahead, remind = self.plan_ahead_days, self.plan_remind_days
        # A reminder due before the inspection exists would never be sent.
        if ahead is not None and remind is not None and remind > ahead:
            raise ValidationError(
                {"plan_remind_days": _("Remind at most as many days ahead as plans create their inspections.")}
            )

    @classmethod
    def load(cls) -> TimeLimits:
        # The row is created by a data migration; get_or_create covers a
        # database where an admin deleted it by hand in SQL.
        limits, _created = cls.objects.get_or_create(pk=1)
        return limits

    @classmethod
    def current(cls) -> TimeLimits:
        """The limits as this request (or `time_limits_scope()`) first read
        them: one query however many rows and forms ask. Outside a scope,
        read fresh each time."""
        held = _held_limits.get()
        if held is None:
            return cls.load()
        if not held:
            held.append(cls.load())
        return held[0]

    @property
    def accept(self) -> timedelta:
        return timedelta(hours=self.accept_hours)

    @property
    def reply(self) -> timedelta:
        return timedelta(days=self.reply_days)


# The limits read in the current request or task; None outside one. A
# context variable, so it never leaks into another request or thread.
_held_limits: ContextVar[list[TimeLimits] | None] = ContextVar("committee_site_time_limits", default=None)


@contextmanager
def time_limits_scope() -> Iterator[None]:
    token = _held_limits.set([])
    try:
        yield
    finally:
        _held_limits.reset(token)


def time_limits_forget() -> None:
    """After the limits changed: the rest of this scope reads them again."""
    held = _held_limits.get()
    if held:
        held.clear()


class OutgoingEmail(models.Model):
    """One e-mail to send. A task claims it with a conditional update, so a
    duplicate task, a retry or the sweep never sends it twice."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    to = models.EmailField(_("to"))
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("created at"), default=clock.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # After a failed attempt: not before this moment (the back-off).
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")
        indexes = [
            models.Index(
                fields=["status", "claimed_at"],
                condition=Q(status__in=["pending", "sending"]),
                name="outgoingemail_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.to}: {self.subject}"


class PeriodicRun(models.Model):
    """The last run and the last failure of one periodic task, for the site
    admin: a beat entry whose last success is old, or whose last failure is
    new, is work nobody is doing."""

    task = models.CharField(_("task"), max_length=200, unique=True)
    runs = models.PositiveIntegerField(_("runs"), default=0)
    failures = models.PositiveIntegerField(_("failures"), default=0)
    last_started_at = models.DateTimeField(_("last started"), null=True, blank=True)
    last_succeeded_at = models.DateTimeField(_("last succeeded"), null=True, blank=True)
    last_duration = models.FloatField(_("last run took (s)"), null=True, blank=True)
    last_failed_at = models.DateTimeField(_("last failed"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("periodic task run")
        verbose_name_plural = _("periodic task runs")

    def __str__(self) -> str:
        return self.task


class NotificationQuerySet(models.QuerySet["Notification"]):
    def for_user(self, user: User) -> NotificationQuerySet:
        return self.filter(recipient=user)

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)

    def reminders(self) -> NotificationQuerySet:
        """The ones a reminder sent (a join on the reminder's unique notification column)."""
        return self.filter(reminder__isnull=False)


class Notification(models.Model):
    """An in-app notification, rendered once in the recipient's language."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=60)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=clock.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    email = models.OneToOneField(
        OutgoingEmail,
        verbose_name=_("e-mail copy"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notification",
    )

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_recipient_created"),
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_recipient_unread"),
        ]

    def __str__(self) -> str:
        return self.title


class ReferenceCounter(models.Model):
    """The last number a kind of reference used in a year, e.g. TS-2026-000123.
    Incremented by an UPDATE, whose row lock keeps two numbers from colliding."""

    prefix = models.CharField(max_length=10)
    year = models.PositiveIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "year"], name="referencecounter_unique")]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last}"


class AuditEvent(models.Model):
    """Who did what to which object: one row per write in a service."""

    at = models.DateTimeField(_("at"), default=clock.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=60)
    object_type = models.CharField(_("object type"), max_length=60)
    object_id = models.CharField(_("object id"), max_length=40)
    compound = models.ForeignKey(
        Compound, verbose_name=_("compound"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    data: models.JSONField[Any, Any] = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [models.Index(fields=["object_type", "object_id", "at"], name="audit_object_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}#{self.object_id}"


class ReminderQuerySet(models.QuerySet["Reminder"]):
    def visible_to(self, user: User) -> ReminderQuerySet:
        """The committee sees every reminder of its compounds; nobody else sees this list."""
        from committee_site.access import user_access

        return self.filter(compound_id__in=user_access(user).committee_compound_ids)

    def due(self, now: datetime) -> ReminderQuerySet:
        return self.filter(status=Reminder.Status.PENDING, send_at__lte=now)


class Reminder(models.Model):
    """One reminder to one person about one deadline. The unique key (what,
    which object, which deadline, whom, which round) is the claim: the sweep
    creates the row at most once, and sends it only by moving it from pending
    to sent with a conditional update, in the transaction that writes the
    notification. Round 0 is before the deadline, round n the nth after it."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("reminder status", "Upcoming")
        SENT = "sent", pgettext_lazy("reminder status", "Sent")
        CANCELLED = "cancelled", pgettext_lazy("reminder status", "Cancelled")

    class CancelReason(models.TextChoices):
        DEADLINE_MOVED = "deadline_moved", _("The deadline moved")
        NO_LONGER_DUE = "no_longer_due", _("No longer due")
        NOT_CONCERNED = "not_concerned", _("No longer concerns this person")
        TOO_LATE = "too_late", _("Replaced by a later reminder")

    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=60)
    compound = models.ForeignKey(Compound, verbose_name=_("compound"), on_delete=models.CASCADE, related_name="+")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="reminders"
    )
    # "<model>:<pk>" of what the reminder is about, e.g. complaint:12.
    subject = models.CharField(_("about"), max_length=60)
    title = models.CharField(_("title"), max_length=200, blank=True)
    deadline = models.DateTimeField(_("deadline"))
    round = models.PositiveSmallIntegerField(_("round"), default=0)
    send_at = models.DateTimeField(_("send at"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("created at"), default=clock.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    cancel_reason = models.CharField(_("why cancelled"), max_length=20, choices=CancelReason.choices, blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    notification = models.OneToOneField(
        Notification,
        verbose_name=_("notification"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reminder",
    )

    objects = ReminderQuerySet.as_manager()

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        indexes = [
            # The sweep's "what is due": only pending rows, however many were sent.
            models.Index(fields=["send_at", "id"], condition=Q(status="pending"), name="reminder_pending_due"),
            models.Index(fields=["compound", "status", "send_at", "id"], name="reminder_compound_send"),
            models.Index(fields=["compound", "-sent_at", "-id"], name="reminder_compound_sent"),
            models.Index(fields=["recipient", "sent_at"], name="reminder_recipient_sent"),
            # The committee's list filtered by kind, upcoming and cancelled, then sent.
            models.Index(fields=["compound", "kind", "status", "send_at", "id"], name="reminder_compound_kind_send"),
            models.Index(fields=["compound", "kind", "-sent_at", "-id"], name="reminder_compound_kind_sent"),
        ]

    def __str__(self) -> str:
        return self.key

    @staticmethod
    def make_key(*, kind: str, subject: str, deadline: datetime, recipient_id: int, round: int) -> str:
        return f"{kind}|{subject}|{deadline.astimezone(UTC):%Y%m%dT%H%M%S}|{recipient_id}|{round}"


class ReminderDigest(models.Model):
    """The day's reminders in one e-mail to a person who chose the digest:
    the unique (recipient, day) row, claimed like a reminder, sends it once."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("reminder status", "Upcoming")
        SENT = "sent", pgettext_lazy("reminder status", "Sent")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField(_("day"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    email = models.OneToOneField(
        OutgoingEmail, verbose_name=_("e-mail"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("reminder digest")
        verbose_name_plural = _("reminder digests")
        constraints = [models.UniqueConstraint(fields=["recipient", "day"], name="reminderdigest_unique_day")]

    def __str__(self) -> str:
        return f"{self.recipient_id} {self.day}"
