"""The PDF dossier of one record: Chinese set in the shipped font, files with
their hashes, photos drawn (bad ones noted), chain position, amendments and
disposal, owners' identities only for those who may see them, and a constant
number of queries."""

import hashlib
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image
from pypdf import PdfReader

from records import services
from records.dossier import FONT_FILE
from records.models import RecordKind, RecordPublication
from tests import factories
from tests.conftest import client_for, jpeg_bytes

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
OWNER_NAME = "王小明"


def _stored(name, content_type, content):
    return services.archive_file_store(name=name, content_type=content_type, source=io.BytesIO(content))


def _png(size, mode="1"):
    buffer = io.BytesIO()
    Image.new(mode, size).save(buffer, format="PNG")
    return buffer.getvalue()


def _record(compound, by, files=(), **extra):
    fields = {
        "kind": RecordKind.COMPLAINT,
        "title": "电梯门关不上的投诉",
        "happened_at": datetime(2026, 11, 2, 9, 30, tzinfo=SHANGHAI),
        "body": f"投诉人：{OWNER_NAME}（3号楼1502，13800138000）。3号楼电梯门这周一直关不上。\n物业公司已更换门机。",
        "public_body": "投诉人：业主。3号楼电梯门这周一直关不上。\n物业公司已更换门机。",
        "parties": [OWNER_NAME, "物业公司"],
        "category": "设施报修",
        **extra,
    }
    return services.record_archive(compound=compound, files=list(files), by=by, **fields)


def _get(user, record):
    response = client_for(user).get(reverse("records:record_dossier", args=[record.pk]))
    if response.status_code != 200:
        return response, ""
    pdf = b"".join(response.streaming_content)
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    response.pdf = pdf
    return response, text


def _flat(text):
    """Extracted text without the line breaks a wrapped line gets."""
    return "".join(text.split())


@pytest.fixture
def complaint_record(compound, committee_member):
    return _record(
        compound,
        committee_member,
        files=[
            _stored("现场照片.jpg", "image/jpeg", jpeg_bytes(size=(640, 480))),
            _stored("维修单.txt", "text/plain", "门机更换单".encode()),
        ],
    )


def test_dossier_is_a_pdf_download_named_by_the_number(complaint_record, committee_member):
    response, text = _get(committee_member, complaint_record)
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{complaint_record.number}.pdf"'
    assert response.pdf.startswith(b"%PDF-")
    assert complaint_record.number in text


def test_dossier_sets_chinese_in_the_shipped_font(complaint_record, committee_member):
    response, text = _get(committee_member, complaint_record)
    assert "电梯门关不上的投诉" in text
    assert "物业公司已更换门机" in _flat(text)
    # The glyphs travel inside the PDF, subset from the font in records/fonts/.
    assert b"/FontFile2" in response.pdf
    assert b"WenQuanYiMicroHei" in response.pdf
    assert FONT_FILE.is_file()
    assert FONT_FILE.with_name("README.md").is_file()


def test_dossier_lists_files_with_their_hashes_and_draws_the_photo(complaint_record, committee_member):
    response, text = _get(committee_member, complaint_record)
    flat = _flat(text)
    for file in complaint_record.files.all():
        assert file.name in flat
        assert file.sha256 in flat
    assert hashlib.sha256("门机更换单".encode()).hexdigest() in flat
    assert b"/Subtype /Image" in response.pdf
    assert complaint_record.hash in flat
    assert complaint_record.previous_hash in flat


def test_dossier_for_the_committee_names_the_owner(complaint_record, committee_member):
    _response, text = _get(committee_member, complaint_record)
    assert OWNER_NAME in text
    assert "13800138000" in text


@pytest.mark.parametrize("role", ["property_staff", "owner"])
def test_dossier_for_staff_and_owners_lacks_the_owners_identity(complaint_record, committee_member, role, request):
    reader = request.getfixturevalue(role)
    if role == "owner":
        services.record_publish(record=complaint_record, scope=RecordPublication.Scope.COMPOUND, by=committee_member)
    response, text = _get(reader, complaint_record)
    assert response.status_code == 200
    assert "3号楼电梯门这周一直关不上" in _flat(text)
    assert OWNER_NAME not in text
    assert "13800138000" not in text
    assert OWNER_NAME.encode("utf-16-be") not in response.pdf


def test_dossier_is_not_found_for_those_who_may_not_read_the_record(
    complaint_record, owner, other_committee_member, committee_member
):
    for user in (owner, other_committee_member):
        response = client_for(user).get(reverse("records:record_dossier", args=[complaint_record.pk]))
        assert response.status_code == 404
    assert client_for(committee_member).get(reverse("records:record_dossier", args=[999999])).status_code == 404


def test_dossier_refuses_post(complaint_record, committee_member):
    response = client_for(committee_member).post(reverse("records:record_dossier", args=[complaint_record.pk]))
    assert response.status_code == 405


def test_dossier_notes_bad_and_huge_pictures_instead_of_failing(compound, committee_member):
    record = _record(
        compound,
        committee_member,
        files=[
            _stored("坏照片.jpg", "image/jpeg", b"\xff\xd8\xff\xe0 not really a jpeg"),
            _stored("截断.jpg", "image/jpeg", jpeg_bytes(size=(800, 600))[:300]),
            # 64 megapixels in a few kilobytes: over the PNG cap, never decoded.
            _stored("巨幅.png", "image/png", _png((8000, 8000))),
            _stored("文档.pdf", "image/jpeg", b"%PDF-1.4 a PDF that says it is a photo"),
            _stored("正常.jpg", "image/jpeg", jpeg_bytes(size=(320, 240))),
        ],
    )
    response, text = _get(committee_member, record)
    assert response.status_code == 200
    flat = _flat(text)
    assert "“坏照片.jpg”无法作为图片读取" in flat or "“坏照片.jpg”couldnotbereadasapicture" in flat
    assert "巨幅.png" in flat
    assert response.pdf.count(b"/Subtype /Image") >= 1


def test_dossier_shows_amendments_both_ways(complaint_record, committee_member):
    correction = services.record_amend(
        record=complaint_record,
        by=committee_member,
        title="投诉记录更正",
        text="更正：门机于11月3日更换。",
        reason="日期",
    )
    _response, text = _get(committee_member, complaint_record)
    assert correction.number in text
    _response, text = _get(committee_member, correction)
    assert complaint_record.number in text


def test_dossier_shows_a_disposal(compound, committee_member, django_capture_on_commit_callbacks):
    second = factories.member_of(compound.committee, role="committee_member", username="member2")
    old = _record(
        compound,
        committee_member,
        files=[_stored("旧照片.jpg", "image/jpeg", jpeg_bytes())],
        kind=RecordKind.MINUTES,
        title="2012年会议纪要",
        happened_at=datetime(2012, 3, 1, 19, 0, tzinfo=SHANGHAI),
    )
    disposal = services.disposal_propose(record=old, by=committee_member, reason="保管期满")
    _response, text = _get(committee_member, old)
    assert "待另一位委员批准" in _flat(text)
    with django_capture_on_commit_callbacks(execute=True):
        services.disposal_approve(disposal=disposal, by=second, seen_version=disposal.version)
    response, text = _get(committee_member, old)
    flat = _flat(text)
    assert "销毁：文件内容已删除，其哈希仍保留。" in flat
    assert "旧照片.jpg（已销毁）" in flat
    assert "照片已随记录销毁。" in flat
    assert old.files.get().sha256 in flat
    assert b"/Subtype /Image" not in response.pdf


def test_dossier_headings_follow_the_readers_language(complaint_record, committee_member):
    _response, chinese = _get(committee_member, complaint_record)
    assert "哈希链中的位置" in chinese
    assert "第1页，共2页" in _flat(chinese)
    type(committee_member).objects.filter(pk=committee_member.pk).update(language="en")
    _response, english = _get(committee_member, complaint_record)
    assert "Position in the chain" in english
    assert "Page 2 of 2" in english
    assert "Asia/Shanghai" in english


def test_dossier_of_a_long_body_runs_over_several_numbered_pages(compound, committee_member):
    record = _record(compound, committee_member, body="第一条。" * 30 + "\n" + "电梯维修记录。\n" * 300)
    response, _text = _get(committee_member, record)
    pages = PdfReader(io.BytesIO(response.pdf)).pages
    assert len(pages) > 2
    for number, page in enumerate(pages, start=1):
        assert f"第{number}页，共{len(pages)}页" in _flat(page.extract_text())


def test_dossier_has_a_constant_number_of_queries(compound, committee_member):
    few = _record(compound, committee_member, files=[_stored("一.jpg", "image/jpeg", jpeg_bytes())])
    many = _record(
        compound,
        committee_member,
        files=[_stored(f"{i}.jpg", "image/jpeg", jpeg_bytes(size=(40 + i, 30))) for i in range(12)],
    )
    for i in range(5):
        services.record_amend(record=many, by=committee_member, title=f"更正{i}", text="更正。", reason="补充")
    client = client_for(committee_member)
    counts = []
    for record in (few, many):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("records:record_dossier", args=[record.pk]))
            b"".join(response.streaming_content)
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_record_page_links_its_dossier(complaint_record, property_staff):
    page = client_for(property_staff).get(reverse("records:record_detail", args=[complaint_record.pk])).content.decode()
    assert reverse("records:record_dossier", args=[complaint_record.pk]) in page
