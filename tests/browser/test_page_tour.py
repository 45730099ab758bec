"""Every page of the foundation, as each role sees it, in both languages on
a phone and a desktop: it loads, shows no browser error (CSP violations
included), axe-core finds no serious or critical accessibility violation on
it, and it leaves a screenshot under var/screenshots/ to look at."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from committee_site.models import Compound, OwnerApplication, User
from tests.browser.axe import axe_violations
from tests.browser.conftest import DESKTOP, PHONE, session_cookie

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LANGUAGES = {"zh-hans": "zh-CN", "en": "en-GB"}


def _complaint_in_progress():
    from committee_site.uploads import image_reencode
    from complaints import services
    from complaints.models import Category
    from tests.complaints.conftest import drive
    from tests.conftest import jpeg_bytes

    owner = User.objects.get(username="owner")
    unit = owner.owner_profile.units.get()
    photo = image_reencode(SimpleUploadedFile("p.jpg", jpeg_bytes(), content_type="image/jpeg"))
    complaint = services.complaint_submit(
        by=owner, compound=unit.building.compound, category=Category.objects.get(code="facility_repair"),
        title="电梯经常停在 12 楼不动", description="这周已经三次了，老人上下楼很不方便。", unit=unit, photos=[photo],
    )  # fmt: skip
    complaint = drive(
        complaint,
        "in_progress",
        committee=User.objects.get(username="committee"),
        staff=User.objects.get(username="staff"),
    )
    services.complaint_progress(
        complaint=complaint, by=User.objects.get(username="staff"), seen_version=complaint.version,
        note="已联系电梯维保公司，明天上午更换控制板。", visible_to_owner=False,
    )  # fmt: skip
    return complaint


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_every_page_renders_cleanly_for_every_role(new_page, shots, live_server, language):
    call_command("seed_demo", stdout=io.StringIO())
    User.objects.update(language=language)
    compound = Compound.objects.get()
    application = OwnerApplication.objects.filter(status="pending").first()
    # A complaint in the middle of its handling, with an intake photo and an internal note.
    complaint = _complaint_in_progress()
    detail = f"/complaints/{complaint.pk}/"
    tour = {
        None: ["/accounts/login/", "/accounts/apply/", "/accounts/apply/done/", "/accounts/password/reset/",
               "/accounts/password/reset/sent/"],
        "owner": ["/", "/accounts/", f"/compounds/{compound.pk}/", "/notifications/", "/accounts/password/change/",
                  "/applications/", "/compounds/999999/", "/complaints/", "/complaints/new/", "/complaints/board/",
                  detail],
        "committee": ["/", "/applications/", f"/applications/{application.pk}/", "/applications/?status=approved",
                      "/complaints/record/", "/complaints/board/", detail,
                      f"{detail}rectification/"],
        "staff": ["/", detail],
        "officer": ["/", detail],
        "admin": ["/", "/admin/", "/admin/committee_site/timelimits/"],
    }  # fmt: skip
    expected_status = {"/applications/": {"owner": 403}, "/compounds/999999/": {"owner": 404}}
    # The complaints dashboard, its filtered list, the analysis with its charts and the staff queue.
    tour["committee"] += ["/complaints/dashboard/", "/complaints/dashboard/?status=open&sort=deadline",
                          "/complaints/analysis/"]  # fmt: skip
    tour["officer"] += ["/complaints/dashboard/", "/complaints/analysis/"]
    tour["staff"] += ["/complaints/assigned/"]
    tour["owner"] += ["/complaints/dashboard/"]
    expected_status["/complaints/dashboard/"] = {"owner": 403}
    # Inspections: the demo's year of rounds, this quarter's joint one, the notices.
    from inspections.models import ChecklistTemplate, Inspection, RectificationNotice

    joint = Inspection.objects.filter(kind="joint").order_by("-planned_on").first()
    notice = RectificationNotice.objects.order_by("-pk").first()
    template = ChecklistTemplate.objects.order_by("pk").first()
    inspection_pages = ["/inspections/", "/inspections/all/", "/inspections/quarter/", "/inspections/notices/"]
    tour["committee"] += [*inspection_pages, f"/inspections/{joint.pk}/", f"/inspections/{joint.pk}/print/",
                          f"/inspections/notices/{notice.pk}/", "/inspections/plans/", "/inspections/templates/",
                          f"/inspections/templates/{template.pk}/"]  # fmt: skip
    tour["staff"] += ["/inspections/notices/", f"/inspections/notices/{notice.pk}/", f"/inspections/{joint.pk}/"]
    tour["officer"] += ["/inspections/quarter/", f"/inspections/{joint.pk}/"]
    # The archive: a closed complaint's record, the corrected minutes, the committee's tools.
    from records.models import ArchiveRecord, RecordPublication

    case = ArchiveRecord.objects.filter(kind="complaint").order_by("-sequence").first()
    corrected = ArchiveRecord.objects.filter(amends__isnull=False).first()
    published = RecordPublication.objects.filter(scope="compound").first()
    tour["committee"] += ["/records/", "/records/?q=电梯", f"/records/{case.pk}/", f"/records/{corrected.pk}/",
                          f"/records/{corrected.amends_id}/", "/records/new/", "/records/analysis/"]  # fmt: skip
    tour["staff"] += ["/records/", f"/records/{case.pk}/", "/records/analysis/"]
    tour["committee"] += ["/records/chain/verify/", "/records/chain/head/", "/records/retention/"]
    tour["officer"] += ["/records/", f"/records/{case.pk}/", "/records/chain/verify/"]
    tour["owner"] += ["/records/", f"/records/{published.record_id}/", "/records/chain/head/"]
    # The archive's handover page.
    tour["committee"] += ["/records/handover/"]
    # Feedback: callbacks, owners' own feedback, the surveys, the analysis.
    from feedback.models import Callback, FeedbackEntry, Survey

    pending = Callback.objects.filter(status="pending").order_by("due_at").first()
    called = Callback.objects.filter(status="unsolved").order_by("-done_at").first()
    fresh = FeedbackEntry.objects.filter(status="new").order_by("-created_at").first()
    answered = FeedbackEntry.objects.filter(status="answered", author__username="owner").first()
    hidden = FeedbackEntry.objects.filter(name_shown_to_company=False).order_by("-created_at").first()
    running = Survey.objects.order_by("-opens_at").first()
    closed = Survey.objects.order_by("-opens_at")[1]
    tour["committee"] += ["/feedback/callbacks/", f"/feedback/callbacks/{pending.pk}/",
                          f"/feedback/callbacks/{called.pk}/", "/feedback/entries/", f"/feedback/entries/{fresh.pk}/",
                          "/feedback/surveys/", "/feedback/surveys/new/", f"/feedback/surveys/{running.pk}/",
                          f"/feedback/surveys/{running.pk}/paper/", f"/feedback/surveys/{closed.pk}/results/",
                          "/feedback/analysis/"]  # fmt: skip
    tour["owner"] += ["/feedback/surveys/", f"/feedback/surveys/{running.pk}/",
                      f"/feedback/surveys/{closed.pk}/results/", "/feedback/entries/new/", "/feedback/entries/mine/",
                      f"/feedback/entries/{answered.pk}/"]  # fmt: skip
    tour["staff"] += [
        "/feedback/entries/",
        f"/feedback/entries/{hidden.pk}/",
        f"/feedback/surveys/{closed.pk}/results/",
    ]
    tour["officer"] += ["/feedback/callbacks/", "/feedback/analysis/", f"/feedback/surveys/{closed.pk}/results/"]
    # Reminders: the committee's list of its compound's, and everyone's own on the notifications page.
    tour["committee"] += ["/reminders/", "/reminders/?state=sent", "/reminders/?state=cancelled",
                          "/notifications/?show=reminders", "/accounts/"]  # fmt: skip
    tour["owner"] += ["/reminders/", "/notifications/?show=reminders"]
    tour["staff"] += ["/reminders/"]
    expected_status["/reminders/"] = {"owner": 403, "staff": 403}
    # The quarterly reports: the published one (charts included) and the draft waiting for approval.
    from reports.models import QuarterlyReport

    report = QuarterlyReport.objects.filter(status="published").get()
    draft = QuarterlyReport.objects.filter(status="draft").get()
    tour["committee"] += ["/reports/", f"/reports/{draft.pk}/", f"/reports/{report.pk}/"]
    tour["owner"] += ["/reports/", f"/reports/{report.pk}/"]
    tour["staff"] += ["/reports/", f"/reports/{report.pk}/"]
    tour["officer"] += [f"/reports/{report.pk}/"]
    violations: list[str] = []
    for role, urls in tour.items():
        for viewport_name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
            page = new_page(viewport=viewport, locale=LANGUAGES[language])
            if role:
                page.context.add_cookies([session_cookie(role, live_server.url)])
            for url in urls:
                status = expected_status.get(url, {}).get(role, 200)
                response = page.goto(url)
                assert response.status == status, (role, url)
                if status != 200:
                    # The browser reports the page's own status as an error; that one is expected.
                    page.js_errors[:] = [e for e in page.js_errors if f"status of {status}" not in e and url not in e]
                assert page.locator("html").get_attribute("lang") == language
                # Neither the site nor the admin shows a warning or error on a plain visit; the
                # analysis's flag of the service areas under the 80 % line is its content.
                alerts = ".alert-danger, .alert-warning:not([data-testid=below-line-alert]), .messagelist .warning"
                assert page.locator(alerts).count() == 0, url
                if url.startswith("/compounds/") and status == 200:
                    assert "电梯每15日维护保养一次" in page.locator("main").inner_text()
                slug = url.strip("/").replace("/", "_").replace("?", "_") or "home"
                shots.take(page, f"{role or 'anonymous'}-{slug}-{viewport_name}-{language}")
                violations += [f"{role or 'anonymous'}, {viewport_name}: {v}" for v in axe_violations(page)]
            assert page.js_errors == [], (role, page.js_errors)
    assert violations == [], "\n".join(violations)
