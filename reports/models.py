"""The quarterly report (季度报告, DESIGN.md §3): one per compound and
quarter, composed by the beat on the first day of the next quarter, reviewed
and approved by a committee member, then published to the owners and
archived for good. Its figures are stored as composed, so the page, the PDF
and the archive record say the same thing whenever they are read."""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from committee_site import clock
from committee_site.access import user_access
from committee_site.models import Compound, User
from committee_site.workflow import Move, StateMachine
from records.analysis import Quarter
from records.models import ArchiveRecord


class QuarterlyReportQuerySet(models.QuerySet["QuarterlyReport"]):
    def visible_to(self, user: User) -> QuarterlyReportQuerySet:
        """The committee sees its compounds' reports, drafts included; the
        owners, the community office and the property company only those
        published."""
        access = user_access(user)
        readers = access.owner_compound_ids | access.officer_compound_ids | access.property_compound_ids
        condition = Q(compound_id__in=access.committee_compound_ids)
        if readers:
            condition |= Q(compound_id__in=readers, status=QuarterlyReport.Status.PUBLISHED)
        return self.filter(condition)

    def published(self) -> QuarterlyReportQuerySet:
        return self.filter(status=QuarterlyReport.Status.PUBLISHED)


class QuarterlyReport(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("report status", "Draft")
        APPROVED = "approved", pgettext_lazy("report status", "Approved")
        PUBLISHED = "published", pgettext_lazy("report status", "Published")

    class Action(models.TextChoices):
        FOREWORD = "foreword", _("edited the foreword")
        APPROVE = "approve", _("approved the report")
        PUBLISH = "publish", _("published the report")
        # A correction changed the figures of an approved report: approval was of other figures.
        REVISE = "revise", _("the figures changed: the report needs approval again")

    TRANSITIONS: ClassVar[StateMachine] = StateMachine(
        name="quarterly_report",
        moves={
            Action.FOREWORD: Move(frozenset({Status.DRAFT}), None, Action.FOREWORD.label),
            Action.APPROVE: Move(frozenset({Status.DRAFT}), Status.APPROVED, Action.APPROVE.label),
            Action.PUBLISH: Move(frozenset({Status.APPROVED}), Status.PUBLISHED, Action.PUBLISH.label),
            Action.REVISE: Move(frozenset({Status.APPROVED}), Status.DRAFT, Action.REVISE.label),
        },
    )

    compound = models.ForeignKey(
        Compound, verbose_name=_("compound"), on_delete=models.PROTECT, related_name="quarterly_reports"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    number = models.PositiveSmallIntegerField(_("quarter"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    foreword = models.TextField(_("foreword"), blank=True, max_length=4000)
    # What compose_figures computed (reports/figures.py), as JSON.
    figures: models.JSONField[dict[str, Any], dict[str, Any]] = models.JSONField(_("figures"), default=dict)
    composed_at = models.DateTimeField(_("composed at"), default=clock.now)
    # The archive's head when the figures were composed, and again at publication.
    head_count = models.PositiveIntegerField(_("records in the archive"), default=0)
    head_hash = models.CharField(_("archive head hash"), max_length=64, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    # The record archived at publication; corrections after it amend this one.
    record = models.ForeignKey(
        ArchiveRecord,
        verbose_name=_("archive record"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    amendments = models.PositiveIntegerField(_("amendments"), default=0)
    amended_at = models.DateTimeField(_("last amended at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=clock.now)
    version = models.PositiveIntegerField(default=1)

    objects = QuarterlyReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("quarterly report")
        verbose_name_plural = _("quarterly reports")
        constraints = [
            models.UniqueConstraint(fields=["compound", "year", "number"], name="quarterlyreport_unique_quarter"),
            models.CheckConstraint(condition=Q(number__gte=1, number__lte=4), name="quarterlyreport_number_1_4"),
        ]
        indexes = [
            # The board and the list: a compound's published reports, newest quarter first.
            models.Index(fields=["compound", "status", "-year", "-number", "-id"], name="quarterlyreport_status"),
            models.Index(fields=["compound", "-year", "-number", "-id"], name="quarterlyreport_compound"),
        ]

    def __str__(self) -> str:
        return f"{self.compound_id} {self.year}Q{self.number}"

    @property
    def quarter(self) -> Quarter:
        return Quarter(self.year, self.number)

    @property
    def quarter_label(self) -> str:
        return self.quarter.label

    @property
    def first_day(self) -> date:
        return self.quarter.first_day

    @property
    def last_day(self) -> date:
        return self.quarter.last_day

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED
