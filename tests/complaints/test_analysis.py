import json
import re

import pytest
import time_machine
from django.urls import reverse

from committee_site.models import Membership
from complaints import services
from complaints.models import Category, Status
from tests import factories
from tests.complaints.conftest import drive, file_complaint
from tests.complaints.rows import bulk_complaints
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

ANALYSIS = reverse("complaints:analysis")


def _at(moment):
    return time_machine.travel(f"{moment} +0800", tick=False)


def _handle(complaint, committee, *, accepted, planned, replied=None):
    with _at(accepted):
        complaint.refresh_from_db()
        services.complaint_accept(complaint=complaint, by=committee, seen_version=complaint.version,
                                  category=complaint.category, service_area=None, priority="normal")  # fmt: skip
        complaint.refresh_from_db()
        services.complaint_assign(complaint=complaint, by=committee, seen_version=complaint.version,
                                  responsible_party="property_company", reason="物业负责",
                                  assignee=complaint.compound.property_company)  # fmt: skip
    with _at(planned):
        complaint.refresh_from_db()
        services.complaint_plan(complaint=complaint, by=committee, seen_version=complaint.version, plan="安排维修")
    if replied:
        with _at(replied):
            complaint.refresh_from_db()
            services.complaint_reply(complaint=complaint, by=committee, seen_version=complaint.version, result="修好了")


@pytest.fixture
def known_period(owner, other_owner, committee_member):
    """Three repairs in building 1 within two months (a hot spot), one noise complaint in building 2."""
    with _at("2026-01-05 09:00"):
        on_time = file_complaint(owner, title="一月：按时")
    _handle(on_time, committee_member, accepted="2026-01-05 12:00", planned="2026-01-06 09:00",
            replied="2026-01-08 09:00")  # fmt: skip
    with _at("2026-02-10 09:00"):
        late = file_complaint(owner, title="二月：样样都晚")
    _handle(late, committee_member, accepted="2026-02-12 09:00", planned="2026-02-13 09:00",
            replied="2026-02-20 09:00")  # fmt: skip
    with _at("2026-03-01 09:00"):
        file_complaint(owner, title="三月：没人理")
    with _at("2026-03-02 09:00"):
        noise = file_complaint(other_owner, title="三月：噪声", category=Category.objects.get(code="noise"))
    with _at("2026-03-02 10:00"):
        services.complaint_reject(complaint=noise, by=committee_member, seen_version=1, reason="不属于物业")


def test_analysis_counts_times_rates_and_hot_spots_of_known_data(known_period, committee_member):
    committee_member.language = "en"
    committee_member.save(update_fields=["language"])
    with _at("2026-03-10 12:00"):
        response = client_for(committee_member).get(ANALYSIS)
    assert response.status_code == 200
    result = response.context["result"]
    assert (str(result.start), str(result.end)) == ("2025-04-01", "2026-03-10")
    assert result.total == 4
    assert [(bar.label, bar.count) for bar in result.by_category] == [("Facility repair", 3), ("Noise", 1)]
    assert [(bar.label, bar.count) for bar in result.by_building] == [("Building 1", 3), ("Building 2", 1)]
    assert [(bar.label, bar.count) for bar in result.by_service_area] == [
        ("Common parts & facilities maintenance", 3),
        ("Security", 1),
    ]
    months = {month.label: (month.received, month.replied) for month in result.by_month}
    assert len(months) == 12
    assert months["2025-04"] == (0, 0)
    assert months["2026-01"] == (1, 1)
    assert months["2026-02"] == (1, 1)
    assert months["2026-03"] == (2, 0)
    # 3 days and 10 days to the result.
    assert result.replied == 2
    assert result.median_hours == 156.0
    assert result.average_hours == 156.0
    assert [(rate.missed, rate.counted, rate.percent) for rate in result.rates] == [
        (2, 3, 66.7),  # accept: February late, March not yet after its deadline
        (2, 3, 66.7),  # reply to the owner: the same two
        (1, 2, 50.0),  # resolve: February late
    ]
    assert [(spot.building, spot.category, spot.count) for spot in result.hot_spots] == [
        ("Building 1", "Facility repair", 3)
    ]
    page = response.content.decode()
    assert "6.5 days" in page
    assert 'data-testid="table-hot-spots"' in page
    charts = json.loads(page.split('<script id="chart-data" type="application/json">')[1].split("</script>")[0])
    assert charts["category"]["series"][0]["data"] == [3, 1]
    assert charts["rates"]["series"][0]["data"] == [66.7, 66.7, 50.0]


def _cells(page, testid):
    """The table's cells as the desktop shows them: text only, without what a phone shows instead."""
    table = page.split(f'data-testid="{testid}"')[1].split("</table>")[0]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", table, re.S)
    return [re.sub(r"<[^>]+>", "", re.sub(r'<div class="[^"]*d-sm-none">.*?</div>', "", cell)) for cell in cells]


def test_analysis_breaks_the_period_down_by_channel_in_one_query(known_period, owner, committee_member):
    with _at("2026-02-01 09:00"):
        wechat = file_complaint(owner, title="二月：微信来的", channel="wechat", complainant=owner)
    with _at("2026-02-03 09:00"):
        drive(wechat, Status.CLOSED, committee=committee_member)
    with _at("2026-03-05 09:00"):
        services.complaint_submit(by=committee_member, compound=wechat.compound, category=wechat.category,
                                  title="三月：电话", description="电话里说的", channel="phone",
                                  complainant=owner)  # fmt: skip
    committee_member.language = "en"
    committee_member.save(update_fields=["language"])
    with _at("2026-03-10 12:00"):
        response = client_for(committee_member).get(ANALYSIS)
    rows = [(r.channel, r.label, r.count, r.closed, r.overdue, r.average_hours)
            for r in response.context["result"].by_channel]  # fmt: skip
    assert rows == [
        # The four of the known period: two replied (3 and 10 days), one not accepted in time, one rejected.
        ("web", "Web form", 4, 0, 1, 156.0),
        ("phone", "Phone", 1, 0, 1, None),
        ("wechat", "WeChat", 1, 1, 0, 48.0),
    ]
    page = response.content.decode()
    assert _cells(page, "table-channel") == [
        "Web form", "4", "0", "1", "6.5 days", "Phone", "1", "0", "1", "—", "WeChat", "1", "1", "0", "2.0 days",
    ]  # fmt: skip
    # On a phone the average goes under the channel's name.
    assert '<div class="small text-body-secondary d-sm-none">Average time 6.5 days</div>' in page
    charts = json.loads(page.split('<script id="chart-data" type="application/json">')[1].split("</script>")[0])
    assert charts["channel"]["labels"] == ["Web form", "Phone", "WeChat"]
    assert charts["channel"]["series"][0]["data"] == [4, 1, 1]
    committee_member.language = "zh-hans"
    committee_member.save(update_fields=["language"])
    with _at("2026-03-10 12:00"):
        page = client_for(committee_member).get(ANALYSIS).content.decode()
    assert _cells(page, "table-channel")[::5] == ["网页表单", "电话", "微信"]
    assert "按渠道" in page


def test_a_shorter_period_leaves_the_rest_out(known_period, committee_member):
    with _at("2026-03-10 12:00"):
        response = client_for(committee_member).get(ANALYSIS, {"start": "2026-02-01", "end": "2026-02-28"})
    result = response.context["result"]
    assert result.total == 1
    assert [month.label for month in result.by_month] == ["2026-02"]
    assert result.hot_spots == []
    assert [(row.channel, row.count) for row in result.by_channel] == [("web", 1)]


def test_analysis_data_is_passed_as_escaped_json_never_as_script(owner, committee_member):
    category = Category.objects.get(code="facility_repair")
    category.name = "</script><script>alert(1)</script>"
    category.save()
    file_complaint(owner, category=category)
    page = client_for(committee_member).get(ANALYSIS).content.decode()
    assert "<script>alert(1)" not in page
    assert "\\u003C/script\\u003E\\u003Cscript\\u003Ealert(1)" in page
    assert "&lt;/script&gt;&lt;script&gt;alert(1)" in page
    assert '<script id="chart-data" type="application/json">' in page
    assert "<script>" not in page
    assert " style=" not in page


def test_bad_period_gets_a_message_and_the_default_period(committee_member):
    committee_member.language = "en"
    committee_member.save(update_fields=["language"])
    with _at("2026-03-10 12:00"):
        response = client_for(committee_member).get(ANALYSIS, {"start": "2026-03-01", "end": "2025-01-01"})
        assert response.status_code == 200
        assert "Some of the choices were not valid and were left out." in response.content.decode()
        assert "The end date is before the start date." in response.content.decode()
        # The end date was left out: from the start date until today.
        assert (str(response.context["result"].start), str(response.context["result"].end)) == (
            "2026-03-01",
            "2026-03-10",
        )
        response = client_for(committee_member).get(ANALYSIS, {"start": "never", "compound": "999"})
    assert response.status_code == 200
    assert (str(response.context["result"].start), str(response.context["result"].end)) == ("2025-04-01", "2026-03-10")


def test_only_committee_and_officers_open_the_analysis(owner, property_staff, officer, other_committee_member):
    assert client_for(owner).get(ANALYSIS).status_code == 403
    assert client_for(property_staff).get(ANALYSIS).status_code == 403
    assert client_for(officer).get(ANALYSIS).status_code == 200
    file_complaint(owner)
    assert client_for(other_committee_member).get(ANALYSIS).context["result"].total == 0


def test_a_member_of_two_committees_chooses_the_compound(owner, committee_member, other_compound):
    Membership.objects.create(user=committee_member, organisation=other_compound.committee, role="committee_member")
    file_complaint(owner, title="本小区")
    file_complaint(factories.owner_in(other_compound, username="there"), title="另一个小区")
    client = client_for(committee_member)
    assert client.get(ANALYSIS, {"compound": other_compound.pk}).context["result"].total == 1
    assert client.get(ANALYSIS, {"compound": other_compound.pk}).context["compound"] == other_compound
    # The dashboard lists both, names the compound on each row and filters by it.
    dashboard = client.get(reverse("complaints:dashboard"))
    assert {c.title for c in dashboard.context["page"].items} == {"本小区", "另一个小区"}
    assert 'name="compound"' in dashboard.content.decode()
    only = client.get(reverse("complaints:dashboard"), {"compound": other_compound.pk})
    assert [c.title for c in only.context["page"].items] == ["另一个小区"]
    assert {count for _v, _l, count in only.context["counts"].by_status} == {0, 1}


@pytest.mark.parametrize("rows", [5, 500])
def test_the_analysis_costs_a_fixed_number_of_queries(compound, committee_member, django_assert_num_queries, rows):
    building = factories.BuildingFactory(compound=compound, number="3")
    bulk_complaints(compound, rows - rows // 5, status="closed", building=building, channel="phone")
    bulk_complaints(compound, rows // 5, status="closed", building=building, channel="wechat")
    client = client_for(committee_member)
    # session, user, access (3), badges (2), the compound, three groupings with their names (6),
    # the channels, two monthly series, the times to the result, the deadline rates, the hot-spot rule
    # (the time limits), the hot spots with their names (2)
    with django_assert_num_queries(22):
        response = client.get(ANALYSIS)
    assert response.context["result"].total == rows
    assert response.context["result"].hot_spots[0].count == rows
    assert [(row.channel, row.count, row.closed) for row in response.context["result"].by_channel] == [
        ("phone", rows - rows // 5, rows - rows // 5),
        ("wechat", rows // 5, rows // 5),
    ]
