"""The first entry of a complaint's timeline says where the complaint came
from, for the owner and for the committee, in each reader's language; it is
said from the channel when the page is shown, so it is never stored."""

import re

import pytest
from django.urls import reverse

from api.services import api_client_create, binding_code_issue, front_identity_bind
from complaints import services
from complaints.models import Category, ComplaintEvent
from tests import factories
from tests.complaints.conftest import file_complaint
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def _first_entry(user, complaint, language):
    """The first timeline entry of the complaint page as the user reads it: who did what, and its note."""
    user.language = language
    user.save(update_fields=["language"])
    page = client_for(user).get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    entry = page.split('data-testid="timeline-event">')[1].split("</li>")[0]
    said = re.search(r'<span class="fw-semibold">(.*?)</span> (.*?)</span>', entry)
    note = re.search(r'<div class="small pre-line mt-1">(.*?)</div>', entry, re.S)
    assert said is not None
    return said.group(2), note.group(1) if note else None


def _record(committee, owner, channel):
    unit = owner.owner_profile.units.get()
    return services.complaint_submit(
        by=committee, compound=unit.building.compound, category=Category.objects.get(code="noise"),
        title="楼上夜里装修", description="晚上十点后还在电钻。", unit=unit, channel=channel, complainant=owner,
    )  # fmt: skip


def test_a_web_complaint_says_it_came_through_the_website(owner, committee_member):
    complaint = file_complaint(owner)
    for user in (owner, committee_member):
        assert _first_entry(user, complaint, "zh-hans") == ("提交了投诉", "通过网站提交")
        assert _first_entry(user, complaint, "en") == ("submitted the complaint", "Submitted through the website")
    # Said when shown, never written into the event.
    assert ComplaintEvent.objects.get(complaint=complaint).note == ""


@pytest.mark.parametrize(
    ("channel", "chinese", "english"),
    [
        ("phone", "由业委会根据电话记录", "Recorded by the committee from a phone call"),
        ("letter", "由业委会根据来信记录", "Recorded by the committee from a letter"),
        ("visit", "由业委会根据来访记录", "Recorded by the committee from a visit"),
        ("email", "由业委会根据投诉邮箱来信记录", "Recorded by the committee from a message to the complaints mailbox"),
    ],
)
def test_a_recorded_complaint_says_what_the_committee_recorded_it_from(
    owner, committee_member, channel, chinese, english
):
    complaint = _record(committee_member, owner, channel)
    for user in (owner, committee_member):
        assert _first_entry(user, complaint, "zh-hans") == ("代业主登记了投诉", chinese)
        assert _first_entry(user, complaint, "en") == ("recorded the complaint for the owner", english)


@pytest.mark.parametrize(
    ("channel", "chinese", "english"),
    [
        ("email", "通过投诉邮箱提交", "Submitted by e-mail to the complaints mailbox"),
        ("wechat", "通过微信公众号提交", "Submitted through the WeChat official account"),
    ],
)
def test_a_complaint_the_owner_sent_says_how(owner, committee_member, channel, chinese, english):
    complaint = file_complaint(owner, channel=channel, complainant=owner)
    for user in (owner, committee_member):
        assert _first_entry(user, complaint, "zh-hans") == ("提交了投诉", chinese)
        assert _first_entry(user, complaint, "en") == ("submitted the complaint", english)


def test_an_older_complaint_tells_it_too_and_a_stored_note_stays(owner, committee_member):
    complaint = _record(committee_member, owner, "phone")
    # An event written before the timeline said anything, with a note of its own.
    ComplaintEvent.objects.filter(complaint=complaint).update(note="业主下午来电")
    assert _first_entry(committee_member, complaint, "en") == (
        "recorded the complaint for the owner",
        "Recorded by the committee from a phone call\n业主下午来电",
    )
    assert ComplaintEvent.objects.get(complaint=complaint).note == "业主下午来电"


def test_the_api_s_owner_timeline_carries_it_in_the_first_event_s_note(client, owner, compound):
    admin = factories.UserFactory.create(is_superuser=True, is_staff=True)
    issued = api_client_create(by=admin, name="业主之家公众号", compounds=[compound])
    front_identity_bind(client=issued.client, openid="oOWNER", code=binding_code_issue(user=owner).code)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {issued.token}", "HTTP_X_OPENID": "oOWNER"}
    unit = owner.owner_profile.units.get()
    payload = {"where": f"unit:{unit.pk}", "category": Category.objects.get(code="facility_repair").pk,
               "title": "电梯门关不上", "description": "3号楼电梯门这周一直关不上。"}  # fmt: skip
    filed = client.post("/api/v1/complaints", payload, content_type="application/json", **headers).json()
    events = client.get(f"/api/v1/complaints/{filed['id']}", **headers).json()["events"]
    assert [(event["action"], event["note"]) for event in events] == [("submit", "通过微信公众号提交")]
