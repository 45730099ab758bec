"""Feedback (DESIGN.md §3): the committee's callbacks after a complaint's
reply, owners' own feedback, and satisfaction surveys. Every status moves
through a TRANSITIONS table and `committee_site.services.transition_apply`;
reads are QuerySet methods scoped with `visible_to(user)`."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from committee_site import clock
from committee_site.access import user_access
from committee_site.models import Building, Compound, ServiceArea, Unit, User
from committee_site.workflow import Move, StateMachine
from complaints.models import Complaint, Satisfaction

if TYPE_CHECKING:
    from django.db.models.fields.related_descriptors import RelatedManager

# The satisfaction rate counts these levels as satisfied (DESIGN.md §3).
SATISFIED_LEVELS = (Satisfaction.VERY_SATISFIED, Satisfaction.SATISFIED, Satisfaction.FAIRLY_SATISFIED)
# A service area under this satisfaction rate is flagged (中物协 grade-1 practice).
SATISFACTION_LINE = 80
# No figure shown to the property company rests on fewer answers than this.
SMALLEST_GROUP = 5


# --- callbacks (回访) ------------------------------------------------------------------


class CallbackQuerySet(models.QuerySet["Callback"]):
    def visible_to(self, user: User) -> CallbackQuerySet:
        """The committee and the community office see their compounds'
        callbacks; the owner the callbacks of their own complaints. The
        property company sees none: the callback checks its work."""
        access = user_access(user)
        condition = Q(compound_id__in=access.committee_compound_ids | access.officer_compound_ids)
        if access.owner_compound_ids:
            condition |= Q(complaint__complainant=user, compound_id__in=access.owner_compound_ids)
        return self.filter(condition)

    def pending(self) -> CallbackQuerySet:
        return self.filter(status=Callback.Status.PENDING)


class Callback(models.Model):
    """The committee's call to the owner after a complaint's reply."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("callback status", "To call back")
        SOLVED = "solved", pgettext_lazy("callback status", "Solved")
        UNSOLVED = "unsolved", pgettext_lazy("callback status", "Not solved")
        UNREACHED = "unreached", pgettext_lazy("callback status", "Owner not reached")
        # The owner disputed or the committee reopened before anyone called.
        CANCELLED = "cancelled", pgettext_lazy("callback status", "No longer needed")
        # The complaint closed by the dispute window before anyone called.
        LAPSED = "lapsed", pgettext_lazy("callback status", "Not done")

    class Channel(models.TextChoices):
        PHONE = "phone", pgettext_lazy("callback channel", "Phone")
        VISIT = "visit", pgettext_lazy("callback channel", "Visit")
        # The owner answered the callback's link, or confirmed the reply on the complaint's page.
        ONLINE = "online", pgettext_lazy("callback channel", "Online, by the owner")

    class Action(models.TextChoices):
        OPEN = "open", _("opened the callback")
        ATTEMPT = "attempt", _("called, but did not reach the owner")
        GIVE_UP = "give_up", _("did not reach the owner after three attempts")
        SOLVED = "solved", _("recorded the callback: solved")
        UNSOLVED = "unsolved", _("recorded the callback: not solved")
        CANCEL = "cancel", _("cancelled the callback")
        LAPSE = "lapse", _("the complaint closed before the callback")

    TRANSITIONS: ClassVar[StateMachine] = StateMachine(
        name="callback",
        moves={
            Action.ATTEMPT: Move(frozenset({Status.PENDING}), None, Action.ATTEMPT.label),
            Action.GIVE_UP: Move(frozenset({Status.PENDING}), Status.UNREACHED, Action.GIVE_UP.label),
            Action.SOLVED: Move(frozenset({Status.PENDING}), Status.SOLVED, Action.SOLVED.label),
            Action.UNSOLVED: Move(frozenset({Status.PENDING}), Status.UNSOLVED, Action.UNSOLVED.label),
            Action.CANCEL: Move(frozenset({Status.PENDING}), Status.CANCELLED, Action.CANCEL.label),
            Action.LAPSE: Move(frozenset({Status.PENDING}), Status.LAPSED, Action.LAPSE.label),
        },
        event_model="feedback.CallbackEvent",
        event_parent="callback",
    )
    # Statuses in which the committee did its call (coverage counts them).
    DONE_STATUSES: ClassVar[tuple[str, ...]] = (Status.SOLVED, Status.UNSOLVED, Status.UNREACHED)
    # Attempts after which an owner not reached is recorded as such.
    MAX_ATTEMPTS: ClassVar[int] = 3

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.PROTECT, related_name="callbacks"
    )
    compound = models.ForeignKey(Compound, verbose_name=_("compound"), on_delete=models.PROTECT, related_name="+")
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("committee member calling"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="callbacks_to_make",
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("opened at"), default=clock.now)
    due_at = models.DateTimeField(_("call back by"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    reached = models.BooleanField(_("owner reached"), null=True, blank=True)
    solved = models.BooleanField(_("solved"), null=True, blank=True)
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction"), choices=Satisfaction.choices, null=True, blank=True
    )
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    channel = models.CharField(_("how"), max_length=10, choices=Channel.choices, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    done_at = models.DateTimeField(_("recorded at"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = CallbackQuerySet.as_manager()

    if TYPE_CHECKING:
        events: RelatedManager[CallbackEvent]

    class Meta:
        verbose_name = _("callback")
        verbose_name_plural = _("callbacks")
        indexes = [
            models.Index(fields=["compound", "due_at", "id"], name="callback_compound_due"),
            models.Index(fields=["compound", "-done_at", "-id"], name="callback_compound_done"),
            models.Index(fields=["assigned_to", "status", "due_at"], name="callback_assignee"),
            models.Index(fields=["complaint", "-created_at"], name="callback_complaint"),
            # The reminder sweep's window: pending callbacks only.
            models.Index(fields=["due_at"], condition=Q(status="pending"), name="callback_pending_due"),
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.status}"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING

    def is_overdue(self, now: datetime | None = None) -> bool:
        return self.is_pending and self.due_at < (now or timezone.now())

    @property
    def on_time(self) -> bool:
        return self.status in self.DONE_STATUSES and self.done_at is not None and self.done_at <= self.due_at


class CallbackEvent(models.Model):
    callback = models.ForeignKey(Callback, verbose_name=_("callback"), on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("at"), default=clock.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=20, choices=Callback.Action.choices)
    from_status = models.CharField(_("from"), max_length=20, choices=Callback.Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=Callback.Status.choices, blank=True)
    note = models.TextField(_("note"), blank=True, max_length=2000)

    class Meta:
        verbose_name = _("callback event")
        verbose_name_plural = _("callback events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["callback", "at", "id"], name="callbackevent_callback_at")]

    def __str__(self) -> str:
        return f"{self.callback_id} {self.action}"


# --- self-service feedback (自助反馈) ---------------------------------------------------


class FeedbackEntryQuerySet(models.QuerySet["FeedbackEntry"]):
    def visible_to(self, user: User) -> FeedbackEntryQuerySet:
        """The owner their own; the committee and the community office their
        compounds'; the property company its compounds' (the views leave out
        the identity of owners who did not allow it)."""
        access = user_access(user)
        condition = Q(
            compound_id__in=access.committee_compound_ids | access.officer_compound_ids | access.property_compound_ids
        )
        if access.owner_compound_ids:
            condition |= Q(author=user, compound_id__in=access.owner_compound_ids)
        return self.filter(condition)


class FeedbackEntry(models.Model):
    class Kind(models.TextChoices):
        SUGGESTION = "suggestion", _("Suggestion")
        PRAISE = "praise", _("Praise")
        INQUIRY = "inquiry", _("Inquiry")
        RATING = "rating", _("Rating")

    class Status(models.TextChoices):
        NEW = "new", pgettext_lazy("feedback status", "New")
        ACKNOWLEDGED = "acknowledged", pgettext_lazy("feedback status", "Acknowledged")
        ANSWERED = "answered", pgettext_lazy("feedback status", "Answered")

    class Action(models.TextChoices):
        SUBMIT = "submit", _("left the feedback")
        ACKNOWLEDGE = "acknowledge", _("acknowledged the feedback")
        ANSWER = "answer", _("answered the feedback")
        CONVERT = "convert", _("turned the inquiry into a complaint")

    TRANSITIONS: ClassVar[StateMachine] = StateMachine(
        name="feedback",
        moves={
            Action.ACKNOWLEDGE: Move(frozenset({Status.NEW}), Status.ACKNOWLEDGED, Action.ACKNOWLEDGE.label),
            Action.ANSWER: Move(frozenset({Status.NEW, Status.ACKNOWLEDGED}), Status.ANSWERED, Action.ANSWER.label),
            Action.CONVERT: Move(frozenset({Status.NEW, Status.ACKNOWLEDGED}), Status.ANSWERED, Action.CONVERT.label),
        },
        event_model="feedback.FeedbackEvent",
        event_parent="entry",
    )

    compound = models.ForeignKey(Compound, verbose_name=_("compound"), on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="feedback_entries"
    )
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    service_area = models.ForeignKey(ServiceArea, verbose_name=_("service area"), on_delete=models.PROTECT)
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("text"), max_length=3000)
    rating = models.PositiveSmallIntegerField(_("rating"), choices=Satisfaction.choices, null=True, blank=True)
    # The owner's choice: otherwise the property company reads the text without name, unit or photos.
    name_shown_to_company = models.BooleanField(_("the property company may see my name"), default=False)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NEW)
    created_at = models.DateTimeField(_("left at"), default=clock.now)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    answer = models.TextField(_("answer"), blank=True, max_length=3000)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    complaint = models.OneToOneField(
        Complaint,
        verbose_name=_("complaint"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="from_feedback",
    )
    version = models.PositiveIntegerField(default=1)
    # CJK bigrams and lower-case words of title and text, for search.
    search_tokens = models.TextField(blank=True, editable=False)

    objects = FeedbackEntryQuerySet.as_manager()

    if TYPE_CHECKING:
        events: RelatedManager[FeedbackEvent]
        photos: RelatedManager[FeedbackPhoto]

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        indexes = [
            models.Index(fields=["compound", "-created_at", "-id"], name="feedback_compound_created"),
            models.Index(fields=["compound", "status", "-created_at", "-id"], name="feedback_compound_status"),
            models.Index(fields=["author", "-created_at", "-id"], name="feedback_author"),
        ]

    def __str__(self) -> str:
        return self.title


class FeedbackEvent(models.Model):
    entry = models.ForeignKey(
        FeedbackEntry, verbose_name=_("feedback"), on_delete=models.CASCADE, related_name="events"
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
    action = models.CharField(_("action"), max_length=20, choices=FeedbackEntry.Action.choices)
    from_status = models.CharField(_("from"), max_length=20, choices=FeedbackEntry.Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=FeedbackEntry.Status.choices, blank=True)
    note = models.TextField(_("note"), blank=True, max_length=3000)

    class Meta:
        verbose_name = _("feedback event")
        verbose_name_plural = _("feedback events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["entry", "at", "id"], name="feedbackevent_entry_at")]

    def __str__(self) -> str:
        return f"{self.entry_id} {self.action}"


class FeedbackPhoto(models.Model):
    entry = models.ForeignKey(
        FeedbackEntry, verbose_name=_("feedback"), on_delete=models.CASCADE, related_name="photos"
    )
    file = models.CharField(_("file"), max_length=300)
    uploaded_at = models.DateTimeField(_("uploaded at"), default=clock.now)

    class Meta:
        verbose_name = _("feedback photo")
        verbose_name_plural = _("feedback photos")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.file


# --- satisfaction surveys (满意度测评) ----------------------------------------------------


class SurveyQuerySet(models.QuerySet["Survey"]):
    def visible_to(self, user: User) -> SurveyQuerySet:
        """Every member of a compound sees its surveys: owners to answer and
        read the results, the property company the aggregates."""
        return self.filter(compound_id__in=user_access(user).compound_ids)

    def covering(self, first: date, last: date) -> SurveyQuerySet:
        """Surveys about any day of the period [first, last]."""
        return self.filter(period_start__lte=last, period_end__gte=first)

    def open_at(self, now: datetime | None = None) -> SurveyQuerySet:
        now = now or timezone.now()
        return self.filter(opens_at__lte=now, closes_at__gt=now)


class Survey(models.Model):
    """One period's satisfaction survey of a compound: one 5-level question
    per chosen service area and an optional comment, open between two dates,
    one answer per unit."""

    compound = models.ForeignKey(Compound, verbose_name=_("compound"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=120)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    service_areas = models.ManyToManyField(ServiceArea, verbose_name=_("service areas asked about"), related_name="+")
    # The compound's units when the survey was opened: what the response rate is measured against.
    units_total = models.PositiveIntegerField(_("units in the compound"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("opened by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=clock.now)
    version = models.PositiveIntegerField(default=1)

    objects = SurveyQuerySet.as_manager()

    class Meta:
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")
        indexes = [
            models.Index(fields=["compound", "-opens_at", "-id"], name="survey_compound_opens"),
            # The reminder sweep's "surveys about to close" across every compound.
            models.Index(fields=["closes_at", "id"], name="survey_closes"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(closes_at__gt=models.F("opens_at")), name="survey_closes_after_opening"),
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")), name="survey_period_ordered"),
        ]

    def __str__(self) -> str:
        return self.title

    def is_open(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.opens_at <= now < self.closes_at

    def is_closed(self, now: datetime | None = None) -> bool:
        return self.closes_at <= (now or timezone.now())


class SurveyAnswer(models.Model):
    """One unit's answer (户) to a survey, online by an owner or from a paper
    form by a committee member; the unique constraint refuses a second."""

    survey = models.ForeignKey(Survey, verbose_name=_("survey"), on_delete=models.PROTECT, related_name="answers")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    building = models.ForeignKey(Building, verbose_name=_("building"), on_delete=models.PROTECT, related_name="+")
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("answered by"), on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered at"), default=clock.now)
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    # Answered on a paper form (door to door, in the committee's office) and
    # typed in by a committee member: then `answered_by` is that member. The
    # database default too, for rows written in SQL (bulk loads, test data).
    on_paper = models.BooleanField(_("entered from a paper form"), default=False, db_default=False)

    if TYPE_CHECKING:
        scores: RelatedManager[SurveyScore]

    class Meta:
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        constraints = [models.UniqueConstraint(fields=["survey", "unit"], name="surveyanswer_one_per_unit")]
        indexes = [
            models.Index(fields=["survey", "-answered_at", "-id"], name="surveyanswer_survey_at"),
            # The paper forms entered last, and the count of paper answers.
            models.Index(fields=["survey", "on_paper", "-answered_at", "-id"], name="surveyanswer_survey_paper"),
        ]

    def __str__(self) -> str:
        return f"{self.survey_id} {self.unit_id}"


class SurveyScore(models.Model):
    """One service area's level in one answer; the survey and building are
    repeated so results group in one index scan."""

    answer = models.ForeignKey(SurveyAnswer, verbose_name=_("answer"), on_delete=models.PROTECT, related_name="scores")
    survey = models.ForeignKey(Survey, verbose_name=_("survey"), on_delete=models.PROTECT, related_name="+")
    building = models.ForeignKey(Building, verbose_name=_("building"), on_delete=models.PROTECT, related_name="+")
    service_area = models.ForeignKey(
        ServiceArea, verbose_name=_("service area"), on_delete=models.PROTECT, related_name="+"
    )
    score = models.PositiveSmallIntegerField(_("satisfaction"), choices=Satisfaction.choices)

    class Meta:
        verbose_name = _("survey score")
        verbose_name_plural = _("survey scores")
        constraints = [models.UniqueConstraint(fields=["answer", "service_area"], name="surveyscore_one_per_area")]
        indexes = [
            models.Index(fields=["survey", "service_area", "score"], name="surveyscore_survey_area"),
            models.Index(fields=["survey", "building", "service_area", "score"], name="surveyscore_building"),
        ]

    def __str__(self) -> str:
        return f"{self.answer_id} {self.service_area_id}={self.score}"


def satisfaction_rate(distribution: dict[int, int]) -> float | None:
    """(very satisfied + satisfied + fairly satisfied) ÷ answers, in percent."""
    answers = sum(distribution.values())
    if not answers:
        return None
    return 100 * sum(distribution.get(int(level), 0) for level in SATISFIED_LEVELS) / answers
