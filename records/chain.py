"""The SHA-256 chain over each compound's records: what a record's hash
covers, and the check that walks the chain. The hash functions themselves
live in offline_verify.py, the script the handover ZIP carries, so the site
and the script compute the same thing."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from django.core.files.storage import default_storage
from django.db.models import Prefetch

from records.models import ArchiveFile, ArchiveRecord, ChainHead, Disposal
from records.offline_verify import GENESIS, canonical, record_hash

__all__ = ["GENESIS", "ChainReport", "canonical", "chain_verify", "record_content", "record_hash"]

# Rows fetched at a time while verifying: memory stays flat however long the chain.
CHUNK = 500


def _instant(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def file_content(file: ArchiveFile) -> dict[str, Any]:
    return {
        "position": file.position,
        "name": file.name,
        "content_type": file.content_type,
        "size": file.size,
        "sha256": file.sha256,
    }


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

    @property
    def intact(self) -> bool:
        return not self.reason


def disposed_record_ids(compound_id: int) -> set[int]:
    return set(
        Disposal.objects.filter(record__compound_id=compound_id, status=Disposal.Status.APPROVED).values_list(
            "record_id", flat=True
        )
    )


def chain_rows(compound_id: int) -> Iterator[ArchiveRecord]:
    """The compound's records in chain order, fetched CHUNK at a time."""
    return (
        ArchiveRecord.objects.filter(compound_id=compound_id)
        .select_related("amends")
        .prefetch_related(Prefetch("files", queryset=ArchiveFile.objects.order_by("position")))
        .order_by("sequence")
        .iterator(chunk_size=CHUNK)
    )


def _fault(record: ArchiveRecord, *, position: int, previous: str, disposed: set[int], check_files: bool) -> str:
    """What is wrong with one record, or ""."""
    if record.sequence != position:
        return "missing_before"
    if record.previous_hash != previous:
        return "link"
    files = list(record.files.all())
    content = record_content(record, files, record.amends.number if record.amends else None)
    if record_hash(record.previous_hash, content) != record.hash:
        return "content"
    if check_files:
        for file in files:
            digest = file_digest(file.stored_as)
            if digest is None and record.pk not in disposed:
                return f"file_missing:{file.name}"
            if digest is not None and digest != file.sha256:
                return f"file_changed:{file.name}"
    return ""


def chain_verify(compound_id: int, *, check_files: bool = True) -> ChainReport:
    """Walk the chain from the first record and stop at the first one that is
    not as it was archived: a changed row, a missing row, a changed or missing
    file. The reasons are translated where they are shown (records/views)."""
    disposed = disposed_record_ids(compound_id)
    previous = GENESIS
    count = 0
    for record in chain_rows(compound_id):
        reason = _fault(record, position=count + 1, previous=previous, disposed=disposed, check_files=check_files)
        if reason:
            return ChainReport(compound_id, count, previous, record.number, record.sequence, reason)
        count += 1
        previous = record.hash
    head = ChainHead.objects.filter(compound_id=compound_id).first()
    if head is not None and (head.count != count or head.hash != previous):
        return ChainReport(compound_id, count, previous, None, count + 1, "missing_after")
    return ChainReport(compound_id, count, previous)


def head_position(compound_id: int, head_hash: str) -> ArchiveRecord | None:
    """The record whose hash someone holds, if it is in the compound's chain."""
    return ArchiveRecord.objects.filter(compound_id=compound_id, hash=head_hash.strip().lower()).first()
