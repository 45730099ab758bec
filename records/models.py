"""The archive of written records. Append-only: a record, its files and its
publications are written once and never changed; the managers refuse
update() and delete(), the models refuse a second save() and delete(), and on
PostgreSQL a trigger refuses UPDATE and DELETE (migration 0002). Each
compound's records form a SHA-256 chain (records/chain.py). Knows nothing of
complaints or inspections: the apps hand it what to keep."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, ClassVar, cast

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from committee_site import clock, search
from committee_site.access import user_access
from committee_site.models import Building, Compound, ServiceArea, Unit, User
from committee_site.workflow import Move, StateMachine


class AppendOnly(Exception):
    """Something tried to change or delete what the archive keeps."""


class RecordKind(models.TextChoices):
    COMPLAINT = "complaint", pgettext_lazy("record kind", "Complaint")
    INSPECTION = "inspection", pgettext_lazy("record kind", "Inspection")
    RECTIFICATION = "rectification", pgettext_lazy("record kind", "Rectification")
    QUARTERLY_REPORT = "quarterly_report", pgettext_lazy("record kind", "Quarterly report")
    MINUTES = "minutes", pgettext_lazy("record kind", "Minutes")
    LETTER = "letter", pgettext_lazy("record kind", "Letter")
    CONTRACT = "contract", pgettext_lazy("record kind", "Contract")
    NOTICE = "notice", pgettext_lazy("record kind", "Notice")
    DISPOSAL = "disposal", pgettext_lazy("record kind", "Disposal")
    OTHER = "other", pgettext_lazy("record kind", "Other written record")


# The middle part of an archive number: DA-TS-2026-000123.
KIND_CODES: dict[str, str] = {
    RecordKind.COMPLAINT: "TS",
    RecordKind.INSPECTION: "XJ",
    RecordKind.RECTIFICATION: "ZG",
    RecordKind.QUARTERLY_REPORT: "JB",
    RecordKind.MINUTES: "JY",
    RecordKind.LETTER: "HJ",
    RecordKind.CONTRACT: "HT",
    RecordKind.NOTICE: "GG",
    RecordKind.DISPOSAL: "XH",
    RecordKind.OTHER: "QT",
}
# What committee members upload themselves; the rest the apps archive.
UPLOADED_KINDS = (RecordKind.MINUTES, RecordKind.LETTER, RecordKind.CONTRACT, RecordKind.NOTICE, RecordKind.OTHER)
# Kept for good (DESIGN.md §6): nothing past its retention date to dispose of.
PERMANENT_KINDS = frozenset({RecordKind.QUARTERLY_REPORT, RecordKind.DISPOSAL})
# What the property company may read of its compounds' records, besides
# what was published to owners: the cases and rounds it answered for.
PROPERTY_KINDS = frozenset(
    {RecordKind.COMPLAINT, RecordKind.INSPECTION, RecordKind.RECTIFICATION, RecordKind.QUARTERLY_REPORT,
     RecordKind.CONTRACT, RecordKind.NOTICE}
)  # fmt: skip


def source_key(source: models.Model) -> tuple[str, str]:
    """How a record names the object it was archived from."""
    return source._meta.label_lower, str(source.pk)


class AppendOnlyQuerySet(models.QuerySet[Any]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnly(f"{self.model._meta.label} rows are never changed")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnly(f"{self.model._meta.label} rows are never deleted")

    def bulk_update(self, objs: Any, fields: Any, batch_size: int | None = None) -> int:
        raise AppendOnly(f"{self.model._meta.label} rows are never changed")

    def update_or_create(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnly(f"{self.model._meta.label} rows are never changed")


class ArchiveFileQuerySet(AppendOnlyQuerySet):
    def shown(self, *, identities: bool) -> ArchiveFileQuerySet:
        """The files a reader may see: internal ones only with identities."""
        return self if identities else self.filter(internal=False)


class AppendOnlyModel(models.Model):
    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A guard, not business logic: the first save is the only one.
        if not self._state.adding:
            raise AppendOnly(f"{self._meta.label} rows are never changed")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnly(f"{self._meta.label} rows are never deleted")


class ArchiveRecordQuerySet(AppendOnlyQuerySet):
    def visible_to(self, user: User) -> ArchiveRecordQuerySet:
        """The committee and the community office read every record of their
        compounds; property staff the kinds that concern their company; and
        everyone what was published to them (the whole compound, their
        building, themselves). The committee's condition is a plain
        compound_id IN (…), so its lists run on the compound indexes."""
        access = user_access(user)
        full = access.committee_compound_ids | access.officer_compound_ids
        condition = Q(compound_id__in=full)
        company = access.property_compound_ids - full
        if company:
            condition |= Q(compound_id__in=company, kind__in=PROPERTY_KINDS)
        others = access.compound_ids - full
        if others:
            published = Q(scope=RecordPublication.Scope.COMPOUND)
            if access.owner_compound_ids:
                buildings = Unit.objects.filter(owners__user=user, building__compound_id__in=access.owner_compound_ids)
                published |= Q(scope=RecordPublication.Scope.BUILDING, building_id__in=buildings.values("building_id"))
                published |= Q(scope=RecordPublication.Scope.OWNER, owner=user)
            publications = RecordPublication.objects.filter(published, record__compound_id__in=others)
            condition |= Q(pk__in=publications.values("record_id"))
        return self.filter(condition)

    def filtered(self, data: dict[str, Any]) -> ArchiveRecordQuerySet:
        """The list's filters, as RecordFilterForm cleaned them; the search last."""
        queryset = self
        if data.get("compound"):
            queryset = queryset.filter(compound=data["compound"])
        if data.get("kind"):
            queryset = queryset.filter(kind=data["kind"])
        if data.get("service_area"):
            queryset = queryset.filter(service_area=data["service_area"])
        if data.get("happened_from"):
            queryset = queryset.filter(happened_at__gte=clock.local_midnight(data["happened_from"]))
        if data.get("happened_to"):
            queryset = queryset.filter(happened_at__lt=clock.local_midnight(data["happened_to"] + timedelta(days=1)))
        if data.get("q"):
            queryset = cast(ArchiveRecordQuerySet, search.search(queryset, data["q"]))
        return queryset

    def latest_for(self, source: models.Model) -> ArchiveRecord | None:
        """The newest record of an object the apps archive (a case closed
        again after a reopen has several, each amending the one before)."""
        source_type, source_id = source_key(source)
        return self.filter(source_type=source_type, source_id=source_id).order_by("-sequence").first()

    def past_retention(self, today: Any) -> ArchiveRecordQuerySet:
        return self.filter(retention_until__lt=today).exclude(disposals__status=Disposal.Status.APPROVED)


class ArchiveRecord(AppendOnlyModel):
    number = models.CharField(_("archive number"), max_length=24, unique=True)
    compound = models.ForeignKey(Compound, verbose_name=_("compound"), on_delete=models.PROTECT, related_name="+")
    # Position in the compound's chain: 1, 2, 3 … with no gaps.
    sequence = models.PositiveIntegerField(_("position in the chain"))
    kind = models.CharField(_("kind"), max_length=20, choices=RecordKind.choices)
    title = models.CharField(_("title"), max_length=200)
    happened_at = models.DateTimeField(_("when it happened"))
    parties = models.JSONField(_("parties"), default=list, blank=True)
    # What the committee and the community office read.
    body = models.TextField(_("record"))
    # The same without owners' names, units and phone numbers: what property
    # staff read, and owners when it was published to them.
    public_body = models.TextField(_("record without owners' identities"))
    data: models.JSONField[Any, Any] = models.JSONField(_("snapshot"), default=dict, blank=True)
    service_area = models.ForeignKey(
        ServiceArea, verbose_name=_("service area"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    category = models.CharField(_("category"), max_length=100, blank=True)
    building = models.ForeignKey(
        Building, verbose_name=_("building"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Whether the case missed a deadline (None: the kind has no deadline).
    overdue = models.BooleanField(_("overdue"), null=True, blank=True)
    source_type = models.CharField(_("source"), max_length=60, blank=True)
    source_id = models.CharField(_("source id"), max_length=40, blank=True)
    amends = models.ForeignKey(
        "self",
        verbose_name=_("amends"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="amendments",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("archived by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("archived at"), default=clock.now)
    # None: kept permanently.
    retention_until = models.DateField(_("kept until"), null=True, blank=True)
    previous_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)
    search_tokens = models.TextField(blank=True, editable=False)

    objects: ClassVar[ArchiveRecordQuerySet] = ArchiveRecordQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("archive record")
        verbose_name_plural = _("archive records")
        constraints = [
            models.UniqueConstraint(fields=["compound", "sequence"], name="archiverecord_chain_position"),
        ]
        indexes = [
            models.Index(fields=["compound", "-happened_at", "-id"], name="record_compound_happened"),
            models.Index(fields=["compound", "kind", "-happened_at", "-id"], name="record_compound_kind"),
            models.Index(fields=["-happened_at", "-id"], name="record_happened"),
            models.Index(fields=["source_type", "source_id"], name="record_source"),
            models.Index(fields=["compound", "retention_until"], name="record_retention"),
            models.Index(fields=["compound", "service_area", "happened_at"], name="record_area_happened"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class ArchiveFile(AppendOnlyModel):
    """A file copied into the archive. Its content may be disposed of after
    the retention date; the row, and with it the hash, stays."""

    record = models.ForeignKey(ArchiveRecord, verbose_name=_("record"), on_delete=models.PROTECT, related_name="files")
    position = models.PositiveSmallIntegerField(_("position"))
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField("SHA-256", max_length=64)
    # Where the content lies in the storage (archive/…, a random name).
    stored_as = models.CharField(_("stored as"), max_length=300, unique=True)
    # A file the case kept from the owner (a photo of an internal note): only
    # those who read owners' identities see it, even once the record is published.
    internal = models.BooleanField(_("internal"), default=False)

    objects: ClassVar[ArchiveFileQuerySet] = ArchiveFileQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("archived file")
        verbose_name_plural = _("archived files")
        ordering = ["record", "position"]
        constraints = [models.UniqueConstraint(fields=["record", "position"], name="archivefile_position")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class RecordPublication(AppendOnlyModel):
    """A record made readable to owners: the whole compound, one building, or
    one owner (the complainant). Added, never withdrawn."""

    class Scope(models.TextChoices):
        COMPOUND = "compound", _("All owners of the compound")
        BUILDING = "building", _("The owners of one building")
        OWNER = "owner", _("One owner")

    record = models.ForeignKey(
        ArchiveRecord, verbose_name=_("record"), on_delete=models.PROTECT, related_name="publications"
    )
    scope = models.CharField(_("published to"), max_length=20, choices=Scope.choices)
    building = models.ForeignKey(
        Building, verbose_name=_("building"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("published at"), default=clock.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects: ClassVar[AppendOnlyQuerySet] = AppendOnlyQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("record publication")
        verbose_name_plural = _("record publications")
        indexes = [
            models.Index(fields=["scope", "building"], name="recordpub_building"),
            models.Index(fields=["owner"], name="recordpub_owner"),
        ]

    def __str__(self) -> str:
        return f"{self.record_id} → {self.scope}"


class Disposal(models.Model):
    """Disposing of a record past its retention date (销毁): one committee
    member proposes, another approves; approval deletes the files' content,
    keeps their hashes and archives a disposal record. Not an archive row:
    its status moves, through the base's transition mechanism."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", pgettext_lazy("disposal status", "Proposed")
        APPROVED = "approved", pgettext_lazy("disposal status", "Approved")
        CANCELLED = "cancelled", pgettext_lazy("disposal status", "Cancelled")

    TRANSITIONS: ClassVar[StateMachine] = StateMachine(
        name="disposal",
        moves={
            "approve": Move(frozenset({Status.PROPOSED}), Status.APPROVED, _("approved the disposal")),
            "cancel": Move(frozenset({Status.PROPOSED}), Status.CANCELLED, _("cancelled the disposal")),
        },
    )

    record = models.ForeignKey(
        ArchiveRecord, verbose_name=_("record"), on_delete=models.PROTECT, related_name="disposals"
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PROPOSED)
    version = models.PositiveIntegerField(default=1)
    reason = models.TextField(_("reason"))
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("proposed by"), on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(_("proposed at"), default=clock.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    disposal_record = models.OneToOneField(
        ArchiveRecord,
        verbose_name=_("disposal record"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="disposal_of",
    )

    class Meta:
        verbose_name = _("disposal")
        verbose_name_plural = _("disposals")
        constraints = [
            # One live proposal or approval per record.
            models.UniqueConstraint(
                fields=["record"], condition=~Q(status="cancelled"), name="disposal_one_per_record"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.record_id} {self.status}"


class ChainHead(models.Model):
    """The last link of a compound's chain. Its row is locked while a record
    is added, so two records archived at once for one compound never fork the
    chain; and it remembers how long the chain is, so that a deleted last
    record is noticed too."""

    compound = models.OneToOneField(Compound, on_delete=models.PROTECT, primary_key=True, related_name="+")
    count = models.PositiveIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("chain head")
        verbose_name_plural = _("chain heads")

    def __str__(self) -> str:
        return f"{self.compound_id}: {self.count} {self.hash[:12]}"
