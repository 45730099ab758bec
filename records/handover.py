"""The handover archive (换届移交): a compound's whole archive as one ZIP that
the next committee can verify offline, with Python's standard library and
the script inside it (verify_archive.py, the source of offline_verify.py).

Layout, which offline_verify.verify_zip reads:

    manifest.json               compound, exported_at, count, head_hash, records: [{number, json, hash}]
    records/<number>.json       content (= chain.record_content), previous_hash, hash, files_in_zip, disposed
    records/<number>.html       the same record to read, standalone
    files/<number>/<position>-<name>   the files, except those of disposed records
    index.html, README.txt, verify_archive.py

Memory stays flat however long the archive: the records are read a chunk at
a time (chain.chain_rows), each written to the ZIP as it comes, files copied
in pieces, and the lists that grow with the archive (the manifest's and the
index's entries, the ZIP's own directory) wait in temporary files until the
end."""

from __future__ import annotations

import json
import pickle
import re
import shutil
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from django.core.files.storage import default_storage
from django.template.loader import get_template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from committee_site import clock
from committee_site.models import Compound
from records.chain import chain_rows, record_content
from records.models import ArchiveFile, ArchiveRecord, RecordKind

SCRIPT = Path(__file__).with_name("offline_verify.py")
# Bytes copied at a time, from the storage into the ZIP and between temporary files.
COPY_CHUNK = 1 << 20
# Already compressed: stored as they are rather than deflated again.
STORED_TYPES = ("image/", "video/", "audio/", "application/zip", "application/pdf", "application/x-7z")
# Where the index's rows go in its template.
ROWS_MARK = "<!--RECORDS-->"


@dataclass(frozen=True)
class HandoverSummary:
    count: int
    head_hash: str
    files: int
    bytes: int


class _SpilledInfos:
    """zipfile.ZipFile.filelist, on disk: the ZIP's central directory needs
    every member's ZipInfo at the end, which for a million records would be
    gigabytes in memory. ZipFile only appends to it, counts it and, when it
    closes, walks it once."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 - closed with the ZIP
        self._count = 0

    def append(self, info: zipfile.ZipInfo) -> None:
        pickle.dump(info, self._file, protocol=pickle.HIGHEST_PROTOCOL)
        self._count += 1

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[zipfile.ZipInfo]:
        self._file.seek(0)
        for _index in range(self._count):
            yield pickle.load(self._file)  # noqa: S301 - written above by this process

    def close(self) -> None:
        self._file.close()


class _NoNames(dict[str, zipfile.ZipInfo]):
    """ZipFile.NameToInfo, kept empty: it serves reading and the duplicate
    warning, and every name here is unique by construction (numbers are)."""

    def __setitem__(self, key: str, value: zipfile.ZipInfo) -> None:
        return None


class _StreamingZip(zipfile.ZipFile):
    def __init__(self, out: IO[bytes]) -> None:
        super().__init__(out, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True)
        self.filelist = _SpilledInfos()  # type: ignore[assignment]
        self.NameToInfo = _NoNames()

    def close(self) -> None:
        try:
            super().close()
        finally:
            infos = self.filelist
            if isinstance(infos, _SpilledInfos):
                infos.close()


def safe_name(name: str) -> str:
    """A file name that unpacks the same everywhere: letters (Chinese too),
    digits, dots, dashes and underscores; no folders, no leading dot."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = re.sub(r"[^\w.\-]+", "_", name).strip("._") or "file"
    if len(cleaned) > 80:
        stem, dot, suffix = cleaned.rpartition(".")
        cleaned = f"{stem[:70]}.{suffix[:8]}" if dot and stem else cleaned[:80]
    return cleaned


def file_member(record: ArchiveRecord, file: ArchiveFile) -> str:
    return f"files/{record.number}/{file.position}-{safe_name(file.name)}"


def _instant(value: datetime) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds")


def _info(name: str, at: datetime, *, stored: bool = False) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=timezone.localtime(at).timetuple()[:6])
    info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def _copy_file(archive: zipfile.ZipFile, info: zipfile.ZipInfo, stored_as: str) -> int | None:
    """Copy one stored file into the ZIP in pieces; None when the storage no
    longer has it (the verifier will name it missing)."""
    try:
        source = default_storage.open(stored_as, "rb")
    except (FileNotFoundError, OSError):
        return None
    with source:
        size = source.size
        info.file_size = size
        written = 0
        with archive.open(info, "w") as target:
            for chunk in iter(lambda: source.read(COPY_CHUNK), b""):
                target.write(chunk)
                written += len(chunk)
    return written


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True).encode()


def _record_html(
    record: ArchiveRecord, files: list[ArchiveFile], members: dict[str, str], disposed: bool, compound: Compound
) -> bytes:
    kind = RecordKind(record.kind).label if record.kind in RecordKind.values else record.kind
    rows = [
        {
            "file": file,
            # From records/<number>.html to files/<number>/…
            "href": f"../{members[str(file.position)]}" if str(file.position) in members else "",
        }
        for file in files
    ]
    return (
        get_template("records/handover_record.html")
        .render(
            {
                "record": record,
                "kind": kind,
                "compound": compound,
                "files": rows,
                "disposed": disposed,
            }
        )
        .encode()
    )


def _write_spilled(archive: zipfile.ZipFile, info: zipfile.ZipInfo, head: bytes, spill: IO[bytes], tail: bytes) -> None:
    spill.seek(0)
    with archive.open(info, "w", force_zip64=True) as target:
        target.write(head)
        shutil.copyfileobj(spill, target, COPY_CHUNK)
        target.write(tail)


def handover_zip_write(*, compound: Compound, out: IO[bytes]) -> HandoverSummary:
    """Write the compound's archive as a ZIP into `out` (a seekable binary
    file), record by record in chain order. Reads only."""
    now = clock.now()
    count = files_written = 0
    head = "0" * 64
    manifest_rows = tempfile.TemporaryFile()  # noqa: SIM115 - closed below
    index_rows = tempfile.TemporaryFile()  # noqa: SIM115 - closed below
    try:
        with _StreamingZip(out) as archive:
            for record, files in chain_rows(compound.pk):
                disposed: bool = record.disposed  # type: ignore[attr-defined]
                members: dict[str, str] = {}
                if not disposed:
                    for file in files:
                        member = file_member(record, file)
                        stored = file.content_type.startswith(STORED_TYPES)
                        if _copy_file(archive, _info(member, now, stored=stored), file.stored_as) is not None:
                            members[str(file.position)] = member
                            files_written += 1
                amends_number: str | None = record.amends_number  # type: ignore[attr-defined]
                json_member = f"records/{record.number}.json"
                archive.writestr(
                    _info(json_member, now),
                    _json_bytes(
                        {
                            "content": record_content(record, files, amends_number),
                            "previous_hash": record.previous_hash,
                            "hash": record.hash,
                            "files_in_zip": members,
                            "disposed": disposed,
                        }
                    ),
                )
                archive.writestr(
                    _info(f"records/{record.number}.html", now),
                    _record_html(record, files, members, disposed, compound),
                )
                entry = {"number": record.number, "json": json_member, "hash": record.hash}
                manifest_rows.write((b",\n  " if count else b"\n  ") + json.dumps(entry).encode())
                index_rows.write(_index_row(record).encode())
                count += 1
                head = record.hash
            manifest_head = json.dumps(
                {
                    "compound": compound.pk,
                    "compound_name": compound.name,
                    "exported_at": _instant(now),
                    "count": count,
                    "head_hash": head,
                },
                ensure_ascii=False,
                indent=1,
            )
            # The records' list is the manifest's last key: its entries follow
            # the other keys straight from the temporary file.
            _write_spilled(
                archive,
                _info("manifest.json", now),
                (manifest_head[:-2] + ',\n "records": [').encode(),
                manifest_rows,
                b"\n ]\n}\n",
            )
            index = get_template("records/handover_index.html").render(
                {"compound": compound, "count": count, "head_hash": head, "exported_at": now, "mark": ROWS_MARK}
            )
            before, _mark, after = index.partition(ROWS_MARK)
            _write_spilled(archive, _info("index.html", now), before.encode(), index_rows, after.encode())
            archive.writestr(_info("README.txt", now), _readme(compound, count, head, now).encode())
            archive.writestr(_info("verify_archive.py", now), SCRIPT.read_bytes())
    finally:
        manifest_rows.close()
        index_rows.close()
    return HandoverSummary(count=count, head_hash=head, files=files_written, bytes=out.tell())


def _index_row(record: ArchiveRecord) -> str:
    kind = RecordKind(record.kind).label if record.kind in RecordKind.values else record.kind
    return format_html(
        '<tr><td>{}</td><td><a href="records/{}.html">{}</a></td><td>{}</td><td>{}</td><td>{}</td></tr>\n',
        record.sequence,
        record.number,
        record.number,
        kind,
        record.title,
        timezone.localtime(record.happened_at).strftime("%Y-%m-%d %H:%M"),
    )


def _readme(compound: Compound, count: int, head: str, now: datetime) -> str:
    return "\n".join(
        [
            _("Archive of %(compound)s, handed over on %(at)s.") % {"compound": compound.name, "at": _instant(now)},
            _("%(count)s records; the hash of the last one (the head of the chain): %(head)s")
            % {"count": count, "head": head},
            "",
            _("To check that nothing was changed, run with Python 3, without unpacking:"),
            "    python3 verify_archive.py <this file>.zip",
            _("It says INTACT, or names each record that is not as it was archived."),
            _("Compare the head above with the one published on the owners' board and in the quarterly reports."),
            "",
            _("index.html lists the records; records/ holds each one as JSON (what the hashes cover) and as HTML."),
            "",
        ]
    )
