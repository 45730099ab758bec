"""Complaints: the data, the statuses with their one transition table, and
every read as a QuerySet method."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from committee_site import clock
from committee_site.access import user_access
from committee_site.models import BilingualName, Building, Compound, Organisation, ServiceArea, TimeLimits, Unit, User
from committee_site.workflow import Move, StateMachine

if TYPE_CHECKING:
    from django.db.models.fields.related_descriptors import RelatedManager


class Status(models.TextChoices):
    SUBMITTED = "submitted", pgettext_lazy("complaint status", "Submitted")
    ACCEPTED = "accepted", pgettext_lazy("complaint status", "Accepted")
    ASSIGNED = "assigned", pgettext_lazy("complaint status", "Assigned")
    IN_PROGRESS = "in_progress", pgettext_lazy("complaint status", "In progress")
    RESOLVED = "resolved", pgettext_lazy("complaint status", "Replied")
    CLOSED = "closed", pgettext_lazy("complaint status", "Closed")
    REJECTED = "rejected", pgettext_lazy("complaint status", "Rejected")
    WITHDRAWN = "withdrawn", pgettext_lazy("complaint status", "Withdrawn")
    REFERRED = "referred", pgettext_lazy("complaint status", "Referred")


class Action(models.TextChoices):
    """Everything that can happen to a complaint; each writes one event row."""

    SUBMIT = "submit", _("submitted the complaint")
    RECORD = "record", _("recorded the complaint for the owner")
    ACCEPT = "accept", _("accepted the complaint")
    REJECT = "reject", _("did not accept the complaint")
    ASSIGN = "assign", _("ruled on responsibility and assigned it")
    PLAN = "plan", _("recorded the handling plan")
    PROGRESS = "progress", _("recorded progress")
    REPLY = "reply", _("replied with the result")
    CONFIRM = "confirm", _("confirmed the result")
    DISPUTE = "dispute", _("disputed the result")
    AUTO_CLOSE = "auto_close", _("closed it: no dispute within the time limit")
    WITHDRAW = "withdraw", _("withdrew the complaint")
    REFER = "refer", _("referred it to an outside body")
    REOPEN = "reopen", _("reopened the complaint")
    CALLBACK_CLOSE = "callback_close", _("closed it: the callback found it solved")
    CALLBACK_REOPEN = "callback_reopen", _("reopened it: the callback found it not solved")
    PUBLISH = "publish", _("published the result")
    NOTE = "note", _("added a note")


OPEN_STATUSES = frozenset({Status.SUBMITTED, Status.ACCEPTED, Status.ASSIGNED, Status.IN_PROGRESS})
FINAL_STATUSES = frozenset({Status.CLOSED, Status.REJECTED, Status.WITHDRAWN, Status.REFERRED})

# The one table of allowed moves; committee_site.services.transition_apply
# applies each, and writes it as a ComplaintEvent. A progress note keeps the status.
TRANSITIONS = StateMachine(
    name="complaint",
    moves={
        Action.ACCEPT: Move(frozenset({Status.SUBMITTED}), Status.ACCEPTED, Action.ACCEPT.label),
        Action.REJECT: Move(frozenset({Status.SUBMITTED, Status.ACCEPTED}), Status.REJECTED, Action.REJECT.label),
        Action.ASSIGN: Move(frozenset({Status.ACCEPTED, Status.ASSIGNED}), Status.ASSIGNED, Action.ASSIGN.label),
        Action.PLAN: Move(frozenset({Status.ASSIGNED}), Status.IN_PROGRESS, Action.PLAN.label),
        Action.PROGRESS: Move(frozenset({Status.IN_PROGRESS}), None, Action.PROGRESS.label),
        Action.REPLY: Move(frozenset({Status.IN_PROGRESS}), Status.RESOLVED, Action.REPLY.label),
        Action.CONFIRM: Move(frozenset({Status.RESOLVED}), Status.CLOSED, Action.CONFIRM.label),
        Action.AUTO_CLOSE: Move(frozenset({Status.RESOLVED}), Status.CLOSED, Action.AUTO_CLOSE.label),
        Action.DISPUTE: Move(frozenset({Status.RESOLVED}), Status.IN_PROGRESS, Action.DISPUTE.label),
        Action.WITHDRAW: Move(OPEN_STATUSES, Status.WITHDRAWN, Action.WITHDRAW.label),
        Action.REFER: Move(OPEN_STATUSES, Status.REFERRED, Action.REFER.label),
        Action.REOPEN: Move(frozenset({Status.RESOLVED, Status.CLOSED}), Status.IN_PROGRESS, Action.REOPEN.label),
        # Taken by feedback's callback services (回访), never from the complaint's page.
        Action.CALLBACK_CLOSE: Move(frozenset({Status.RESOLVED}), Status.CLOSED, Action.CALLBACK_CLOSE.label),
        Action.CALLBACK_REOPEN: Move(frozenset({Status.RESOLVED}), Status.IN_PROGRESS, Action.CALLBACK_REOPEN.label),
    },
    event_model="complaints.ComplaintEvent",
    event_parent="complaint",
)


class Channel(models.TextChoices):
    WEB = "web", pgettext_lazy("complaint channel", "Web form")
    PHONE = "phone", pgettext_lazy("complaint channel", "Phone")
    # The committee's complaints mailbox (投诉邮箱), not a person's address.
    EMAIL = "email", pgettext_lazy("complaint channel", "E-mail")
    LETTER = "letter", pgettext_lazy("complaint channel", "Letter")
    VISIT = "visit", pgettext_lazy("complaint channel", "Visit")
    WECHAT = "wechat", pgettext_lazy("complaint channel", "WeChat")
    API = "api", pgettext_lazy("complaint channel", "API")
    # An owner's inquiry (自助反馈) that the committee turned into a complaint.
    FEEDBACK = "feedback", pgettext_lazy("complaint channel", "Owner's feedback")


# Where a complaint came from, as its timeline's first entry says it: filed by
# the owner themselves, or recorded for them by someone else (the committee).
# Said from the channel when the page is shown, so old complaints tell it too
# and each reader reads it in their own language.
ORIGIN_SUBMITTED: dict[str, Any] = {
    Channel.WEB: _("Submitted through the website"),
    Channel.PHONE: _("Submitted by phone"),
    Channel.EMAIL: _("Submitted by e-mail to the complaints mailbox"),
    Channel.LETTER: _("Submitted by letter"),
    Channel.VISIT: _("Submitted in person"),
    Channel.WECHAT: _("Submitted through the WeChat official account"),
    Channel.API: _("Submitted through an app connected to the site"),
    Channel.FEEDBACK: _("Submitted as the owner's feedback"),
}
ORIGIN_RECORDED: dict[str, Any] = {
    Channel.WEB: _("Recorded by the committee"),
    Channel.PHONE: _("Recorded by the committee from a phone call"),
    Channel.EMAIL: _("Recorded by the committee from a message to the complaints mailbox"),
    Channel.LETTER: _("Recorded by the committee from a letter"),
    Channel.VISIT: _("Recorded by the committee from a visit"),
    Channel.WECHAT: _("Recorded by the committee from a WeChat message"),
    Channel.API: _("Recorded through an app connected to the site"),
    Channel.FEEDBACK: _("Recorded by the committee from the owner's feedback"),
}


def complaint_origin(channel: str, action: str) -> str:
    """The first entry's words: how the complaint reached the site ("" for a
    channel no longer known)."""
    said = ORIGIN_SUBMITTED if action == Action.SUBMIT else ORIGIN_RECORDED
    text = said.get(channel)
    return "" if text is None else str(text)


class Priority(models.TextChoices):
    URGENT = "urgent", _("Urgent")
    NORMAL = "normal", _("Normal")


class ResponsibleParty(models.TextChoices):
    PROPERTY_COMPANY = "property_company", _("Property company")
    COMMITTEE = "committee", _("Homeowners' committee")
    COMMUNITY_OFFICE = "community_office", _("Community office")
    DEVELOPER = "developer", _("Developer (warranty)")
    UTILITY = "utility", _("Utility")
    OWNER = "owner", _("Owner")
    GOVERNMENT = "government", _("Government department")


class Satisfaction(models.IntegerChoices):
    VERY_SATISFIED = 5, _("Very satisfied")
    SATISFIED = 4, _("Satisfied")
    FAIRLY_SATISFIED = 3, _("Fairly satisfied")
    DISSATISFIED = 2, _("Dissatisfied")
    VERY_DISSATISFIED = 1, _("Very dissatisfied")


class Category(BilingualName):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    service_area = models.ForeignKey(
        ServiceArea, verbose_name=_("service area"), on_delete=models.PROTECT, null=True, blank=True
    )
    default_responsible = models.CharField(
        _("usually responsible"),
        max_length=30,
        choices=ResponsibleParty.choices,
        default=ResponsibleParty.PROPERTY_COMPANY,
    )
    resolve_days = models.PositiveIntegerField(
        _("resolve within (days)"),
        null=True,
        blank=True,
        help_text=_("Leave empty to use the site's limits for normal and complex complaints."),
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("complaint category")
        verbose_name_plural = _("complaint categories")
        ordering = ["order", "code"]


class ComplaintQuerySet(models.QuerySet["Complaint"]):
    def visible_to(self, user: User) -> ComplaintQuerySet:
        """Owners see their own complaints; the committee and the community
        office every complaint of their compounds; property staff what is
        assigned to their company in their compounds."""
        access = user_access(user)
        condition = Q(compound_id__in=access.committee_compound_ids | access.officer_compound_ids)
        if access.property_compound_ids:
            condition |= Q(compound_id__in=access.property_compound_ids, assignee_id__in=access.organisation_ids)
        if access.owner_compound_ids:
            condition |= Q(complainant=user, compound_id__in=access.owner_compound_ids)
        return self.filter(condition)

    def open(self) -> ComplaintQuerySet:
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self, now: datetime | None = None) -> ComplaintQuerySet:
        return self.filter(status__in=OPEN_STATUSES, next_due_at__lt=now or timezone.now())

    def due_within(self, hours: int, now: datetime | None = None) -> ComplaintQuerySet:
        now = now or timezone.now()
        return self.filter(status__in=OPEN_STATUSES, next_due_at__gte=now, next_due_at__lt=now + timedelta(hours=hours))


class Complaint(models.Model):
    reference = models.CharField(_("reference"), max_length=20, unique=True)
    compound = models.ForeignKey(
        Compound, verbose_name=_("compound"), on_delete=models.PROTECT, related_name="complaints"
    )
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, null=True, blank=True)
    building = models.ForeignKey(Building, verbose_name=_("building"), on_delete=models.PROTECT, null=True, blank=True)
    location_text = models.CharField(_("location"), max_length=200, blank=True)
    complainant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("complainant"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
    )
    complainant_name = models.CharField(_("complainant's name"), max_length=100, blank=True)
    complainant_phone = models.CharField(_("complainant's phone"), max_length=30, blank=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.WEB)
    category = models.ForeignKey(Category, verbose_name=_("category"), on_delete=models.PROTECT)
    service_area = models.ForeignKey(
        ServiceArea, verbose_name=_("service area"), on_delete=models.PROTECT, null=True, blank=True
    )
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), max_length=5000)
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    is_complex = models.BooleanField(_("complex case"), default=False)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    responsible_party = models.CharField(
        _("responsible party"), max_length=30, choices=ResponsibleParty.choices, blank=True
    )
    responsibility_reason = models.TextField(_("reason for the ruling"), blank=True, max_length=2000)
    assignee = models.ForeignKey(
        Organisation,
        verbose_name=_("assigned to"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_complaints",
    )
    handling_plan = models.TextField(_("handling plan"), blank=True, max_length=5000)
    result = models.TextField(_("result"), blank=True, max_length=5000)
    decision_reason = models.TextField(_("reason"), blank=True, max_length=2000)
    referred_to = models.CharField(_("referred to"), max_length=200, blank=True)
    owner_rating = models.PositiveSmallIntegerField(
        _("owner's satisfaction"), choices=Satisfaction.choices, null=True, blank=True
    )
    submitted_at = models.DateTimeField(_("submitted at"), default=clock.now)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    planned_at = models.DateTimeField(_("plan recorded at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    accept_due_at = models.DateTimeField(_("accept by"))
    reply_due_at = models.DateTimeField(_("reply to the owner by"))
    resolve_due_at = models.DateTimeField(_("resolve by"), null=True, blank=True)
    dispute_until = models.DateTimeField(_("owner may dispute until"), null=True, blank=True)
    # The deadline the complaint waits for now (one of the above); kept by
    # the services so lists can sort and filter on urgency with an index.
    next_due_at = models.DateTimeField(_("next deadline"), null=True, blank=True)
    updated_at = models.DateTimeField(_("last change"), default=clock.now)
    version = models.PositiveIntegerField(default=1)
    # CJK bigrams and lower-case words of title and description, for search.
    search_tokens = models.TextField(blank=True, editable=False)

    objects = ComplaintQuerySet.as_manager()

    if TYPE_CHECKING:
        events: RelatedManager[ComplaintEvent]
        photos: RelatedManager[ComplaintPhoto]

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        indexes = [
            models.Index(fields=["compound", "-submitted_at", "-id"], name="complaint_compound_submitted"),
            models.Index(fields=["compound", "status", "-submitted_at", "-id"], name="complaint_compound_status"),
            # The dashboard's filter by channel (电话、投诉邮箱、微信…), newest first.
            models.Index(fields=["compound", "channel", "-submitted_at", "-id"], name="complaint_compound_channel"),
            models.Index(fields=["compound", "next_due_at", "id"], name="complaint_compound_due"),
            models.Index(fields=["compound", "-updated_at", "-id"], name="complaint_compound_updated"),
            models.Index(fields=["assignee", "status", "next_due_at"], name="complaint_assignee_due"),
            # The property staff's queue: open cases in deadline order, read in
            # that order across the four open statuses, so the first page of a
            # company with tens of thousands open reads a page, not all of them.
            models.Index(
                fields=["assignee", "next_due_at", "id"],
                condition=Q(status__in=sorted(OPEN_STATUSES), next_due_at__isnull=False),
                name="complaint_assignee_queue",
            ),
            models.Index(fields=["complainant", "-submitted_at", "-id"], name="complaint_complainant"),
            # The reminder sweep's window over every compound: only cases that wait for a deadline.
            models.Index(fields=["next_due_at"], condition=Q(next_due_at__isnull=False), name="complaint_next_due"),
            # The dashboard's open workload (new, overdue, due soon) counted from index entries alone.
            models.Index(
                fields=["compound", "next_due_at"],
                condition=Q(status__in=sorted(OPEN_STATUSES)),
                name="complaint_open_due",
            ),
            models.Index(
                fields=["compound", "submitted_at"],
                condition=Q(status__in=sorted(OPEN_STATUSES)),
                name="complaint_open_submitted",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, now: datetime | None = None) -> bool:
        return self.is_open and self.next_due_at is not None and self.next_due_at < (now or timezone.now())

    def is_due_soon(self, now: datetime | None = None, hours: int | None = None) -> bool:
        """Open and its next deadline within the site's due-soon hours (or `hours`)."""
        if not self.is_open or self.next_due_at is None:
            return False
        hours = hours or TimeLimits.current().due_soon_hours
        now = now or timezone.now()
        return now <= self.next_due_at < now + timedelta(hours=hours)

    @property
    def location_display(self) -> str:
        if self.unit_id:
            return str(self.unit)
        if self.building_id:
            return " ".join(filter(None, [str(self.building), self.location_text]))
        return self.location_text

    @property
    def complainant_display(self) -> str:
        if self.complainant_id:
            return str(self.complainant)
        return self.complainant_name


class ComplaintEvent(models.Model):
    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="events"
    )
    at = models.DateTimeField(_("at"), default=clock.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    from_status = models.CharField(_("from"), max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=Status.choices, blank=True)
    note = models.TextField(_("note"), blank=True, max_length=5000)
    visible_to_owner = models.BooleanField(_("shown to the owner"), default=True)
    version = models.PositiveIntegerField(_("version after"), default=1)
    data: models.JSONField[Any, Any] = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("complaint event")
        verbose_name_plural = _("complaint events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["complaint", "at", "id"], name="complaintevent_complaint_at")]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


class ComplaintPhoto(models.Model):
    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="photos"
    )
    event = models.ForeignKey(
        ComplaintEvent, verbose_name=_("event"), on_delete=models.CASCADE, null=True, blank=True, related_name="photos"
    )
    file = models.CharField(_("file"), max_length=300)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=clock.now)
    visible_to_owner = models.BooleanField(_("shown to the owner"), default=True)

    class Meta:
        verbose_name = _("complaint photo")
        verbose_name_plural = _("complaint photos")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.file


class StatusCount(models.Model):
    """How many complaints of a compound are in each status, kept by the
    services in the same transaction as each move, so the dashboard never
    counts the whole table."""

    compound = models.ForeignKey(Compound, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=20, choices=Status.choices)
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["compound", "status"], name="statuscount_unique")]

    def __str__(self) -> str:
        return f"{self.compound_id} {self.status}: {self.count}"


class PublicationScope(models.TextChoices):
    COMPLAINANT = "complainant", _("The complainant only")
    BUILDING = "building", _("The owners of one building")
    COMPOUND = "compound", _("All owners of the compound")


class PublicationQuerySet(models.QuerySet["Publication"]):
    def visible_to(self, user: User) -> PublicationQuerySet:
        """What an owner may read on the board; the committee sees all of its compounds'."""
        access = user_access(user)
        condition = Q(complaint__compound_id__in=access.committee_compound_ids)
        owner_compounds = access.owner_compound_ids
        if owner_compounds:
            building_ids = list(
                Unit.objects.filter(owners__user=user, building__compound_id__in=owner_compounds).values_list(
                    "building_id", flat=True
                )
            )
            condition |= Q(complaint__compound_id__in=owner_compounds, scope=PublicationScope.COMPOUND)
            condition |= Q(scope=PublicationScope.BUILDING, building_id__in=building_ids)
            condition |= Q(complaint__complainant=user, complaint__compound_id__in=owner_compounds)
        return self.filter(condition)


class Publication(models.Model):
    """A redacted summary of a handled complaint (投诉处理结果公开)."""

    complaint = models.OneToOneField(
        Complaint, verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="publication"
    )
    summary = models.TextField(_("published summary"), max_length=3000)
    scope = models.CharField(_("published to"), max_length=20, choices=PublicationScope.choices)
    building = models.ForeignKey(Building, verbose_name=_("building"), on_delete=models.PROTECT, null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("published by"), on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(_("published at"), default=clock.now)

    objects = PublicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("publication")
        verbose_name_plural = _("publications")
        indexes = [models.Index(fields=["-published_at", "-id"], name="publication_published")]

    def __str__(self) -> str:
        return f"{self.complaint_id}: {self.summary[:40]}"
