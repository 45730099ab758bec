from __future__ import annotations

import io
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader

from committee_site.models import User
from reports import services
from reports.models import QuarterlyReport
from tests import factories
from tests.conftest import client_for
from tests.reports.conftest import Q3, at, travel

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(crafted):
    with travel():
        return services.report_compose(compound=crafted, quarter=Q3).report


@pytest.fixture
def published(draft, committee_member):
    with travel(at("2026-12-04T10:30")):
        services.report_approve(report=draft, by=committee_member, seen_version=draft.version)
        services.report_publish(report=draft, by=committee_member, seen_version=draft.version)
    return draft


@pytest.fixture
def people(committee_member, owner, officer, property_staff, other_committee_member, other_compound):
    return {
        "committee": committee_member,
        "owner": owner,
        "officer": officer,
        "property": property_staff,
        "other_committee": other_committee_member,
        "other_owner": factories.owner_in(other_compound, username="owner_elsewhere"),
        "nobody": factories.UserFactory(username="nobody"),
    }


def _status(user: User, name: str, report: QuarterlyReport) -> int:
    with travel(at("2026-12-05T09:00")):
        return client_for(user).get(reverse(name, args=[report.pk])).status_code


@pytest.mark.parametrize("name", ["reports:report_detail", "reports:report_pdf"])
def test_only_the_committee_reads_a_draft(draft, people, name):
    assert {role: _status(user, name, draft) for role, user in people.items()} == {
        "committee": 200, "owner": 404, "officer": 404, "property": 404, "other_committee": 404,
        "other_owner": 404, "nobody": 404,
    }  # fmt: skip


@pytest.mark.parametrize("name", ["reports:report_detail", "reports:report_pdf"])
def test_a_published_report_is_read_by_the_compound_only(published, people, name):
    assert {role: _status(user, name, published) for role, user in people.items()} == {
        "committee": 200, "owner": 200, "officer": 200, "property": 200, "other_committee": 404,
        "other_owner": 404, "nobody": 404,
    }  # fmt: skip


def test_an_unknown_or_hostile_report_number_is_404(people):
    client = client_for(people["committee"])
    assert client.get("/reports/999999/").status_code == 404
    assert client.get("/reports/99999999999999999999/").status_code == 404
    assert client.get("/reports/abc/").status_code == 404


def test_the_committee_writes_a_foreword_approves_and_publishes(draft, committee_member, owner):
    client = client_for(committee_member)
    with travel(at("2026-12-04T10:00")):
        response = client.post(
            reverse("reports:report_foreword", args=[draft.pk]), {"foreword": "各位业主：本季度…", "version": 1}
        )
        assert response.status_code == 302
        client.post(reverse("reports:report_approve", args=[draft.pk]), {"version": 2})
    draft.refresh_from_db()
    assert (draft.foreword, draft.status, draft.approved_by) == ("各位业主：本季度…", "approved", committee_member)
    with travel(at("2026-12-04T11:00")):
        client.post(reverse("reports:report_publish", args=[draft.pk]), {"version": 3})
    draft.refresh_from_db()
    assert draft.status == "published"
    with travel(at("2026-12-04T12:00")):
        page = client_for(owner).get(reverse("reports:report_detail", args=[draft.pk])).content.decode()
    assert "各位业主：本季度…" in page
    assert "report-approve-form" not in page


def test_a_stale_version_is_refused_with_a_message(draft, committee_member):
    client = client_for(committee_member)
    client.post(reverse("reports:report_foreword", args=[draft.pk]), {"foreword": "一", "version": 1})
    response = client.post(reverse("reports:report_approve", args=[draft.pk]), {"version": 1}, follow=True)
    draft.refresh_from_db()
    assert draft.status == "draft"
    assert any("changed" in str(m).lower() or "已" in str(m) for m in response.context["messages"])


@pytest.mark.parametrize("role", ["owner", "officer", "property", "other_committee"])
def test_others_may_not_approve_or_publish(published, draft, people, role):
    client = client_for(people[role])
    for action in ("report_approve", "report_publish", "report_foreword"):
        assert client.post(reverse(f"reports:{action}", args=[draft.pk]), {"version": 1}).status_code in (403, 404)
    draft.refresh_from_db()
    assert draft.version == published.version


def test_actions_refuse_get(draft, committee_member):
    for action in ("report_approve", "report_publish", "report_foreword"):
        assert client_for(committee_member).get(reverse(f"reports:{action}", args=[draft.pk])).status_code == 405


def test_the_pdf_carries_the_chinese_title_and_the_english_one(published, owner):
    with travel(at("2026-12-05T09:00")):
        response = client_for(owner).get(reverse("reports:report_pdf", args=[published.pk]))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(b"".join(response.streaming_content))).pages)
    assert "季度报告（2026年第3季度）" in text
    owner.language = "en"
    owner.save(update_fields=["language"])
    with travel(at("2026-12-05T09:00")):
        response = client_for(owner).get(reverse("reports:report_pdf", args=[published.pk]))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(b"".join(response.streaming_content))).pages)
    assert "quarterly report, 2026 Q3" in text


def _pdf_text(user, report):
    with travel(at("2026-12-05T09:00")):
        response = client_for(user).get(reverse("reports:report_pdf", args=[report.pk]))
    assert response.status_code == 200
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(b"".join(response.streaming_content))).pages)


def _page(user, report):
    with travel(at("2026-12-05T09:00")):
        response = client_for(user).get(reverse("reports:report_detail", args=[report.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_and_the_pdf_count_the_complaints_by_channel(published, owner):
    section = _page(owner, published).split('data-testid="report-section-by_channel"')[1].split("</section>")[0]
    assert "按渠道统计的投诉" in section
    assert re.findall(r"<td[^>]*>(.*?)</td>", section) == ["网页表单", "5", "2", "2"]
    text = _pdf_text(owner, published)
    assert "按渠道统计的投诉" in text
    assert "网页表单\n5\n2\n2" in text
    owner.language = "en"
    owner.save(update_fields=["language"])
    section = _page(owner, published).split('data-testid="report-section-by_channel"')[1].split("</section>")[0]
    assert re.findall(r"<td[^>]*>(.*?)</td>", section) == ["Web form", "5", "2", "2"]
    assert "Complaints by channel" in _pdf_text(owner, published)


def test_a_report_stored_before_channels_were_counted_still_renders(published, owner):
    # The figures as version 1 stored them: no channels.
    figures = {key: value for key, value in published.figures.items() if key != "by_channel"}
    QuarterlyReport.objects.filter(pk=published.pk).update(figures={**figures, "version": 1})
    published.refresh_from_db()
    page = _page(owner, published)
    assert 'data-testid="report-section-by_category"' in page
    assert "report-section-by_channel" not in page
    text = _pdf_text(owner, published)
    assert "按类别统计的投诉" in text
    assert "按渠道" not in text


def test_the_board_lists_published_reports_by_quarter_not_drafts(published, crafted, owner, committee_member):
    with travel():
        services.report_compose(compound=crafted, quarter=Q3.previous())
    with travel(at("2026-12-05T09:00")):
        page = client_for(owner).get(reverse("complaints:board")).content.decode()
    assert page.count('data-testid="board-report"') == 1
    assert reverse("reports:report_detail", args=[published.pk]) in page


def _reports(compound, n):
    quarter = Q3
    for _ in range(n):
        quarter = quarter.previous()
        QuarterlyReport.objects.create(compound=compound, year=quarter.year, number=quarter.number,
                                       status="published", figures={})  # fmt: skip


def test_pages_cost_the_same_for_few_and_many_reports(published, crafted, owner, committee_member,
                                                      django_assert_max_num_queries):  # fmt: skip
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def cost(user, url):
        client = client_for(user)
        with travel(at("2026-12-05T09:00")), CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    urls = [reverse("reports:report_list"), reverse("complaints:board"),
            reverse("reports:report_detail", args=[published.pk])]  # fmt: skip
    few = [cost(user, url) for user in (owner, committee_member) for url in urls]
    _reports(crafted, 30)
    many = [cost(user, url) for user in (owner, committee_member) for url in urls]
    assert many == few


def test_the_list_shows_drafts_to_the_committee_only(draft, committee_member, property_staff):
    with travel(at("2026-12-05T09:00")):
        assert (
            client_for(committee_member)
            .get(reverse("reports:report_list"))
            .content.decode()
            .count('data-testid="report-item"')
            == 1
        )
        response = client_for(property_staff).get(reverse("reports:report_list"))
    assert response.status_code == 200
    assert 'data-testid="report-item"' not in response.content.decode()
