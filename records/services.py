"""Every write to the archive. The apps call record_archive when a case
closes; committee members upload, amend, publish and dispose through the
views. Nothing here changes a record once written (records/models.py)."""

from __future__ import annotations

import hashlib
import json
import tempfile
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from committee_site import clock, search
from committee_site.access import user_access
from committee_site.models import Building, Compound, ServiceArea, TimeLimits, User
from committee_site.services import ServiceError, audit_record, reference_next, transition_apply
from records.chain import file_content, record_content, record_hash
from records.models import (
    KIND_CODES,
    PERMANENT_KINDS,
    UPLOADED_KINDS,
    ArchiveFile,
    ArchiveRecord,
    ChainHead,
    Disposal,
    RecordKind,
    RecordPublication,
    source_key,
)

# Files are copied through a temporary file that stays in memory up to this size.
SPOOL_BYTES = 4 << 20


@dataclass(frozen=True)
class FileToArchive:
    """A file already copied into the archive's storage and hashed: what
    record_archive attaches."""

    name: str
    content_type: str
    size: int
    sha256: str
    stored_as: str
    internal: bool = False


def _archive_name(name: str) -> str:
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else "bin"
    if not suffix.isalnum() or len(suffix) > 8:
        suffix = "bin"
    return f"private/archive/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}.{suffix}"


def archive_file_store(*, name: str, content_type: str, source: IO[bytes], internal: bool = False) -> FileToArchive:
    """Copy one file into the archive's storage, hashing it on the way, in
    pieces. Call it before the transaction that archives the record when the
    file comes from a person (an upload): hashing is the slow part."""
    digest = hashlib.sha256()
    size = 0
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
        for chunk in iter(lambda: source.read(1 << 20), b""):
            digest.update(chunk)
            size += len(chunk)
            spool.write(chunk)
        spool.seek(0)
        stored_as = default_storage.save(_archive_name(name), File(spool))
    return FileToArchive(
        name=name[:200],
        content_type=content_type[:100],
        size=size,
        sha256=digest.hexdigest(),
        stored_as=stored_as,
        internal=internal,
    )


def archive_file_copy(*, stored_name: str, name: str, content_type: str, internal: bool = False) -> FileToArchive:
    """Copy a file the site already keeps (a complaint's photo) into the archive."""
    with default_storage.open(stored_name, "rb") as source:
        return archive_file_store(name=name, content_type=content_type, source=source, internal=internal)


def archive_files_copy(*, files: Sequence[tuple[str, str, bool]]) -> tuple[list[FileToArchive], list[str]]:
    """Copy photos the site keeps, given as (stored name, name in the archive,
    internal), into the archive. A photo gone from the storage is returned by
    its stored name instead of stopping the move that archives it (the record
    says it was missing); on any other failure the copies made are removed."""
    copies: list[FileToArchive] = []
    missing: list[str] = []
    try:
        for stored_name, name, internal in files:
            try:
                copies.append(
                    archive_file_copy(stored_name=stored_name, name=name, content_type="image/jpeg", internal=internal)
                )
            except FileNotFoundError:
                missing.append(stored_name)
    except BaseException:
        archive_files_discard(copies)
        raise
    return copies, missing


def archive_files_discard(files: Iterable[FileToArchive]) -> None:
    """Remove copies whose record was never written (the form was refused)."""
    for file in files:
        default_storage.delete(file.stored_as)


def retention_until(*, kind: str, happened_at: datetime) -> Any:
    if kind in PERMANENT_KINDS:
        return None
    day = timezone.localtime(happened_at).date()
    years = TimeLimits.load().retention_years
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@transaction.atomic
def record_archive(
    *,
    compound: Compound,
    kind: str,
    title: str,
    happened_at: datetime,
    body: str,
    public_body: str | None = None,
    data: dict[str, Any] | None = None,
    parties: Sequence[str] = (),
    files: Sequence[FileToArchive] = (),
    by: User | None,
    source: Model | None = None,
    service_area: ServiceArea | None = None,
    category: str = "",
    building: Building | None = None,
    overdue: bool | None = None,
    amends: ArchiveRecord | None = None,
) -> ArchiveRecord:
    """Add one record to the end of the compound's chain. `public_body` is the
    text without owners' identities (the body itself when it has none)."""
    if kind not in KIND_CODES:
        raise ServiceError(_("Unknown kind of record."))
    if not title.strip() or not body.strip():
        raise ServiceError(_("A record needs a title and a text."))
    if amends is not None and amends.compound_id != compound.pk:
        raise ServiceError(_("A record can only amend a record of the same compound."))
    ChainHead.objects.get_or_create(compound=compound)
    # The head's row lock: the next record of this compound waits for this one.
    head = ChainHead.objects.select_for_update().get(compound=compound)
    now = clock.now()
    source_type, source_id = source_key(source) if source is not None else ("", "")
    record = ArchiveRecord(
        number=reference_next(prefix=f"DA-{KIND_CODES[kind]}", at=now),
        compound=compound,
        sequence=head.count + 1,
        kind=kind,
        title=title.strip()[:200],
        happened_at=happened_at,
        parties=list(parties),
        body=body.strip(),
        public_body=(body if public_body is None else public_body).strip(),
        data=data or {},
        service_area=service_area,
        category=category[:100],
        building=building,
        overdue=overdue,
        source_type=source_type,
        source_id=source_id,
        amends=amends,
        created_by=by,
        created_at=now,
        retention_until=retention_until(kind=kind, happened_at=happened_at),
        previous_hash=head.hash,
    )
    rows = [
        ArchiveFile(
            position=position,
            name=file.name,
            content_type=file.content_type,
            size=file.size,
            sha256=file.sha256,
            stored_as=file.stored_as,
            internal=file.internal,
        )
        for position, file in enumerate(files, start=1)
    ]
    # JSON as the database gives it back, so the hash is of what is stored.
    record.data = _json_roundtrip(record.data)
    record.parties = _json_roundtrip(record.parties)
    record.hash = record_hash(record.previous_hash, record_content(record, rows, amends.number if amends else None))
    record.search_tokens = search.index_text(record.number, record.title, record.public_body, record.category)
    record.save()
    for row in rows:
        row.record = record
    ArchiveFile.objects.bulk_create(rows)
    head.count = record.sequence
    head.hash = record.hash
    head.updated_at = now
    head.save(update_fields=["count", "hash", "updated_at"])
    audit_record(
        actor=by,
        action="record.archive",
        obj=record,
        compound=compound,
        data={"number": record.number, "kind": kind, "hash": record.hash, "files": [file_content(r) for r in rows]},
    )
    return record


def _json_roundtrip(value: Any) -> Any:
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


def record_upload(
    *,
    compound: Compound,
    kind: str,
    title: str,
    happened_at: datetime,
    text: str,
    files: Sequence[FileToArchive],
    by: User,
    publish_to_owners: bool = False,
) -> ArchiveRecord:
    """A written record a committee member brings: minutes, a letter, a
    contract, a notice. The files were stored and hashed before this."""
    if kind not in UPLOADED_KINDS:
        raise ServiceError(_("Only minutes, letters, contracts, notices and other written records are uploaded."))
    if not user_access(by).is_committee(compound.pk):
        raise ServiceError(_("Only the committee of this compound adds records to its archive."))
    with transaction.atomic():
        record = record_archive(
            compound=compound,
            kind=kind,
            title=title,
            happened_at=happened_at,
            body=text,
            data={"uploaded": True, "publish_to_owners": publish_to_owners},
            parties=[by.get_full_name() or by.username],
            files=files,
            by=by,
        )
        if publish_to_owners:
            record_publish(record=record, scope=RecordPublication.Scope.COMPOUND, by=by)
    return record


def record_amend(
    *,
    record: ArchiveRecord,
    by: User,
    title: str,
    text: str,
    reason: str,
    files: Sequence[FileToArchive] = (),
) -> ArchiveRecord:
    """A correction: a new record that names the one it amends. The earlier
    record stays as it was; both pages show the link."""
    if not reason.strip():
        raise ServiceError(_("Say what the correction corrects."))
    if not user_access(by).is_committee(record.compound_id):
        raise ServiceError(_("Only the committee of this compound amends its records."))
    return record_archive(
        compound=record.compound,
        kind=record.kind,
        title=title,
        happened_at=record.happened_at,
        body=text,
        public_body=text,
        data={"amends": record.number, "reason": reason.strip()},
        parties=[by.get_full_name() or by.username],
        files=files,
        by=by,
        service_area=record.service_area,
        category=record.category,
        building=record.building,
        overdue=record.overdue,
        amends=record,
    )


@transaction.atomic
def record_publish(
    *,
    record: ArchiveRecord,
    scope: str,
    by: User | None,
    building: Building | None = None,
    owner: User | None = None,
) -> RecordPublication:
    if scope == RecordPublication.Scope.BUILDING and building is None:
        raise ServiceError(_("Choose the building whose owners may read it."))
    if scope == RecordPublication.Scope.OWNER and owner is None:
        raise ServiceError(_("Choose the owner who may read it."))
    publication = RecordPublication(record=record, scope=scope, building=building, owner=owner, by=by, at=clock.now())
    publication.save()
    audit_record(actor=by, action="record.publish", obj=record, compound=record.compound, data={"scope": scope})
    return publication


# --- retention ----------------------------------------------------------------------


@transaction.atomic
def disposal_propose(*, record: ArchiveRecord, by: User, reason: str) -> Disposal:
    if not user_access(by).is_committee(record.compound_id):
        raise ServiceError(_("Only the committee of this compound disposes of its records."))
    if record.retention_until is None:
        raise ServiceError(_("This record is kept permanently; it is never disposed of."))
    if record.retention_until >= timezone.localdate(clock.now()):
        raise ServiceError(_("This record is kept until %(date)s; it cannot be disposed of before.") % {
            "date": formats.date_format(record.retention_until, "DATE_FORMAT")
        })  # fmt: skip
    if not reason.strip():
        raise ServiceError(_("Give the reason for the disposal (the committee's decision)."))
    if record.disposals.exclude(status=Disposal.Status.CANCELLED).exists():
        raise ServiceError(_("The disposal of this record was proposed already."))
    try:
        # Two members proposing at once: the constraint lets one through.
        with transaction.atomic():
            disposal = Disposal.objects.create(
                record=record, reason=reason.strip()[:2000], proposed_by=by, proposed_at=clock.now()
            )
    except IntegrityError:
        raise ServiceError(_("The disposal of this record was proposed already.")) from None
    audit_record(
        actor=by, action="disposal.propose", obj=disposal, compound=record.compound, data={"record": record.number}
    )
    return disposal


@transaction.atomic
def disposal_approve(*, disposal: Disposal, by: User, seen_version: int) -> ArchiveRecord:
    """The second member's approval: the files' content is deleted, their
    hashes stay, and a disposal record joins the chain."""
    record = disposal.record
    if by.pk == disposal.proposed_by_id:
        raise ServiceError(_("A second committee member must approve the disposal, not the one who proposed it."))
    if not user_access(by).is_committee(record.compound_id):
        raise ServiceError(_("Only the committee of this compound disposes of its records."))
    now = clock.now()
    transition_apply(
        obj=disposal,
        machine=Disposal.TRANSITIONS,
        action="approve",
        by=by,
        seen_version=seen_version,
        changes={"decided_by": by, "decided_at": now},
        compound=record.compound,
    )
    files = list(record.files.all())
    proposer = disposal.proposed_by
    # The archive keeps one text for good, in the site's language, whichever
    # language the approving member reads the site in.
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Disposal of %(number)s") % {"number": record.number}
        body = _(
            "Record %(number)s (%(title)s), kept until %(until)s, was disposed of. "
            "Proposed by %(proposer)s, approved by %(approver)s. Reason: %(reason)s\n"
            "The content of its %(count)s files was deleted; their SHA-256 hashes stay in the archive."
        ) % {
            "number": record.number,
            "title": record.title,
            "until": record.retention_until,
            "proposer": proposer.get_full_name() or proposer.username,
            "approver": by.get_full_name() or by.username,
            "reason": disposal.reason,
            "count": len(files),
        }
    disposal_record = record_archive(
        compound=record.compound,
        kind=RecordKind.DISPOSAL,
        title=title,
        happened_at=now,
        body=body,
        data={
            "disposed": record.number,
            "disposed_hash": record.hash,
            "files": [file_content(file) for file in files],
            "proposed_by": proposer.pk,
            "approved_by": by.pk,
        },
        parties=[proposer.get_full_name() or proposer.username, by.get_full_name() or by.username],
        by=by,
    )
    Disposal.objects.filter(pk=disposal.pk).update(disposal_record=disposal_record)
    disposal.disposal_record = disposal_record
    # The content goes only once the disposal is committed: a refused
    # approval leaves every file where it was.
    names = [file.stored_as for file in files]
    transaction.on_commit(lambda: _delete_contents(names))
    return disposal_record


def _delete_contents(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


@transaction.atomic
def disposal_cancel(*, disposal: Disposal, by: User, seen_version: int) -> Disposal:
    if not user_access(by).is_committee(disposal.record.compound_id):
        raise ServiceError(_("Only the committee of this compound disposes of its records."))
    transition_apply(
        obj=disposal,
        machine=Disposal.TRANSITIONS,
        action="cancel",
        by=by,
        seen_version=seen_version,
        changes={"decided_by": by, "decided_at": clock.now()},
        compound=disposal.record.compound,
    )
    return disposal


# --- handover -----------------------------------------------------------------------


@transaction.atomic
def handover_export_record(*, compound: Compound, by: User, count: int, head_hash: str, size: int) -> None:
    """Who took the whole archive away, and which chain it held: exporting
    only reads, but the handover must be on record."""
    if not user_access(by).is_committee(compound.pk):
        raise ServiceError(_("Only the committee of this compound hands over its archive."))
    audit_record(
        actor=by,
        action="record.handover_export",
        obj=compound,
        compound=compound,
        data={"count": count, "head_hash": head_hash, "bytes": size},
    )
