"""The SHA-256 chain over each compound's records: what a record's hash
covers, and the check that walks the chain. The hash functions themselves
live in offline_verify.py, the script the handover ZIP carries, so the site
and the script compute the same thing."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from django.core.files.storage import default_storage
from django.db.models import Exists, F, OuterRef
from django.utils.translation import gettext as _

from records.models import ArchiveFile, ArchiveRecord, ChainHead, Disposal
from records.offline_verify import GENESIS, canonical, record_hash

__all__ = [
    "GENESIS",
    "ChainReport",
    "canonical",
    "chain_verify",
    "reason_words",
    "record_content",
    "record_hash",
]

# Rows fetched at a time while verifying: memory stays flat however long the chain.
CHUNK = 500


def _instant(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def file_content(file: ArchiveFile) -> dict[str, Any]:
    content: dict[str, Any] = {
        "position": file.position,
        "name": file.name,
        "content_type": file.content_type,
        "size": file.size,
        "sha256": file.sha256,
    }
    # Named only when set, so the records archived before files could be
    # internal (migration 0003) hash as they always did.
    if file.internal:
        content["internal"] = True
    return content


def record_content(record: ArchiveRecord, files: Iterable[ArchiveFile], amends_number: str | None) -> dict[str, Any]:
    """Everything a record's hash covers, as JSON-ready values."""
    return {
        "number": record.number,
        "compound": record.compound_id,
        "sequence": record.sequence,
        "kind": record.kind,
        "title": record.title,
        "happened_at": _instant(record.happened_at),
        "parties": record.parties,
        "body": record.body,
        "public_body": record.public_body,
        "data": record.data,
        "service_area": record.service_area_id,
        "category": record.category,
        "building": record.building_id,
        "overdue": record.overdue,
        "source": f"{record.source_type}#{record.source_id}" if record.source_type else "",
        "amends": amends_number,
        "created_by": record.created_by_id,
        "created_at": _instant(record.created_at),
        "retention_until": _day(record.retention_until),
        "files": [file_content(file) for file in sorted(files, key=lambda f: f.position)],
    }


def file_digest(name: str) -> str | None:
    """The SHA-256 of a stored file, read in pieces; None when it is gone."""
    if not default_storage.exists(name):
        return None
    digest = hashlib.sha256()
    with default_storage.open(name, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class ChainReport:
    compound_id: int
    count: int
    head_hash: str
    broken_number: str | None = None
    broken_sequence: int | None = None
    reason: str = ""
    # What the chain head says the count is, when it says more than was found.
    head_count: int | None = None

    @property
    def intact(self) -> bool:
        return not self.reason


def chain_rows(compound_id: int) -> Iterator[tuple[ArchiveRecord, list[ArchiveFile]]]:
    """The compound's records in chain order with their files, streamed: two
    queries whatever the length of the chain (server-side cursors on
    PostgreSQL, read CHUNK rows at a time), the files merged in by position.
    Whether a record was disposed of and the number it amends come with the
    row, so nothing held grows with the chain."""
    records = (
        ArchiveRecord.objects.filter(compound_id=compound_id)
        .defer("search_tokens")
        .annotate(
            amends_number=F("amends__number"),
            disposed=Exists(Disposal.objects.filter(record_id=OuterRef("pk"), status=Disposal.Status.APPROVED)),
        )
        .order_by("sequence")
        .iterator(chunk_size=CHUNK)
    )
    first = next(records, None)
    if first is None:
        return
    # Opened after the records' query, so it sees the files of every record
    # that query sees (a record and its files are committed together); files
    # of a record archived meanwhile are passed over.
    files = (
        ArchiveFile.objects.filter(record__compound_id=compound_id)
        .annotate(record_sequence=F("record__sequence"))
        .order_by("record__sequence", "position")
        .iterator(chunk_size=CHUNK)
    )
    pending = next(files, None)
    for record in itertools.chain([first], records):
        own: list[ArchiveFile] = []
        while pending is not None and pending.record_sequence <= record.sequence:
            if pending.record_id == record.pk:
                own.append(pending)
            pending = next(files, None)
        yield record, own


def _fault(record: ArchiveRecord, files: list[ArchiveFile], *, position: int, previous: str, check_files: bool) -> str:
    """What is wrong with one record, or ""."""
    if record.sequence != position:
        return "missing_before"
    if record.previous_hash != previous:
        return "link"
    content = record_content(record, files, record.amends_number)  # type: ignore[attr-defined]
    if record_hash(record.previous_hash, content) != record.hash:
        return "content"
    if check_files:
        for file in files:
            digest = file_digest(file.stored_as)
            if digest is None and not record.disposed:  # type: ignore[attr-defined]
                return f"file_missing:{file.name}"
            if digest is not None and digest != file.sha256:
                return f"file_changed:{file.name}"
    return ""


def chain_verify(compound_id: int, *, check_files: bool = True) -> ChainReport:
    """Walk the chain from the first record and stop at the first one that is
    not as it was archived: a changed row, a missing row, a changed or missing
    file. The reasons are translated where they are shown (records/views)."""
    # Read before the walk: a record archived while the chain is walked is
    # past this head, not a sign that something is missing.
    head = ChainHead.objects.filter(compound_id=compound_id).values_list("count", "hash").first()
    previous = GENESIS
    count = 0
    for record, files in chain_rows(compound_id):
        reason = _fault(record, files, position=count + 1, previous=previous, check_files=check_files)
        if not reason and head is not None and record.sequence == head[0] and record.hash != head[1]:
            reason = "head"
        if reason:
            return ChainReport(compound_id, count, previous, record.number, record.sequence, reason)
        count += 1
        previous = record.hash
    if head is not None and count < head[0]:
        return ChainReport(compound_id, count, previous, None, count + 1, "missing_after", head_count=head[0])
    return ChainReport(compound_id, count, previous)


def reason_words(report: ChainReport) -> str:
    """The reason a chain is broken, in the active language."""
    code, _sep, name = report.reason.partition(":")
    if code == "missing_before":
        return _(
            "a record before it is missing: it is at position %(found)s where position %(expected)s was expected"
        ) % {"found": report.broken_sequence, "expected": report.count + 1}
    if code == "link":
        return _("it does not follow the record before it: its previous hash is not that record's hash")
    if code == "content":
        return _("it was changed after it was archived: its content no longer matches its hash")
    if code == "file_missing":
        return _("its file “%(name)s” is missing from the archive's storage") % {"name": name}
    if code == "file_changed":
        return _("its file “%(name)s” was changed: its SHA-256 is not the one archived") % {"name": name}
    if code == "head":
        return _("the chain head names another hash for this position: the chain was rewritten from here")
    if code == "missing_after":
        return _("records after position %(count)s are missing: the chain head says the chain has %(head)s records") % {
            "count": report.count,
            "head": report.head_count,
        }
    return report.reason
