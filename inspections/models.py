"""Checklist templates, plans, inspections, joint signatures and rectification
notices (DESIGN.md §3 Inspections). Reads are QuerySet methods scoped with
`visible_to(user)`; every write lives in services.py."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from committee_site import clock
from committee_site.access import user_access
from committee_site.models import BilingualName, Compound, Organisation, ServiceArea, User
from committee_site.workflow import Move, StateMachine

if TYPE_CHECKING:
    from django.db.models.fields.related_descriptors import RelatedManager


def _english() -> bool:
    return (get_language() or "").startswith("en")


def grade_for(score: int) -> str:
    if score >= 90:
        return Grade.EXCELLENT
    if score >= 80:
        return Grade.GOOD
    if score >= 70:
        return Grade.PASS
    return Grade.FAIL


class Grade(models.TextChoices):
    EXCELLENT = "excellent", _("Excellent")
    GOOD = "good", _("Good")
    PASS = "pass", _("Pass")
    FAIL = "fail", _("Fail")


def quarter_bounds(day: date) -> tuple[date, date]:
    """First day of the quarter of `day` and the first day of the next one."""
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = date(day.year, first_month, 1)
    end = date(day.year + (first_month + 3 > 12), (first_month + 3 - 1) % 12 + 1, 1)
    return start, end


# --- checklist templates ------------------------------------------------------


class ChecklistTemplateQuerySet(models.QuerySet["ChecklistTemplate"]):
    def visible_to(self, user: User) -> ChecklistTemplateQuerySet:
        # The site-wide templates and the copies of the compounds whose committee the user sits on.
        return self.filter(Q(compound__isnull=True) | Q(compound_id__in=user_access(user).committee_compound_ids))


class ChecklistTemplate(BilingualName):
    """A deduction sheet. Site-wide templates (no compound) are edited in the
    admin; a committee copies one for its compound and edits the copy. Every
    edit bumps `version`; inspections keep a snapshot of the items they began with."""

    compound = models.ForeignKey(
        Compound,
        verbose_name=_("compound"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="checklist_templates",
        help_text=_("Empty for a template every compound may use."),
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    copied_from = models.ForeignKey(
        "self", verbose_name=_("copied from"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated at"), default=clock.now)

    objects = ChecklistTemplateQuerySet.as_manager()

    if TYPE_CHECKING:
        sections: RelatedManager[ChecklistSection]

    class Meta:
        verbose_name = _("checklist template")
        verbose_name_plural = _("checklist templates")
        ordering = ["compound_id", "name", "id"]


class ChecklistSection(BilingualName):
    template = models.ForeignKey(
        ChecklistTemplate, verbose_name=_("template"), on_delete=models.CASCADE, related_name="sections"
    )
    points = models.PositiveIntegerField(_("points"))
    order = models.PositiveIntegerField(_("order"), default=0)

    if TYPE_CHECKING:
        items: RelatedManager[ChecklistItem]

    class Meta:
        verbose_name = _("checklist section")
        verbose_name_plural = _("checklist sections")
        ordering = ["template", "order", "id"]


class ChecklistItem(models.Model):
    section = models.ForeignKey(
        ChecklistSection, verbose_name=_("section"), on_delete=models.CASCADE, related_name="items"
    )
    text = models.CharField(_("item (Chinese)"), max_length=300)
    text_en = models.CharField(_("item (English)"), max_length=300, blank=True)
    service_area = models.ForeignKey(
        ServiceArea, verbose_name=_("service area"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    points = models.PositiveIntegerField(_("points"))
    critical = models.BooleanField(
        _("critical"), default=False, help_text=_("A deduction here is a serious hazard (重大隐患).")
    )
    guidance = models.TextField(_("guidance"), blank=True, max_length=2000)
    clause = models.CharField(_("contract clause"), max_length=40, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["section", "order", "id"]

    def __str__(self) -> str:
        return self.display_text

    @property
    def display_text(self) -> str:
        return self.text_en if _english() and self.text_en else self.text


# --- plans ----------------------------------------------------------------------


class InspectionKind(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled inspection")
    AD_HOC = "ad_hoc", _("Random check")
    JOINT = "joint", _("Joint inspection")


class InspectionPlanQuerySet(models.QuerySet["InspectionPlan"]):
    def visible_to(self, user: User) -> InspectionPlanQuerySet:
        return self.filter(compound_id__in=user_access(user).committee_compound_ids)


class InspectionPlan(models.Model):
    class Kind(models.TextChoices):
        SCHEDULED = InspectionKind.SCHEDULED.value, InspectionKind.SCHEDULED.label
        JOINT = InspectionKind.JOINT.value, InspectionKind.JOINT.label

    class Recurrence(models.TextChoices):
        MONTHLY = "monthly", _("Monthly")
        QUARTERLY = "quarterly", _("Quarterly")
        SEMI_ANNUAL = "semi_annual", _("Every six months")

    MONTHS: ClassVar[dict[str, int]] = {"monthly": 1, "quarterly": 3, "semi_annual": 6}

    compound = models.ForeignKey(
        Compound, verbose_name=_("compound"), on_delete=models.CASCADE, related_name="inspection_plans"
    )
    template = models.ForeignKey(
        ChecklistTemplate, verbose_name=_("checklist template"), on_delete=models.PROTECT, related_name="plans"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    recurrence = models.CharField(_("recurrence"), max_length=20, choices=Recurrence.choices)
    day_of_period = models.PositiveSmallIntegerField(
        _("day in the period"), default=15, help_text=_("The inspection is planned on this day of the period's month.")
    )
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lead"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=clock.now)

    objects = InspectionPlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("inspection plan")
        verbose_name_plural = _("inspection plans")
        ordering = ["compound", "kind", "id"]

    def __str__(self) -> str:
        return f"{self.compound} · {self.get_kind_display()} · {self.get_recurrence_display()}"

    def period_start(self, day: date) -> date:
        months = self.MONTHS[self.recurrence]
        month = months * ((day.month - 1) // months) + 1
        return date(day.year, month, 1)

    def next_period_start(self, start: date) -> date:
        month = start.month - 1 + self.MONTHS[self.recurrence]
        return date(start.year + month // 12, month % 12 + 1, 1)

    def planned_day(self, start: date) -> date:
        return start.replace(day=max(1, min(self.day_of_period, 28)))


# --- inspections ----------------------------------------------------------------


class InspectionQuerySet(models.QuerySet["Inspection"]):
    def visible_to(self, user: User) -> InspectionQuerySet:
        """The committee sees every inspection of its compounds; property staff
        and community officers see the joint inspections they take part in."""
        access = user_access(user)
        return self.filter(
            Q(compound_id__in=access.committee_compound_ids)
            | Q(kind=InspectionKind.JOINT, compound_id__in=access.property_compound_ids | access.officer_compound_ids)
        )

    def open(self) -> InspectionQuerySet:
        return self.filter(
            status__in=[Inspection.Status.PLANNED, Inspection.Status.IN_PROGRESS, Inspection.Status.SIGNING]
        )


class Inspection(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        SIGNING = "signing", _("Waiting for signatures")
        COMPLETED = "completed", _("Completed")
        ARCHIVED = "archived", _("Archived")

    # The only moves an inspection can make; committee_site.services.transition_apply applies them.
    TRANSITIONS: ClassVar[StateMachine] = StateMachine(
        name="inspection",
        moves={
            "start": Move(frozenset({Status.PLANNED}), Status.IN_PROGRESS, _("started the inspection")),
            # A joint inspection's sheet is finished, then every party signs it.
            "finish_sheet": Move(
                frozenset({Status.IN_PROGRESS}), Status.SIGNING, _("finished the sheet for signatures")
            ),
            "complete": Move(frozenset({Status.IN_PROGRESS}), Status.COMPLETED, _("completed the inspection")),
            "seal": Move(
                frozenset({Status.SIGNING}), Status.COMPLETED, _("completed the record with the last signature")
            ),
            "archive": Move(frozenset({Status.COMPLETED}), Status.ARCHIVED, _("archived the inspection")),
        },
    )

    Kind = InspectionKind

    compound = models.ForeignKey(
        Compound, verbose_name=_("compound"), on_delete=models.PROTECT, related_name="inspections"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=InspectionKind.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PLANNED)
    title = models.CharField(_("title"), max_length=200, blank=True)
    planned_on = models.DateField(_("planned on"))
    plan = models.ForeignKey(
        InspectionPlan,
        verbose_name=_("plan"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inspections",
    )
    period_start = models.DateField(_("period"), null=True, blank=True)
    template = models.ForeignKey(
        ChecklistTemplate,
        verbose_name=_("checklist template"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inspections",
    )
    template_version = models.PositiveIntegerField(_("template version"), null=True, blank=True)
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lead"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    emergency = models.BooleanField(_("emergency"), default=False)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    total_points = models.PositiveIntegerField(_("total points"), default=0)
    score = models.IntegerField(_("score"), null=True, blank=True)
    summary = models.TextField(_("summary"), blank=True, max_length=4000)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("created at"), default=clock.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = InspectionQuerySet.as_manager()

    if TYPE_CHECKING:
        items: RelatedManager[InspectionItem]
        participants: RelatedManager[Participant]
        parties: RelatedManager[SigningParty]

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-planned_on", "-id"]
        indexes = [
            models.Index(fields=["compound", "kind", "planned_on"], name="inspection_kind_day"),
            # The reminder sweep's "inspections coming up" across every compound.
            models.Index(fields=["planned_on", "id"], condition=Q(status="planned"), name="inspection_planned_day"),
            # The quarterly report counts the inspections completed in a quarter.
            models.Index(fields=["compound", "completed_at"], name="inspection_compound_completed"),
        ]
        constraints = [
            # The claim of plan materialisation: one inspection per plan and period.
            models.UniqueConstraint(fields=["plan", "period_start"], name="inspection_unique_plan_period")
        ]

    def __str__(self) -> str:
        return f"{self.compound} · {self.get_kind_display()} · {self.planned_on:%Y-%m-%d}"

    @property
    def display_title(self) -> str:
        return self.title or str(self.get_kind_display())

    @property
    def grade(self) -> str | None:
        return None if self.score is None else grade_for(self.score)

    @property
    def grade_label(self) -> str:
        grade = self.grade
        return "" if grade is None else str(Grade(grade).label)

    @property
    def editable(self) -> bool:
        return self.status == self.Status.IN_PROGRESS


class InspectionItem(models.Model):
    """One line of the sheet as the inspection began with it (a snapshot of
    the template item), or a finding that is not on the sheet (`extra`)."""

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), on_delete=models.CASCADE, related_name="items"
    )
    source_item = models.ForeignKey(
        ChecklistItem,
        verbose_name=_("template item"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    section_name = models.CharField(_("section (Chinese)"), max_length=200)
    section_name_en = models.CharField(_("section (English)"), max_length=200, blank=True)
    section_points = models.PositiveIntegerField(_("section points"), default=0)
    section_order = models.PositiveIntegerField(default=0)
    order = models.PositiveIntegerField(default=0)
    text = models.CharField(_("item (Chinese)"), max_length=300)
    text_en = models.CharField(_("item (English)"), max_length=300, blank=True)
    service_area = models.ForeignKey(
        ServiceArea, verbose_name=_("service area"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    points = models.PositiveIntegerField(_("points"), default=0)
    critical = models.BooleanField(_("critical"), default=False)
    guidance = models.TextField(_("guidance"), blank=True)
    clause = models.CharField(_("contract clause"), max_length=40, blank=True)
    extra = models.BooleanField(_("finding not on the sheet"), default=False)
    answered = models.BooleanField(_("answered"), default=False)
    deduction = models.PositiveIntegerField(_("deduction"), default=0)
    note = models.TextField(_("note"), blank=True, max_length=2000)
    photos: models.JSONField[list[str], list[str]] = models.JSONField(_("photos"), default=list, blank=True)
    updated_at = models.DateTimeField(_("updated at"), null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("inspection item")
        verbose_name_plural = _("inspection items")
        ordering = ["inspection", "extra", "section_order", "order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(deduction__lte=models.F("points")), name="inspectionitem_deduction_le_points"
            )
        ]

    def __str__(self) -> str:
        return self.display_text

    @property
    def display_text(self) -> str:
        return self.text_en if _english() and self.text_en else self.text

    @property
    def display_section(self) -> str:
        return self.section_name_en if _english() and self.section_name_en else self.section_name

    @property
    def is_finding(self) -> bool:
        return self.extra or self.deduction > 0


class Party(models.TextChoices):
    COMMITTEE = Organisation.Kind.COMMITTEE.value, _("Homeowners' committee")
    PROPERTY_COMPANY = Organisation.Kind.PROPERTY_COMPANY.value, _("Property company")
    COMMUNITY_OFFICE = Organisation.Kind.COMMUNITY_OFFICE.value, _("Community office")


class Participant(models.Model):
    """A person invited to an inspection, and whether they came."""

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), on_delete=models.CASCADE, related_name="participants"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE, related_name="+"
    )
    party = models.CharField(_("party"), max_length=20, choices=Party.choices)
    attended = models.BooleanField(_("attended"), null=True, blank=True)

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["inspection", "party", "id"]
        constraints = [models.UniqueConstraint(fields=["inspection", "user"], name="participant_unique_user")]

    def __str__(self) -> str:
        return str(self.user)


class SigningPartyQuerySet(models.QuerySet["SigningParty"]):
    def awaiting_signature_by(self, user: User) -> SigningPartyQuerySet:
        """The signature lines of finished joint inspections that this person
        signs for their party (committee, property company, community office)
        and that nobody has signed yet."""
        access = user_access(user)
        condition = (
            Q(party=Party.COMMITTEE, inspection__compound_id__in=access.committee_compound_ids)
            | Q(party=Party.PROPERTY_COMPANY, inspection__compound_id__in=access.property_compound_ids)
            | Q(party=Party.COMMUNITY_OFFICE, inspection__compound_id__in=access.officer_compound_ids)
        )
        return self.filter(condition, status=SigningParty.Status.PENDING, inspection__status=Inspection.Status.SIGNING)


class SigningParty(models.Model):
    """One party's signature on a joint inspection record: signed (perhaps
    with a dissent note), or absent with a reason."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Not signed yet")
        SIGNED = "signed", _("Signed")
        ABSENT = "absent", _("Absent")

    TRANSITIONS: ClassVar[StateMachine] = StateMachine(
        name="signing_party",
        moves={
            "sign": Move(frozenset({Status.PENDING}), Status.SIGNED, _("signed the record")),
            "absent": Move(frozenset({Status.PENDING}), Status.ABSENT, _("recorded the party as absent")),
        },
    )

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), on_delete=models.CASCADE, related_name="parties"
    )
    party = models.CharField(_("party"), max_length=20, choices=Party.choices)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    dissent = models.TextField(_("dissent note"), blank=True, max_length=2000)
    absent_reason = models.TextField(_("reason for absence"), blank=True, max_length=1000)
    version = models.PositiveIntegerField(default=1)

    objects = SigningPartyQuerySet.as_manager()

    class Meta:
        verbose_name = _("signing party")
        verbose_name_plural = _("signing parties")
        ordering = ["inspection", "id"]
        constraints = [models.UniqueConstraint(fields=["inspection", "party"], name="signingparty_unique_party")]
        # Pending lines exist only while a record waits for signatures: a small
        # partial index finds everyone's "to sign" list however many inspections there are.
        indexes = [
            models.Index(fields=["party", "inspection"], name="signingparty_pending", condition=Q(status="pending"))
        ]

    def __str__(self) -> str:
        return f"{self.get_party_display()}: {self.get_status_display()}"


# --- rectification --------------------------------------------------------------


class NoticeQuerySet(models.QuerySet["RectificationNotice"]):
    def visible_to(self, user: User) -> NoticeQuerySet:
        """The committee sees its compounds' notices; property staff those
        addressed to their company in the compounds it serves."""
        access = user_access(user)
        return self.filter(
            Q(compound_id__in=access.committee_compound_ids)
            | Q(compound_id__in=access.property_compound_ids, organisation_id__in=access.organisation_ids)
        )

    def unresolved(self) -> NoticeQuerySet:
        return self.exclude(status=RectificationNotice.Status.VERIFIED)

    def overdue(self, now: datetime | None = None) -> NoticeQuerySet:
        return self.filter(status__in=RectificationNotice.WORK_STATUSES, deadline__lt=now or timezone.now())


class RectificationNotice(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("rectification status", "Open")
        IN_PROGRESS = "in_progress", _("Being rectified")
        AWAITING_REVIEW = "awaiting_review", _("Awaiting re-inspection")
        VERIFIED = "verified", pgettext_lazy("rectification status", "Verified")
        FAILED = "failed", _("Failed re-inspection")

    class Severity(models.TextChoices):
        CRITICAL = "critical", _("Critical hazard")
        GENERAL = "general", _("General")

    # The moves of a notice; the actions are RectificationEvent.Action's, and
    # committee_site.services.transition_apply writes each as an event.
    TRANSITIONS: ClassVar[StateMachine] = StateMachine(
        name="rectification",
        moves={
            "acknowledge": Move(
                frozenset({Status.OPEN, Status.FAILED}), Status.IN_PROGRESS, _("acknowledged the notice")
            ),
            "progress": Move(frozenset({Status.IN_PROGRESS, Status.FAILED}), None, _("recorded work done")),
            "submit": Move(
                frozenset({Status.OPEN, Status.IN_PROGRESS, Status.FAILED}),
                Status.AWAITING_REVIEW,
                _("submitted the evidence"),
            ),
            "verify": Move(frozenset({Status.AWAITING_REVIEW}), Status.VERIFIED, _("verified the rectification")),
            "fail": Move(frozenset({Status.AWAITING_REVIEW}), Status.FAILED, _("found the rectification not done")),
        },
        event_model="inspections.RectificationEvent",
        event_parent="notice",
    )
    # Statuses in which the property company owes work, and so can be overdue.
    WORK_STATUSES: ClassVar[tuple[str, ...]] = (Status.OPEN, Status.IN_PROGRESS, Status.FAILED)

    reference = models.CharField(_("reference"), max_length=30, unique=True)
    compound = models.ForeignKey(
        Compound, verbose_name=_("compound"), on_delete=models.PROTECT, related_name="rectification_notices"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("responsible organisation"),
        on_delete=models.PROTECT,
        related_name="rectification_notices",
    )
    inspection = models.ForeignKey(
        Inspection,
        verbose_name=_("inspection"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notices",
    )
    item = models.ForeignKey(
        InspectionItem,
        verbose_name=_("finding"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notices",
    )
    # Any other source (a complaint, for one) without this app importing it.
    source_type = models.CharField(_("source"), max_length=60, blank=True)
    source_id = models.CharField(_("source id"), max_length=40, blank=True)
    source_reference = models.CharField(_("source reference"), max_length=60, blank=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("what must be rectified"), max_length=4000)
    service_area = models.ForeignKey(
        ServiceArea, verbose_name=_("service area"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    deadline = models.DateTimeField(_("deadline"))
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("issued at"), default=clock.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    # When the company last reported the work done: the re-inspection is due reinspect_days later.
    submitted_at = models.DateTimeField(_("reported done at"), null=True, blank=True)

    objects = NoticeQuerySet.as_manager()

    if TYPE_CHECKING:
        events: RelatedManager[RectificationEvent]

    class Meta:
        verbose_name = _("rectification notice")
        verbose_name_plural = _("rectification notices")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["compound", "status", "deadline"], name="notice_status_deadline"),
            # The reminder sweep's ranges across every compound: only notices still open.
            models.Index(
                fields=["deadline", "id"],
                condition=Q(status__in=["open", "in_progress", "failed"]),
                name="notice_work_deadline",
            ),
            models.Index(
                fields=["submitted_at", "id"], condition=Q(status="awaiting_review"), name="notice_review_submitted"
            ),
            # The quarterly report counts the notices issued in a quarter.
            models.Index(fields=["compound", "created_at"], name="notice_compound_created"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def is_overdue(self, now: datetime | None = None) -> bool:
        return self.status in self.WORK_STATUSES and self.deadline < (now or timezone.now())

    @property
    def overdue(self) -> bool:
        return self.is_overdue()


class RectificationEvent(models.Model):
    """One step of a notice: who, when, from → to, note, evidence photos."""

    class Action(models.TextChoices):
        ISSUE = "issue", _("Issued")
        ACKNOWLEDGE = "acknowledge", _("Acknowledged")
        PROGRESS = "progress", _("Work recorded")
        SUBMIT = "submit", _("Evidence submitted")
        VERIFY = "verify", _("Re-inspected")
        FAIL = "fail", _("Re-inspected")

    notice = models.ForeignKey(
        RectificationNotice, verbose_name=_("notice"), on_delete=models.CASCADE, related_name="events"
    )
    at = models.DateTimeField(_("at"), default=clock.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    from_status = models.CharField(_("from"), max_length=20, blank=True)
    to_status = models.CharField(_("to"), max_length=20, blank=True)
    note = models.TextField(_("note"), blank=True, max_length=4000)
    photos: models.JSONField[list[str], list[str]] = models.JSONField(_("photos"), default=list, blank=True)
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)

    class Meta:
        verbose_name = _("rectification event")
        verbose_name_plural = _("rectification events")
        ordering = ["notice", "at", "id"]

    def __str__(self) -> str:
        return f"{self.notice_id} {self.action}"

    @property
    def to_status_label(self) -> Any:
        return RectificationNotice.Status(self.to_status).label if self.to_status else ""
