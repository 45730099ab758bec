import csv
import io
from datetime import UTC, datetime

import openpyxl
import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from committee_site.models import ServiceArea
from records import services
from records.models import ArchiveFile, ArchiveRecord, RecordKind, RecordPublication
from tests import factories
from tests.conftest import client_for, jpeg_bytes
from tests.records.conftest import archive

pytestmark = pytest.mark.django_db

LIST = reverse("records:record_list")
UPLOAD = reverse("records:record_upload")


def english(user):
    user.language = "en"
    user.save(update_fields=["language"])
    return client_for(user)


def _numbers(response):
    return [record.number for record in response.context["page"].items]


def _complaint_record(compound, **extra):
    return archive(
        compound,
        kind=RecordKind.COMPLAINT,
        title="3号楼电梯异响",
        body="投诉人：李明（3-1502，13900139000）\n电梯运行时有异响。",
        public_body="投诉人：业主\n电梯运行时有异响。",
        **extra,
    )


# --- who reads what ---------------------------------------------------------------


def test_record_list_shows_the_committee_every_record_of_its_compound_only(
    compound, committee_member, other_compound, minutes
):
    complaint = _complaint_record(compound)
    archive(other_compound, title="别的小区的纪要")
    response = client_for(committee_member).get(LIST)
    assert response.status_code == 200
    assert set(_numbers(response)) == {complaint.number, minutes.number}
    assert "别的小区的纪要" not in response.content.decode()


def test_record_list_shows_property_staff_cases_but_not_the_committees_minutes(compound, property_staff, minutes):
    complaint = _complaint_record(compound)
    response = client_for(property_staff).get(LIST)
    assert _numbers(response) == [complaint.number]
    assert client_for(property_staff).get(reverse("records:record_detail", args=[minutes.pk])).status_code == 404


def test_record_list_shows_the_community_officer_every_record(compound, officer, minutes):
    complaint = _complaint_record(compound)
    assert set(_numbers(client_for(officer).get(LIST))) == {complaint.number, minutes.number}


def test_record_list_shows_owners_only_what_was_published_to_them(compound, owner, committee_member, minutes):
    own_building = owner.owner_profile.units.get().building
    other_building = factories.BuildingFactory(compound=compound, number="9")
    to_all = archive(compound, kind=RecordKind.NOTICE, title="停水通知", body="明日停水。")
    services.record_publish(record=to_all, scope=RecordPublication.Scope.COMPOUND, by=committee_member)
    to_building = _complaint_record(compound)
    services.record_publish(
        record=to_building, scope=RecordPublication.Scope.BUILDING, building=own_building, by=committee_member
    )
    elsewhere = _complaint_record(compound)
    services.record_publish(
        record=elsewhere, scope=RecordPublication.Scope.BUILDING, building=other_building, by=committee_member
    )
    to_owner = _complaint_record(compound)
    services.record_publish(record=to_owner, scope=RecordPublication.Scope.OWNER, owner=owner, by=committee_member)
    response = client_for(owner).get(LIST)
    assert set(_numbers(response)) == {to_all.number, to_building.number, to_owner.number}
    assert client_for(owner).get(reverse("records:record_detail", args=[minutes.pk])).status_code == 404
    page = client_for(owner).get(reverse("records:record_detail", args=[to_owner.pk])).content.decode()
    assert "13900139000" not in page
    assert "李明" not in page


def test_record_list_is_refused_to_someone_in_no_compound(db):
    assert client_for(factories.UserFactory()).get(LIST).status_code == 403


def test_record_page_of_another_compound_is_not_found(other_committee_member, minutes):
    assert (
        client_for(other_committee_member).get(reverse("records:record_detail", args=[minutes.pk])).status_code == 404
    )


def test_record_page_shows_identities_to_the_committee_and_not_to_property_staff(
    compound, committee_member, property_staff
):
    record = _complaint_record(compound)
    url = reverse("records:record_detail", args=[record.pk])
    committee_page = client_for(committee_member).get(url).content.decode()
    staff_page = client_for(property_staff).get(url).content.decode()
    assert "13900139000" in committee_page
    assert "13900139000" not in staff_page
    assert "李明" not in staff_page
    assert "电梯运行时有异响" in staff_page
    assert record.hash in staff_page


# --- search and filters -------------------------------------------------------------


def test_record_search_finds_a_two_character_chinese_word_and_an_english_word(compound, committee_member):
    lift = archive(compound, title="电梯维修会议", body="讨论更换曳引机。")
    water = archive(compound, title="Letter on the water tank", body="Cleaning report overdue.")
    client = client_for(committee_member)
    assert _numbers(client.get(LIST, {"q": "电梯"})) == [lift.number]
    assert _numbers(client.get(LIST, {"q": "曳引"})) == [lift.number]
    assert _numbers(client.get(LIST, {"q": "tank"})) == [water.number]
    assert _numbers(client.get(LIST, {"q": "维修会议"})) == [lift.number]
    assert _numbers(client.get(LIST, {"q": "梯会"})) == []
    assert _numbers(client.get(LIST, {"q": "停车"})) == []


def test_record_search_for_one_chinese_character_says_what_to_type(compound, committee_member, minutes):
    response = english(committee_member).get(LIST, {"q": "电"})
    assert "Search for a word of at least two characters" in response.content.decode()
    assert _numbers(response) == [minutes.number]


def test_record_filters_by_kind_service_area_and_period(compound, committee_member):
    area = ServiceArea.objects.first()
    october = archive(compound, kind=RecordKind.LETTER, happened_at=datetime(2026, 10, 1, 2, tzinfo=UTC))
    november = archive(
        compound, kind=RecordKind.LETTER, service_area=area, happened_at=datetime(2026, 11, 20, 2, tzinfo=UTC)
    )
    archive(compound, kind=RecordKind.MINUTES, happened_at=datetime(2026, 11, 21, 2, tzinfo=UTC))
    client = client_for(committee_member)
    assert _numbers(client.get(LIST, {"kind": "letter"})) == [november.number, october.number]
    assert _numbers(client.get(LIST, {"service_area": area.pk})) == [november.number]
    assert _numbers(
        client.get(LIST, {"kind": "letter", "happened_from": "2026-10-01", "happened_to": "2026-10-31"})
    ) == [october.number]


def test_record_list_names_a_bad_filter_and_still_shows_the_list(compound, committee_member, minutes):
    response = english(committee_member).get(LIST, {"kind": "nonsense", "happened_from": "2026-13-40", "colour": "red"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "Unknown filter ignored: “colour”" in text
    assert "The filter “Kind” was ignored" in text
    assert _numbers(response) == [minutes.number]


def test_record_list_pages_by_key_to_the_last_record(compound, committee_member):
    made = [archive(compound, title=f"纪要{n}", happened_at=datetime(2026, 1, 1 + n, tzinfo=UTC)) for n in range(27)]
    client = client_for(committee_member)
    first = client.get(LIST)
    assert len(first.context["page"].items) == 25
    second = client.get(LIST, {"cursor": first.context["page"].next_cursor})
    assert _numbers(second) == [made[1].number, made[0].number]
    assert not second.context["page"].has_next


def test_record_list_costs_the_same_number_of_queries_for_few_and_many_records(
    compound, committee_member, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(committee_member)
    archive(compound)
    client.get(LIST)
    with CaptureQueriesContext(connection) as few:
        client.get(LIST, {"q": "电梯"})
    for n in range(30):
        _complaint_record(compound, building=factories.BuildingFactory(compound=compound, number=f"B{n}"))
    with CaptureQueriesContext(connection) as many:
        client.get(LIST, {"q": "电梯"})
    assert len(many) == len(few)


# --- the record page --------------------------------------------------------------


def test_record_page_links_an_amendment_both_ways(compound, committee_member, minutes):
    amendment = services.record_amend(
        record=minutes,
        by=committee_member,
        title=minutes.title,
        text="会议决定更换电梯钢丝绳和曳引机。",
        reason="漏记曳引机",
    )
    client = client_for(committee_member)
    earlier = client.get(reverse("records:record_detail", args=[minutes.pk])).content.decode()
    later = client.get(reverse("records:record_detail", args=[amendment.pk])).content.decode()
    assert reverse("records:record_detail", args=[amendment.pk]) in earlier
    assert amendment.number in earlier
    assert reverse("records:record_detail", args=[minutes.pk]) in later
    assert "漏记曳引机" in later
    ArchiveRecord.objects.get(pk=minutes.pk)  # the earlier record is still there, unchanged
    assert ArchiveRecord.objects.get(pk=minutes.pk).body == "讨论电梯维修方案。"


def test_record_page_costs_the_same_number_of_queries_with_few_and_many_files(compound, committee_member):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    few_files = archive(compound, files=[("a.txt", b"a")])
    many_files = archive(compound, files=[(f"{n}.txt", f"{n}".encode()) for n in range(12)])
    for n in range(5):
        services.record_amend(record=many_files, by=committee_member, title="更正", text=f"第{n}次", reason="更正")
    client = client_for(committee_member)
    client.get(reverse("records:record_detail", args=[few_files.pk]))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("records:record_detail", args=[few_files.pk]))
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("records:record_detail", args=[many_files.pk]))
    assert len(many) == len(few)


def test_record_file_downloads_with_its_name_and_is_never_sniffed(committee_member, minutes):
    file = minutes.files.get()
    response = client_for(committee_member).get(reverse("records:record_file", args=[minutes.pk, file.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == "会议决定更换电梯钢丝绳。".encode()
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "%E7%BA%AA%E8%A6%81.txt" in response["Content-Disposition"]


def test_record_file_of_a_record_someone_may_not_read_is_not_found(property_staff, minutes):
    file = minutes.files.get()
    response = client_for(property_staff).get(reverse("records:record_file", args=[minutes.pk, file.pk]))
    assert response.status_code == 404


def test_record_file_whose_content_is_gone_says_so(committee_member, minutes):
    file = minutes.files.get()
    default_storage.delete(file.stored_as)
    response = english(committee_member).get(reverse("records:record_file", args=[minutes.pk, file.pk]), follow=True)
    assert "is no longer kept" in response.content.decode()


# --- uploading and correcting ------------------------------------------------------------


def _pdf() -> bytes:
    return b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _upload(client, compound, **fields):
    data = {
        "compound": compound.pk,
        "kind": "minutes",
        "title": "业委会2026年第三季度例会纪要",
        "happened_at": "2026-10-15T19:30",
        "text": "出席委员五人。决定：督促物业公司十日内更换3号楼电梯钢丝绳。",
        **fields,
    }
    return client.post(UPLOAD, data)


def test_record_upload_archives_the_files_with_their_hashes(compound, committee_member):
    import hashlib

    pdf = io.BytesIO(_pdf())
    pdf.name = "纪要.pdf"
    photo = io.BytesIO(jpeg_bytes())
    photo.name = "签到表.jpg"
    response = _upload(client_for(committee_member), compound, attachments=[pdf, photo])
    record = ArchiveRecord.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("records:record_detail", args=[record.pk])
    assert record.number.startswith("DA-JY-2026-")
    assert record.created_by == committee_member
    files = list(record.files.order_by("position"))
    assert [(f.name, f.content_type) for f in files] == [("纪要.pdf", "application/pdf"), ("签到表.jpg", "image/jpeg")]
    assert files[0].sha256 == hashlib.sha256(_pdf()).hexdigest()
    with default_storage.open(files[1].stored_as) as stored:
        assert files[1].sha256 == hashlib.sha256(stored.read()).hexdigest()


def test_record_upload_refuses_a_file_that_is_not_a_document_or_picture(compound, committee_member):
    executable = io.BytesIO(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\xff\xff")
    executable.name = "minutes.pdf"
    response = _upload(english(committee_member), compound, attachments=[executable])
    assert response.status_code == 400
    assert "is not a PDF, Word or Excel document, a text file or a picture" in response.content.decode()
    assert not ArchiveRecord.objects.exists()
    assert not ArchiveFile.objects.exists()


def test_record_upload_refuses_a_time_in_the_future(compound, committee_member):
    response = _upload(english(committee_member), compound, happened_at="2099-01-01T10:00")
    assert response.status_code == 400
    assert "the time is in the future" in response.content.decode()


def test_record_upload_published_to_owners_is_read_by_an_owner(compound, committee_member, owner):
    _upload(client_for(committee_member), compound, kind="notice", title="停水通知", publish_to_owners="on")
    record = ArchiveRecord.objects.get()
    assert client_for(owner).get(reverse("records:record_detail", args=[record.pk])).status_code == 200


def test_record_upload_is_refused_to_everyone_but_the_committee(compound, property_staff, officer, owner):
    for user in (property_staff, officer, owner):
        assert client_for(user).get(UPLOAD).status_code == 403
        assert _upload(client_for(user), compound).status_code == 403
    assert not ArchiveRecord.objects.exists()


def test_record_amend_writes_a_new_record_and_keeps_the_old_one(committee_member, minutes):
    url = reverse("records:record_amend", args=[minutes.pk])
    response = client_for(committee_member).post(
        url, {"title": minutes.title, "text": "讨论电梯和水泵维修方案。", "reason": "漏记水泵"}
    )
    amendment = ArchiveRecord.objects.get(amends=minutes)
    assert response["Location"] == reverse("records:record_detail", args=[amendment.pk])
    assert amendment.sequence == minutes.sequence + 1
    assert amendment.data["reason"] == "漏记水泵"
    assert ArchiveRecord.objects.get(pk=minutes.pk).hash == minutes.hash


def test_record_amend_needs_a_reason(committee_member, minutes):
    url = reverse("records:record_amend", args=[minutes.pk])
    response = client_for(committee_member).post(url, {"title": "x", "text": "y", "reason": ""})
    assert response.status_code == 400
    assert not ArchiveRecord.objects.filter(amends=minutes).exists()


def test_record_amend_is_refused_to_the_community_officer(officer, minutes):
    url = reverse("records:record_amend", args=[minutes.pk])
    assert client_for(officer).post(url, {"title": "x", "text": "y", "reason": "z"}).status_code == 403


# --- CSV and XLSX ------------------------------------------------------------------


def test_record_export_csv_lists_the_filtered_records_with_formulas_neutralised(compound, committee_member):
    archive(compound, title='=HYPERLINK("http://evil.example")', kind=RecordKind.LETTER)
    archive(compound, title="@SUM(A1)", kind=RecordKind.LETTER)
    archive(compound, title="会议纪要", kind=RecordKind.MINUTES)
    response = english(committee_member).get(reverse("records:record_export_csv"), {"kind": "letter"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:5] == ["Archive number", "Kind", "Compound", "When it happened", "Title"]
    assert sorted(row[4] for row in rows[1:]) == ['\'=HYPERLINK("http://evil.example")', "'@SUM(A1)"]
    assert {row[1] for row in rows[1:]} == {"Letter"}


def test_record_export_xlsx_holds_the_same_rows_as_text(compound, committee_member, property_staff):
    archive(compound, title="-1+2", kind=RecordKind.COMPLAINT)
    archive(compound, title="内部纪要", kind=RecordKind.MINUTES)
    response = english(property_staff).get(reverse("records:record_export_xlsx"))
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    titles = [row[4].value for row in sheet.iter_rows(min_row=2)]
    assert titles == ["'-1+2"]


def test_record_file_kept_from_the_owner_is_shown_only_to_the_committee_and_the_office(
    compound, committee_member, officer, property_staff, owner
):
    shown = services.archive_file_store(name="现场.jpg", content_type="image/jpeg", source=io.BytesIO(jpeg_bytes()))
    kept = services.archive_file_store(
        name="内部.jpg", content_type="image/jpeg", source=io.BytesIO(jpeg_bytes(color=(0, 0, 200))), internal=True
    )
    record = services.record_archive(
        compound=compound, kind=RecordKind.COMPLAINT, title="电梯", happened_at=datetime(2026, 11, 1, tzinfo=UTC),
        body="正文", files=[shown, kept], by=committee_member,
    )  # fmt: skip
    services.record_publish(record=record, scope=RecordPublication.Scope.OWNER, owner=owner, by=committee_member)
    internal = record.files.get(internal=True)
    page_url = reverse("records:record_detail", args=[record.pk])
    file_url = reverse("records:record_file", args=[record.pk, internal.pk])
    for reader in (committee_member, officer):
        assert "内部.jpg" in client_for(reader).get(page_url).content.decode()
        assert client_for(reader).get(file_url).status_code == 200
    for reader in (property_staff, owner):
        page = client_for(reader).get(page_url).content.decode()
        assert "现场.jpg" in page
        assert "内部.jpg" not in page
        assert client_for(reader).get(file_url).status_code == 404
