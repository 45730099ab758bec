"""The feedback journey, in each language: an owner answers the open
satisfaction survey and leaves a suggestion on a phone; a committee member
answers the suggestion and calls the owner back about a replied complaint,
finds it not solved, and so reopens it; the owner sees the answer and the
reopened complaint."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from committee_site.models import ServiceArea
from complaints.models import Complaint, Status
from feedback.models import Callback, FeedbackEntry, SurveyAnswer
from feedback.services import surveys
from tests import factories
from tests.browser.conftest import PHONE
from tests.complaints.conftest import file_complaint

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = {
    "zh-hans": {
        "locale": "zh-CN",
        "thanks": "谢谢您：3号楼1502室的答卷已记录。",
        "very_satisfied": "非常满意",
        "fairly": "比较满意",
        "suggestion": "建议",
        "area": "环境卫生",
        "title": "建议增设旧电池回收箱",
        "body": "希望在垃圾分类点旁边放一个旧电池回收箱。",
        "answer": "已请物业下周在东门分类点增设回收箱。",
        "not_solved": "否，未解决",
        "callback_note": "门还是关不严，晚上有风声。",
        "in_progress": "处理中",
        "answered": "已答复",
    },
    "en": {
        "locale": "en-GB",
        "thanks": "Thank you: the answer of Building 3, unit 1502 is recorded.",
        "very_satisfied": "Very satisfied",
        "fairly": "Fairly satisfied",
        "suggestion": "Suggestion",
        "area": "Cleaning",
        "title": "A bin for old batteries",
        "body": "Please put a bin for used batteries next to the sorting station.",
        "answer": "The company will put one at the east gate next week.",
        "not_solved": "No, not solved",
        "callback_note": "The door still does not close; it rattles at night.",
        "in_progress": "In progress",
        "answered": "Answered",
    },
}


def _sign_in(page, username):
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", factories.PASSWORD)
    page.get_by_test_id("login-submit").click()


@pytest.mark.parametrize("language", list(WORDS))
def test_owner_answers_and_suggests_committee_answers_and_a_callback_reopens(new_page, shots, language):
    words = WORDS[language]
    compound = factories.CompoundFactory(name="阳光花园", name_en="Sunny Garden")
    chair = factories.member_of(
        compound.committee, role="committee_chair", username="chair", first_name="张伟", language=language
    )
    staff = factories.member_of(compound.property_company, role="property_staff", username="fixer", first_name="刘洋")
    owner = factories.owner_in(
        compound, building="3", unit="1502", username="liming", first_name="李明", language=language
    )
    # Last week's complaint, replied to two days ago: its callback is waiting.
    with time_machine.travel(timezone.now() - timedelta(days=6), tick=False):
        complaint = file_complaint(owner, title="单元门关不上", description="3号楼单元门的闭门器坏了，门关不上。")
    from tests.complaints.conftest import drive

    with time_machine.travel(timezone.now() - timedelta(days=2), tick=False):
        drive(complaint, Status.RESOLVED, committee=chair, staff=staff)
    callback = Callback.objects.get(complaint=complaint)
    areas = ServiceArea.objects.filter(code__in=["cleaning", "security", "maintenance"])
    today = timezone.localdate()
    survey = surveys.survey_open(
        by=chair, compound=compound, title="第四季度物业服务满意度测评", period_start=today.replace(day=1),
        period_end=today, opens_on=today, closes_on=today + timedelta(days=14), service_areas=areas,
    )  # fmt: skip

    # The owner, on a phone: the survey first.
    owner_page = new_page(viewport=PHONE, locale=words["locale"])
    _sign_in(owner_page, "liming")
    owner_page.goto("/feedback/surveys/")
    shots.take(owner_page, f"owner-surveys-phone-{language}")
    owner_page.get_by_test_id("survey-answer-link").click()
    questions = owner_page.get_by_test_id("survey-question")
    assert questions.count() == 3
    for index in range(3):
        label = words["very_satisfied"] if index else words["fairly"]
        questions.nth(index).get_by_text(label, exact=True).click()
    shots.take(owner_page, f"owner-survey-answer-phone-{language}")
    owner_page.get_by_test_id("survey-submit").click()
    assert words["thanks"] in owner_page.locator(".alert-success.alert-dismissible").inner_text()
    answer = SurveyAnswer.objects.get(survey=survey)
    assert sorted(answer.scores.values_list("score", flat=True)) == [3, 5, 5]

    # Then a suggestion.
    owner_page.goto("/feedback/entries/new/")
    owner_page.get_by_label(words["suggestion"], exact=True).check()
    owner_page.select_option("#id_service_area", label=words["area"])
    owner_page.fill("#id_title", words["title"])
    owner_page.fill("#id_body", words["body"])
    shots.take(owner_page, f"owner-suggestion-phone-{language}")
    owner_page.get_by_test_id("feedback-submit").click()
    entry = FeedbackEntry.objects.get()
    assert owner_page.get_by_test_id("entry-title").inner_text() == words["title"]

    # The committee member, on a desktop, answers it.
    chair_page = new_page(locale=words["locale"])
    _sign_in(chair_page, "chair")
    chair_page.goto("/feedback/entries/")
    shots.take(chair_page, f"committee-feedback-list-{language}")
    chair_page.get_by_role("link", name=words["title"]).click()
    chair_page.fill("#id_answer-answer", words["answer"])
    chair_page.get_by_test_id("submit-answer").click()
    assert chair_page.get_by_test_id("entry-status").inner_text() == words["answered"]
    entry.refresh_from_db()
    assert (entry.status, entry.answer) == ("answered", words["answer"])

    # Then the callback: reached, not solved.
    chair_page.goto("/feedback/callbacks/")
    shots.take(chair_page, f"committee-callbacks-{language}")
    chair_page.get_by_role("link", name="单元门关不上").click()
    form = chair_page.get_by_test_id("callback-record-form")
    form.get_by_label(words["not_solved"]).check()
    form.locator("select").select_option("2")
    form.locator("textarea").fill(words["callback_note"])
    shots.take(chair_page, f"committee-callback-record-{language}")
    form.get_by_test_id("submit-record").click()
    callback.refresh_from_db()
    complaint.refresh_from_db()
    assert (callback.status, callback.satisfaction) == ("unsolved", 2)
    assert complaint.status == Status.IN_PROGRESS
    assert complaint.resolve_due_at > timezone.now()

    # The owner sees the answer, and the complaint back in progress with the callback's words.
    owner_page.goto("/feedback/entries/mine/")
    assert words["answer"] in owner_page.get_by_test_id("my-feedback-answer").inner_text()
    shots.take(owner_page, f"owner-my-feedback-phone-{language}")
    owner_page.goto(f"/complaints/{Complaint.objects.get().pk}/")
    assert owner_page.get_by_test_id("complaint-status").inner_text() == words["in_progress"]
    assert words["callback_note"] in owner_page.locator("body").inner_text()
    shots.take(owner_page, f"owner-complaint-reopened-phone-{language}")
    assert owner_page.js_errors == []
    assert chair_page.js_errors == []
