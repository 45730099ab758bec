"""The handover ZIP (换届移交): what is in it, that the script inside it
verifies it offline with the standard library alone and names what was
changed, who may take it, and that its memory does not grow with the archive."""

import hashlib
import io
import json
import subprocess
import sys
import tempfile
import tracemalloc
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from committee_site.models import AuditEvent, Membership
from records import chain, services
from records.chain import GENESIS, record_content, record_hash
from records.handover import handover_zip_write, safe_name
from records.models import ArchiveFile, ArchiveRecord, ChainHead, RecordKind
from tests import factories
from tests.conftest import client_for, jpeg_bytes
from tests.floods import assert_flood_refused
from tests.records.conftest import archive

pytestmark = pytest.mark.django_db

URL = "records:handover_export"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _export(user, compound, tmp_path, name="archive.zip"):
    response = client_for(user).post(reverse(URL), {"compound": compound.pk})
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith("attachment;")
    path = tmp_path / name
    path.write_bytes(b"".join(response.streaming_content))
    return path


def _verify(path, *heads):
    """Run the ZIP's own script from a folder of its own, as the next
    committee would: Python alone, no site packages (-S), nothing from the
    environment (-I)."""
    folder = path.parent / f"check-{path.stem}"
    folder.mkdir(exist_ok=True)
    script = folder / "verify_archive.py"
    with zipfile.ZipFile(path) as handed_over:
        script.write_bytes(handed_over.read("verify_archive.py"))
    return subprocess.run(
        [sys.executable, "-I", "-S", str(script), str(path), *heads],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def _rewrite(path, change, name="tampered.zip"):
    """A copy of the ZIP in which change(member, data) returns each member's
    new content, or None to leave the member out."""
    target = path.parent / name
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as copy:
        for info in source.infolist():
            data = change(info.filename, source.read(info))
            if data is not None:
                copy.writestr(info.filename, data)
    return target


def _flip_one_byte(data):
    return bytes([data[0] ^ 0x01]) + data[1:]


def _stored(name, content_type, content):
    return services.archive_file_store(name=name, content_type=content_type, source=io.BytesIO(content))


@pytest.fixture
def records(compound, committee_member):
    """Three records: one with two files (a Chinese name and a photo), one
    plain, one amending the first."""
    first = services.record_archive(
        compound=compound,
        kind=RecordKind.MINUTES,
        title="业委会第三次会议纪要 <script>alert(1)</script>",
        happened_at=datetime(2026, 10, 15, 19, 30, tzinfo=SHANGHAI),
        body="讨论电梯维修方案。",
        files=[
            _stored("纪要 第3次.txt", "text/plain", "会议决定更换电梯钢丝绳。".encode()),
            _stored("../../现场.jpg", "image/jpeg", jpeg_bytes()),
        ],
        by=committee_member,
    )
    second = archive(
        compound, by=committee_member, kind=RecordKind.LETTER, title="致物业公司的函", body="请于七日内答复。"
    )
    third = services.record_amend(
        record=first, by=committee_member, title="纪要更正", text="更正：钢丝绳于十二月更换。", reason="日期有误"
    )
    return [first, second, third]


# --- what the ZIP holds ---------------------------------------------------------------


def test_handover_zip_holds_every_record_its_files_and_a_manifest(records, compound, committee_member, tmp_path):
    path = _export(committee_member, compound, tmp_path)
    with zipfile.ZipFile(path) as handed_over:
        names = set(handed_over.namelist())
        manifest = json.loads(handed_over.read("manifest.json"))
        first = json.loads(handed_over.read(f"records/{records[0].number}.json"))
        third = json.loads(handed_over.read(f"records/{records[2].number}.json"))
        page = handed_over.read(f"records/{records[0].number}.html").decode()
        photo = handed_over.read(f"files/{records[0].number}/2-现场.jpg")
        script = handed_over.read("verify_archive.py")
    assert manifest["compound"] == compound.pk
    assert manifest["count"] == 3
    assert manifest["head_hash"] == records[2].hash == ChainHead.objects.get(compound=compound).hash
    assert [entry["number"] for entry in manifest["records"]] == [record.number for record in records]
    assert manifest["records"][0] == {
        "number": records[0].number,
        "json": f"records/{records[0].number}.json",
        "hash": records[0].hash,
    }
    assert first["content"] == record_content(records[0], records[0].files.all(), None)
    assert third["content"]["amends"] == records[0].number
    assert first["previous_hash"] == GENESIS
    assert first["hash"] == records[0].hash
    assert first["disposed"] is False
    assert first["files_in_zip"] == {
        "1": f"files/{records[0].number}/1-纪要_第3次.txt",
        "2": f"files/{records[0].number}/2-现场.jpg",
    }
    assert set(first["files_in_zip"].values()) <= names
    assert hashlib.sha256(photo).hexdigest() == records[0].files.get(position=2).sha256
    assert script == Path(chain.__file__).with_name("offline_verify.py").read_bytes()
    # The readable copy stands alone and escapes what the record says.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script" not in page
    assert "http://" not in page
    assert "https://" not in page
    assert 'href="../files/' in page
    assert records[0].hash in page
    assert {"index.html", "README.txt"} <= names


def test_handover_zip_verifies_offline(records, compound, committee_member, tmp_path):
    result = _verify(_export(committee_member, compound, tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "INTACT"


def test_handover_zip_with_a_published_head_verifies(records, compound, committee_member, tmp_path):
    path = _export(committee_member, compound, tmp_path)
    assert _verify(path, records[1].hash.upper()).returncode == 0
    unknown = _verify(path, "ab" * 32)
    assert unknown.returncode == 1
    assert "is not in this chain" in unknown.stdout


def test_handover_of_an_empty_archive_is_intact(compound, committee_member, tmp_path):
    path = _export(committee_member, compound, tmp_path)
    with zipfile.ZipFile(path) as handed_over:
        manifest = json.loads(handed_over.read("manifest.json"))
    assert manifest["count"] == 0
    assert manifest["records"] == []
    assert manifest["head_hash"] == GENESIS
    assert _verify(path).stdout.strip() == "INTACT"


# --- what the script notices ----------------------------------------------------------


def test_one_byte_changed_in_a_file_fails_naming_its_record(records, compound, committee_member, tmp_path):
    path = _export(committee_member, compound, tmp_path)
    member = f"files/{records[0].number}/1-纪要_第3次.txt"
    result = _verify(_rewrite(path, lambda name, data: _flip_one_byte(data) if name == member else data))
    assert result.returncode == 1
    assert f"{records[0].number}: file 纪要 第3次.txt was changed" in result.stdout
    assert records[1].number not in result.stdout


def test_one_byte_changed_in_a_record_fails_naming_it(records, compound, committee_member, tmp_path):
    path = _export(committee_member, compound, tmp_path)
    member = f"records/{records[1].number}.json"

    def change(name, data):
        return data.replace("七日内".encode(), "九日内".encode()) if name == member else data

    result = _verify(_rewrite(path, change))
    assert result.returncode == 1
    assert f"{records[1].number}: its content does not match its hash" in result.stdout


def test_a_record_deleted_from_the_zip_fails(records, compound, committee_member, tmp_path):
    path = _export(committee_member, compound, tmp_path)
    member = f"records/{records[1].number}.json"
    result = _verify(_rewrite(path, lambda name, data: None if name == member else data))
    assert result.returncode == 1
    assert f"{records[1].number}: its record is missing" in result.stdout


def test_a_record_deleted_from_the_zip_and_its_manifest_fails(records, compound, committee_member, tmp_path):
    path = _export(committee_member, compound, tmp_path)
    number = records[1].number

    def change(name, data):
        if name == f"records/{number}.json":
            return None
        if name == "manifest.json":
            manifest = json.loads(data)
            manifest["records"] = [entry for entry in manifest["records"] if entry["number"] != number]
            manifest["count"] -= 1
            return json.dumps(manifest).encode()
        return data

    result = _verify(_rewrite(path, change))
    assert result.returncode == 1
    assert f"{records[2].number}: position 3, expected 2 (a record is missing)" in result.stdout


def test_a_damaged_zip_member_fails_naming_its_record(records, compound, committee_member, tmp_path):
    """A byte flipped in the ZIP file itself: the member's CRC no longer matches."""
    path = _export(committee_member, compound, tmp_path)
    with zipfile.ZipFile(path) as handed_over:
        info = handed_over.getinfo(f"files/{records[0].number}/2-现场.jpg")
    assert info.compress_type == zipfile.ZIP_STORED
    raw = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    raw[start + info.compress_size // 2] ^= 0xFF
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(bytes(raw))
    result = _verify(damaged)
    assert result.returncode == 1
    assert f"{records[0].number}: file ../../现场.jpg is damaged" in result.stdout


def test_a_changed_file_on_the_site_is_exported_as_it_is_and_reported(records, compound, committee_member, tmp_path):
    file = records[0].files.get(position=1)
    with default_storage.open(file.stored_as, "wb") as handle:
        handle.write("会议决定不更换电梯钢丝绳。".encode())
    result = _verify(_export(committee_member, compound, tmp_path))
    assert result.returncode == 1
    assert f"{records[0].number}: file 纪要 第3次.txt was changed" in result.stdout
    assert records[1].number not in result.stdout


# --- disposed records -----------------------------------------------------------------


def test_disposed_files_are_left_out_and_the_zip_is_intact(
    compound, committee_member, tmp_path, django_capture_on_commit_callbacks
):
    second_member = factories.member_of(compound.committee, role="committee_member", username="member2")
    old = archive(
        compound,
        by=committee_member,
        title="2012年业委会会议纪要",
        happened_at=datetime(2012, 3, 1, 19, 0, tzinfo=SHANGHAI),
        files=[("旧纪要.txt", "早年的纪要。".encode())],
    )
    disposal = services.disposal_propose(record=old, by=committee_member, reason="保管期满，业委会决定销毁")
    with django_capture_on_commit_callbacks(execute=True):
        services.disposal_approve(disposal=disposal, by=second_member, seen_version=disposal.version)
    path = _export(committee_member, compound, tmp_path)
    with zipfile.ZipFile(path) as handed_over:
        names = handed_over.namelist()
        record = json.loads(handed_over.read(f"records/{old.number}.json"))
        page = handed_over.read(f"records/{old.number}.html").decode()
    assert record["disposed"] is True
    assert record["files_in_zip"] == {}
    assert record["content"]["files"][0]["sha256"] == old.files.get().sha256
    assert not [name for name in names if name.startswith(f"files/{old.number}/")]
    assert "Disposed of" in page or "已销毁" in page
    result = _verify(path)
    assert result.returncode == 0, result.stdout
    assert result.stdout.strip() == "INTACT"


# --- who may take it ------------------------------------------------------------------


def test_handover_page_explains_and_offers_the_compound(records, compound, committee_member):
    response = client_for(committee_member).get(reverse(URL))
    assert response.status_code == 200
    page = response.content.decode()
    assert "verify_archive.py" in page
    assert records[2].hash in page
    assert f'value="{compound.pk}"' in page


@pytest.mark.parametrize("role", ["owner", "property_staff", "officer"])
def test_handover_is_refused_to_everyone_but_the_committee(records, compound, role, request):
    user = request.getfixturevalue(role)
    client = client_for(user)
    assert client.get(reverse(URL)).status_code == 403
    assert client.post(reverse(URL), {"compound": compound.pk}).status_code == 403
    assert not AuditEvent.objects.filter(action="record.handover_export").exists()


def test_handover_of_another_compound_is_not_found(records, compound, other_committee_member):
    response = client_for(other_committee_member).post(reverse(URL), {"compound": compound.pk})
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="record.handover_export").exists()


def test_a_member_of_two_committees_chooses_and_gets_that_compound_only(
    records, compound, other_compound, committee_member, tmp_path
):
    Membership.objects.create(user=committee_member, organisation=other_compound.committee, role="committee_member")
    other = archive(other_compound, by=committee_member, title="绿洲家园会议纪要")
    client = client_for(committee_member)
    page = client.get(reverse(URL)).content.decode()
    assert f'value="{compound.pk}"' in page
    assert f'value="{other_compound.pk}"' in page
    assert client.post(reverse(URL), {}).status_code == 200  # the form asks again
    path = _export(committee_member, other_compound, tmp_path)
    with zipfile.ZipFile(path) as handed_over:
        manifest = json.loads(handed_over.read("manifest.json"))
    assert [entry["number"] for entry in manifest["records"]] == [other.number]


def test_a_bad_compound_value_is_a_form_error_not_a_500(records, compound, committee_member):
    for value in ("abc", "-1", "9" * 30, "\x00", ""):
        response = client_for(committee_member).post(reverse(URL), {"compound": value})
        assert response.status_code == 200, value
        assert response["Content-Type"].startswith("text/html")


def test_each_handover_is_audited(records, compound, committee_member, tmp_path):
    _export(committee_member, compound, tmp_path)
    event = AuditEvent.objects.get(action="record.handover_export")
    assert event.actor == committee_member
    assert event.compound == compound
    assert event.data["count"] == 3
    assert event.data["head_hash"] == records[2].hash
    assert event.data["bytes"] > 0
    page = client_for(committee_member).get(reverse(URL)).content.decode()
    assert records[2].hash[:14] in page


def test_a_handover_flood_gets_429(settings, records, compound, committee_member):
    client = client_for(committee_member)

    def send(i, language):
        return client.post(reverse(URL), {"compound": compound.pk}, HTTP_ACCEPT_LANGUAGE=language)

    def speak(language):
        type(committee_member).objects.filter(pk=committee_member.pk).update(language=language)

    assert_flood_refused(settings, "handover", send, speak=speak)


def test_the_handover_page_has_a_constant_number_of_queries(compound, other_compound, committee_member):
    Membership.objects.create(user=committee_member, organisation=other_compound.committee, role="committee_member")
    client = client_for(committee_member)
    counts = []
    for handovers in (1, 12):
        for i in range(handovers):
            for place in (compound, other_compound):
                services.handover_export_record(
                    compound=place, by=committee_member, count=i, head_hash=f"{i:064d}", size=1
                )
        archive(compound, by=committee_member)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse(URL)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- names ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("纪要 第3次.txt", "纪要_第3次.txt"),
        ("../../etc/passwd", "passwd"),
        ("..\\..\\boot.ini", "boot.ini"),
        (".hidden", "hidden"),
        ("a/b/", "file"),
        ("照片" * 60 + ".jpeg", "照片" * 35 + ".jpeg"),
    ],
)
def test_file_names_in_the_zip_are_safe(name, safe):
    assert safe_name(name) == safe


# --- memory ---------------------------------------------------------------------------


def _long_chain(compound, count):
    """`count` valid records in the compound's chain, written in bulk (the
    archive's service would take minutes); every tenth with a small file."""
    happened = datetime(2026, 1, 5, 9, 0, tzinfo=SHANGHAI)
    previous = ChainHead.objects.filter(compound=compound).values_list("hash", flat=True).first() or GENESIS
    start = ArchiveRecord.objects.filter(compound=compound).count()
    records, files = [], []
    for sequence in range(start + 1, start + count + 1):
        record = ArchiveRecord(
            number=f"DA-JY-2026-{compound.pk:03d}{sequence:06d}",
            compound=compound,
            sequence=sequence,
            kind=RecordKind.MINUTES,
            title=f"业委会第{sequence}次会议纪要",
            happened_at=happened + timedelta(hours=sequence),
            parties=["张伟"],
            body="讨论电梯维修方案和消防通道清理。" * 20,
            public_body="讨论电梯维修方案和消防通道清理。" * 20,
            data={"sequence": sequence},
            created_at=happened + timedelta(hours=sequence),
            retention_until=date(2036, 1, 5),
            previous_hash=previous,
        )
        own = []
        if sequence % 10 == 0:
            content = f"第{sequence}次会议签到表".encode() * 50
            stored = default_storage.save(f"archive/test/{sequence}.txt", ContentFile(content))
            own = [
                ArchiveFile(
                    position=1,
                    name="签到表.txt",
                    content_type="text/plain",
                    size=len(content),
                    sha256=hashlib.sha256(content).hexdigest(),
                    stored_as=stored,
                )
            ]
        record.hash = record_hash(previous, record_content(record, own, None))
        previous = record.hash
        records.append(record)
        files.append(own)
    ArchiveRecord.objects.bulk_create(records, batch_size=500)
    for record, own in zip(records, files, strict=True):
        for file in own:
            file.record = record
    ArchiveFile.objects.bulk_create([file for own in files for file in own], batch_size=500)
    ChainHead.objects.update_or_create(compound=compound, defaults={"count": start + count, "hash": previous})


def _peak_while_exporting(compound):
    with tempfile.TemporaryFile() as out:
        tracemalloc.start()
        try:
            summary = handover_zip_write(compound=compound, out=out)
            _current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    return summary, peak


def test_handover_memory_does_not_grow_with_the_archive(monkeypatch, compound, other_compound):
    # Chunks smaller than the short archive, so both read full chunks.
    monkeypatch.setattr(chain, "CHUNK", 100)
    _long_chain(other_compound, 30)
    _peak_while_exporting(other_compound)  # templates and imports, once
    _long_chain(compound, 200)
    short, short_peak = _peak_while_exporting(compound)
    _long_chain(compound, 1800)
    long, long_peak = _peak_while_exporting(compound)
    assert (short.count, long.count, long.files) == (200, 2000, 200)
    assert chain.chain_verify(compound.pk).intact
    # Ten times the records, and not even a quarter more memory: what grows
    # with the archive (the ZIP's directory, the manifest) waits on disk.
    assert long_peak < short_peak * 1.25, (short_peak, long_peak)
    assert long_peak < 16 << 20


def test_a_long_handover_verifies(monkeypatch, compound, committee_member, tmp_path):
    monkeypatch.setattr(chain, "CHUNK", 100)
    _long_chain(compound, 450)
    result = _verify(_export(committee_member, compound, tmp_path))
    assert result.returncode == 0, result.stdout[:2000]


def test_handover_writes_into_any_seekable_file(records, compound):
    out = io.BytesIO()
    summary = handover_zip_write(compound=compound, out=out)
    assert summary.count == 3
    assert summary.files == 2
    assert summary.head_hash == records[2].hash
    with zipfile.ZipFile(out) as handed_over:
        assert handed_over.testzip() is None


def test_the_archive_list_links_the_handover_for_the_committee_only(committee_member, officer):
    assert reverse(URL) in client_for(committee_member).get(reverse("records:record_list")).content.decode()
    assert reverse(URL) not in client_for(officer).get(reverse("records:record_list")).content.decode()
