"""No 500 from any query-string parameter: every list and filter view, fed a
table of hostile values for each parameter it reads, as the role that can
see it, answers with a page (200, the bad value named in a message or a
form error) or 400. Runs on SQLite and on PostgreSQL (DATABASE_URL)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from committee_site.models import OwnerApplication
from complaints import services as complaint_services
from complaints.models import Category
from feedback.services import entries as feedback_services
from inspections import services as inspection_services
from inspections.models import ChecklistTemplate, InspectionKind
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def _cursor(payload: Any) -> str:
    raw = payload if isinstance(payload, str) else json.dumps(payload)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


AWARE = "2026-01-01T00:00:00+00:00"
DATES = [
    "9999-12-31", "0001-01-01", "10000-01-01", "1999-12-31", "2101-01-01", "2024-02-30", "-2024-01-01",
    "99999999", "1e10", "now", "\x00", "2024-01-01\x00", "页" * 2000, " ",
]  # fmt: skip
NUMBERS = [
    "0", "-1", "1.5", "1e3", "9223372036854775807", "9223372036854775808", "9" * 30, "-" + "9" * 30,
    "abc", "\x00", "1\x00", "9" * 5000, "0x10", "١",
]  # fmt: skip
CHOICES = ["unknown", "OPEN", "\x00", "x" * 5000, "' OR 1=1 --", "页"]
TEXTS = ["\x00", "a" * 5000, "%", "_", "\\", "电", "'; DROP TABLE complaints_complaint; --", "页" * 101]
CURSORS = [
    "garbage", "\x00", "a" * 10000, "页",
    _cursor({"k": ["9999-12-31T23:59:59.999999", 1], "d": "n"}),
    _cursor({"k": ["0001-01-01T00:00:00", 1], "d": "n"}),
    _cursor({"k": ["0001-01-01T00:00:00+00:00", 1], "d": "p"}),
    _cursor({"k": ["9999-12-31T23:59:59+00:00", 1], "d": "n"}),
    _cursor({"k": ["9999-12-31", 1], "d": "n"}),
    _cursor({"k": ["0001-01-01", 1], "d": "p"}),
    _cursor({"k": ["2026-01-01", 1], "d": "n"}),
    _cursor({"k": [AWARE, 2**64], "d": "n"}),
    _cursor({"k": [AWARE, -(2**64)], "d": "n"}),
    _cursor({"k": [AWARE, 1e308], "d": "n"}),
    _cursor('{"k": ["2026-01-01T00:00:00+00:00", 1e999], "d": "n"}'),
    _cursor({"k": [f"{AWARE}\x00", 1], "d": "n"}),
    _cursor({"k": [AWARE, "1\x00"], "d": "n"}),
    _cursor({"k": [["nested"], {"a": 1}], "d": "n"}),
    _cursor({"k": [None, None], "d": "n"}),
    _cursor({"k": [True, False], "d": "n"}),
    _cursor({"k": [AWARE, 1], "d": "x"}),
    _cursor({"k": "not a list", "d": "n"}),
    _cursor([]),
    _cursor("[" * 5000),
]  # fmt: skip
VALUES = {"date": DATES, "number": NUMBERS, "choice": CHOICES, "text": TEXTS, "cursor": CURSORS}

# Every sort pages by a time and the id; "deadline" by one that may be empty.
SORTED = [{"sort": "deadline"}]
DASHBOARD = {
    "q": ("text", []),
    "compound": ("number", []),
    "status": ("choice", []),
    "category": ("number", []),
    "service_area": ("number", []),
    "responsible": ("choice", []),
    "channel": ("choice", []),
    "due": ("choice", []),
    "submitted_from": ("date", [{"submitted_to": "2100-12-31"}]),
    "submitted_to": ("date", [{"submitted_from": "2000-01-01"}]),
    "sort": ("choice", []),
    "cursor": ("cursor", SORTED),
}
ARCHIVE = {
    "q": ("text", []),
    "compound": ("number", []),
    "kind": ("choice", []),
    "service_area": ("number", []),
    "happened_from": ("date", [{"happened_to": "2100-12-31"}]),
    "happened_to": ("date", [{"happened_from": "2000-01-01"}]),
    "cursor": ("cursor", [{"kind": "minutes"}]),
}
RECORD_ANALYSIS = {
    "compound": ("number", [{"year": "2026", "quarter": "3"}]),
    "year": ("number", [{"quarter": "3"}]),
    "quarter": ("choice", [{"year": "2026"}]),
}
FEEDBACK = {
    "q": ("text", []),
    "compound": ("number", []),
    "kind": ("choice", []),
    "status": ("choice", []),
    "service_area": ("number", []),
    "cursor": ("cursor", [{"status": "new"}]),
}
FEEDBACK_ANALYSIS = {
    "compound": ("number", [{"start": "2025Q1", "end": "2025Q4"}]),
    "start": ("choice", [{"end": "2025Q4"}]),
    "end": ("choice", [{"start": "2025Q1"}]),
}
# url name → (who can see the page, {parameter: (kind, other parameters each value is also tried with)})
LIST_VIEWS: dict[str, tuple[str, dict[str, tuple[str, list[dict[str, str]]]]]] = {
    "complaints:dashboard": ("committee", DASHBOARD),
    "complaints:export": ("committee", DASHBOARD),
    "complaints:export_xlsx": ("committee", DASHBOARD),
    "complaints:analysis": (
        "committee",
        {
            "compound": ("number", []),
            "start": ("date", [{"end": "2100-12-31"}]),
            "end": ("date", [{"start": "2000-01-01"}]),
        },
    ),
    "records:analysis": ("committee", RECORD_ANALYSIS),
    "records:analysis_csv": ("committee", RECORD_ANALYSIS),
    "complaints:mine": ("owner", {"cursor": ("cursor", [])}),
    "complaints:board": ("owner", {"cursor": ("cursor", [])}),
    "complaints:assigned": ("staff", {"cursor": ("cursor", [])}),
    "notification_list": ("owner", {"show": ("choice", []), "cursor": ("cursor", [{"show": "reminders"}])}),
    "reminder_list": (
        "committee",
        {
            "compound": ("number", []),
            "kind": ("choice", []),
            "state": ("choice", []),
            "cursor": ("cursor", [{"state": "sent"}, {"state": "cancelled", "kind": "reminder_complaint"}]),
        },
    ),
    "owner_application_list": (
        "committee",
        {"status": ("choice", []), "cursor": ("cursor", [{"status": "approved"}])},
    ),
    "inspections:inspection_list": (
        "committee",
        {"kind": ("choice", []), "cursor": ("cursor", [{"kind": "joint"}])},
    ),
    "inspections:notice_list": (
        "staff",
        {"show": ("choice", []), "cursor": ("cursor", [{"show": "verified"}])},
    ),
    "records:chain_verify": ("committee", {"compound": ("number", [])}),
    "records:chain_head_check": (
        "owner",
        {"hash": ("text", [{"compound": "1"}]), "compound": ("number", [{"hash": "a" * 64}])},
    ),
    "records:retention_list": (
        "committee",
        {"compound": ("number", []), "cursor": ("cursor", [{"compound": "1"}])},
    ),
    "login": ("anonymous", {"next": ("text", [])}),
    "records:record_list": ("committee", ARCHIVE),
    "records:record_export_csv": ("committee", ARCHIVE),
    "records:record_export_xlsx": ("committee", ARCHIVE),
    "feedback:entry_list": ("committee", FEEDBACK),
    "feedback:entry_mine": ("owner", {"cursor": ("cursor", [])}),
    "feedback:analysis": ("committee", FEEDBACK_ANALYSIS),
    "feedback:analysis_csv": ("committee", FEEDBACK_ANALYSIS),
    "feedback:survey_list": ("owner", {"cursor": ("cursor", [])}),
    "reports:report_list": ("committee", {"cursor": ("cursor", [])}),
    "feedback:callback_list": (
        "committee",
        {
            "compound": ("number", []),
            "status": ("choice", []),
            "mine": ("choice", []),
            "cursor": ("cursor", [{"status": "done"}, {"mine": "on"}]),
        },
    ),
    "mailintake:intake_list": (
        "committee",
        {
            "show": ("choice", [{"compound": "none"}]),
            "compound": ("number", [{"show": "recent"}]),
            "cursor": ("cursor", [{"show": "refused"}, {"show": "recent"}, {"compound": "none"}]),
        },
    ),
}
# Pages that read no query-string parameter at all.
NO_PARAMETERS = {
    "home",
    "healthz",
    "account",
    "apply",
    "apply_done",
    "password_change",
    "password_change_done",
    "password_reset",
    "password_reset_done",
    "password_reset_complete",
    "inspections:overview",
    "inspections:quarter",
    "inspections:inspection_create",
    "inspections:template_list",
    "inspections:plan_list",
    "complaints:new",
    "complaints:record",
    "records:handover_export",
    "records:record_upload",
    "feedback:entry_new",
    "feedback:survey_new",
}
# Actions (POST only) and pages that are not Django's to validate.
NOT_PAGES = {
    "logout",
    "set_language",
    "notifications_mark_all_read",
    "account_reminder_email",
    "binding_code_issue",
}


def _parameterless_pages(resolver: URLResolver, namespace: str = "") -> set[str]:
    names = set()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            # The admin is Django's; the API's parameters are checked against
            # its OpenAPI document by schemathesis (tests/api).
            if pattern.app_name == "admin" or (pattern.namespace or "").startswith("api-"):
                continue
            if not pattern.pattern.converters:
                prefix = f"{pattern.namespace}:" if pattern.namespace else namespace
                names |= _parameterless_pages(pattern, prefix)
        elif isinstance(pattern, URLPattern) and pattern.name and not pattern.pattern.converters:
            names.add(f"{namespace}{pattern.name}")
    return names


def test_every_page_without_path_arguments_is_in_the_hostile_table_or_reads_no_parameter():
    assert _parameterless_pages(get_resolver()) == set(LIST_VIEWS) | NO_PARAMETERS | NOT_PAGES


@pytest.fixture
def people(compound, committee_member, property_staff, owner):
    """Rows on every list, so the filters and cursors run against data."""
    complaint = complaint_services.complaint_submit(
        by=owner,
        compound=compound,
        category=Category.objects.get(code="facility_repair"),
        title="电梯门关不上",
        description="3号楼电梯门这周一直关不上。",
        unit=owner.owner_profile.units.get(),
    )
    complaint = complaint_services.complaint_accept(
        complaint=complaint,
        by=committee_member,
        seen_version=complaint.version,
        category=complaint.category,
        service_area=None,
        priority="normal",
    )
    complaint_services.complaint_assign(
        complaint=complaint,
        by=committee_member,
        seen_version=complaint.version,
        responsible_party="property_company",
        reason="共用设施由物业负责维修",
        assignee=compound.property_company,
    )
    inspection = inspection_services.inspection_create(
        compound=compound,
        kind=InspectionKind.AD_HOC,
        template=ChecklistTemplate.objects.get(compound__isnull=True),
        planned_on=date(2026, 11, 30),
        by=committee_member,
    )
    inspection = inspection_services.inspection_start(
        inspection=inspection, seen_version=inspection.version, by=committee_member
    )
    inspection_services.rectification_issue(
        compound=compound,
        by=committee_member,
        title="清理消防通道",
        description="3号楼消防通道堆放杂物",
        severity="critical",
        item=inspection.items.first(),
    )
    feedback_services.feedback_submit(
        by=owner, compound=compound, unit=None, kind="inquiry", service_area=complaint.service_area,
        title="电梯多久保养一次", body="想问问电梯保养的周期。", rating=None, name_shown_to_company=False,
    )  # fmt: skip
    # A replied complaint: its callback is on the callback list.
    replied = complaint_services.complaint_submit(
        by=owner,
        compound=compound,
        category=Category.objects.get(code="facility_repair"),
        title="水泵噪音",
        description="地下室水泵夜里很响。",
        unit=owner.owner_profile.units.get(),
    )
    for step in ("accept", "assign", "plan", "reply"):
        replied.refresh_from_db()
        if step == "accept":
            complaint_services.complaint_accept(
                complaint=replied, by=committee_member, seen_version=replied.version, category=replied.category,
                service_area=None, priority="normal",
            )  # fmt: skip
        elif step == "assign":
            complaint_services.complaint_assign(
                complaint=replied, by=committee_member, seen_version=replied.version,
                responsible_party="property_company", reason="设备由物业维护", assignee=compound.property_company,
            )  # fmt: skip
        elif step == "plan":
            complaint_services.complaint_plan(
                complaint=replied, by=property_staff, seen_version=replied.version, plan="更换减震垫"
            )
        else:
            complaint_services.complaint_reply(
                complaint=replied, by=property_staff, seen_version=replied.version, result="已更换减震垫"
            )
    # Mail waiting in the intake list: the compound's, and one to the shared address.
    from mailintake.services import message_ingest
    from tests.mailintake.test_services import eml

    message_ingest(raw=eml(sender="tenant@example.net", subject="楼上装修噪音"), compound=compound)
    message_ingest(raw=eml(sender="driver@example.net", subject="车位被占"))
    factories.OwnerApplicationFactory(unit=owner.owner_profile.units.get())
    assert OwnerApplication.objects.exists()
    return {"committee": committee_member, "staff": property_staff, "owner": owner}


def _cases() -> list[Any]:
    return [
        pytest.param(name, parameter, id=f"{name}-{parameter}")
        for name, (_role, parameters) in LIST_VIEWS.items()
        for parameter in parameters
    ]


@pytest.mark.parametrize(("name", "parameter"), _cases())
def test_hostile_values_get_a_page_or_400_never_a_500(people, name, parameter):
    role, parameters = LIST_VIEWS[name]
    kind, extras = parameters[parameter]
    client = Client() if role == "anonymous" else client_for(people[role])
    url = reverse(name)
    failures = []
    for extra in [{}, *extras]:
        for value in VALUES[kind]:
            query = {**extra, parameter: value}
            try:
                response = client.get(url, query)
                if getattr(response, "streaming", False):
                    # A download fails while streaming, after the headers.
                    b"".join(response.streaming_content)
            except Exception as error:
                failures.append(f"{query!r:.120}: {type(error).__name__}: {str(error)[:200]}")
                continue
            if response.status_code not in (200, 400):
                failures.append(f"{query!r:.120}: {response.status_code}")
    assert failures == []


def test_a_date_out_of_bounds_is_named_on_the_dashboard_and_left_out(people):
    response = client_for(people["committee"]).get(reverse("complaints:dashboard"), {"submitted_to": "9999-12-31"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "筛选条件“提交日期至”已忽略：请选择 2000-01-01 至 2100-12-31 之间的日期。" in page
    assert "电梯门关不上" in page


def test_an_analysis_period_out_of_bounds_shows_the_form_error(people):
    response = client_for(people["committee"]).get(
        reverse("complaints:analysis"), {"start": "0001-01-01", "end": "2026-12-31"}
    )
    assert response.status_code == 200
    assert "请选择 2000-01-01 至 2100-12-31 之间的日期。" in response.content.decode()


def test_a_forged_cursor_far_in_the_past_gives_the_first_page(people):
    forged = _cursor({"k": ["0001-01-01T00:00:00+08:00", 1], "d": "n"})
    response = client_for(people["owner"]).get(reverse("notification_list"), {"cursor": forged})
    assert response.status_code == 200
    page = response.content.decode()
    assert "该分页链接无效或已过期，已为您显示第一页。" in page
    assert "电梯门关不上" in page


def test_an_unknown_notice_filter_shows_the_open_notices(people):
    response = client_for(people["staff"]).get(reverse("inspections:notice_list"), {"show": "\x00"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "清理消防通道" in page


# --- pages under a path argument ----------------------------------------------------
# The table above holds the pages without path arguments (the test before it
# finds them all); these take the object they show from the rows `people`
# made, and get the same hostile values for every parameter they read.


def _open_survey(people: dict[str, Any]) -> list[int]:
    from django.utils import timezone

    from committee_site.models import ServiceArea
    from feedback.services import surveys as survey_services

    compound = people["owner"].owner_profile.units.get().building.compound
    today = timezone.localdate()
    survey = survey_services.survey_open(
        by=people["committee"], compound=compound, title="满意度测评", period_start=date(2026, 7, 1),
        period_end=date(2026, 9, 30), opens_on=today, closes_on=today,
        service_areas=ServiceArea.objects.filter(code="cleaning"),
    )  # fmt: skip
    return [survey.pk]


PATH_VIEWS: dict[
    str, tuple[str, Callable[[dict[str, Any]], list[int]], dict[str, tuple[str, list[dict[str, str]]]]]
] = {
    # The paper survey forms: `building` is the building of the form entered last.
    "feedback:survey_paper": ("committee", _open_survey, {"building": ("number", [])}),
}


def _path_cases() -> list[Any]:
    return [
        pytest.param(name, parameter, id=f"{name}-{parameter}")
        for name, (_role, _args, parameters) in PATH_VIEWS.items()
        for parameter in parameters
    ]


@pytest.mark.parametrize(("name", "parameter"), _path_cases())
def test_hostile_values_on_pages_under_a_path_argument_get_a_page_never_a_500(people, name, parameter):
    role, args, parameters = PATH_VIEWS[name]
    kind, extras = parameters[parameter]
    client = client_for(people[role])
    url = reverse(name, args=args(people))
    failures = []
    for extra in [{}, *extras]:
        for value in VALUES[kind]:
            query = {**extra, parameter: value}
            try:
                response = client.get(url, query)
            except Exception as error:
                failures.append(f"{query!r:.120}: {type(error).__name__}: {str(error)[:200]}")
                continue
            if response.status_code not in (200, 400):
                failures.append(f"{query!r:.120}: {response.status_code}")
    assert failures == []
