"""The committee's intake list of the complaint mailbox (待处理邮件): who
sees which messages, the filters and the pages, one message's page, and the
two decisions on a waiting message, recorded for an owner or discarded."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from complaints.models import Category, Channel, Complaint
from mailintake.models import InboundMessage, Status
from mailintake.services import message_ingest
from tests import factories
from tests.conftest import client_for
from tests.floods import assert_flood_refused
from tests.mailintake.test_services import eml, jpeg
from tests.snapshot import db_rows

pytestmark = pytest.mark.django_db

LIST = reverse("mailintake:intake_list")


def detail(message: InboundMessage) -> str:
    return reverse("mailintake:intake_detail", args=[message.pk])


def waiting(compound=None, *, sender="tenant@example.net", subject="楼上装修噪音", body="楼上每天晚上十一点还在装修。"):
    message = message_ingest(raw=eml(sender=sender, subject=subject, body=body), compound=compound).message
    assert message.status == Status.WAITING
    return message


def refused(compound=None):
    message = message_ingest(raw=b"Subject: =?bogus?Q?x?=\r\n\r\nno sender\r\n", compound=compound).message
    if compound is not None:
        InboundMessage.objects.filter(pk=message.pk).update(compound=compound)
    assert message.status == Status.REFUSED
    return message


def subjects(response) -> list[str]:
    return [message.subject for message in response.context["page"].items]


# --- who sees what -------------------------------------------------------------------


def test_intake_list_shows_the_committee_the_waiting_messages_with_their_preview(compound, committee_member):
    message = waiting(compound)
    response = client_for(committee_member).get(LIST)
    assert response.status_code == 200
    assert subjects(response) == ["楼上装修噪音"]
    page = response.content.decode()
    assert "楼上每天晚上十一点还在装修。" in page
    assert "tenant@example.net" in page
    assert detail(message) in page
    # In Chinese, the member's language.
    assert '<h1 class="h3 mb-2">投诉邮箱</h1>' in page
    assert '待处理 <span class="small fw-normal text-body-secondary">最新的在前</span>' in page
    assert "全部（含未归属小区）" in page
    detail_page = client_for(committee_member).get(detail(message)).content.decode()
    assert "代为登记投诉" in detail_page
    assert "舍弃来信" in detail_page
    assert "发件人" in detail_page


def test_intake_list_another_compounds_member_sees_none_of_its_mail(compound, other_committee_member):
    message = waiting(compound)
    client = client_for(other_committee_member)
    assert subjects(client.get(LIST)) == []
    assert subjects(client.get(LIST, {"show": "recent"})) == []
    assert client.get(detail(message)).status_code == 404
    for action in ("mailintake:intake_record", "mailintake:intake_discard"):
        before = db_rows()
        assert client.post(reverse(action, args=[message.pk]), {"discard-version": message.version}).status_code == 404
        assert db_rows() == before


def test_intake_list_unassigned_mail_is_seen_by_members_of_any_committee(
    compound, committee_member, other_committee_member
):
    """Mail to the site's shared address belongs to no compound yet: every
    committee sees it, and the compound filter picks it out."""
    waiting(compound, subject="阳光花园的信")
    unassigned = waiting(None, sender="someone@example.net", subject="不知道哪个小区")
    assert subjects(client_for(committee_member).get(LIST)) == ["不知道哪个小区", "阳光花园的信"]
    assert subjects(client_for(other_committee_member).get(LIST)) == ["不知道哪个小区"]
    assert subjects(client_for(committee_member).get(LIST, {"compound": "none"})) == ["不知道哪个小区"]
    assert subjects(client_for(committee_member).get(LIST, {"compound": str(compound.pk)})) == ["阳光花园的信"]
    assert client_for(other_committee_member).get(detail(unassigned)).status_code == 200


@pytest.mark.parametrize("who", ["owner", "property_staff", "officer"])
def test_intake_list_is_the_committees_only(request, compound, who):
    message = waiting(compound)
    unassigned = waiting(None, sender="x@example.net")
    client = client_for(request.getfixturevalue(who))
    assert client.get(LIST).status_code == 403
    assert client.get(detail(message)).status_code == 404
    assert client.get(detail(unassigned)).status_code == 404
    before = db_rows()
    response = client.post(reverse("mailintake:intake_discard", args=[message.pk]), {"discard-version": 2})
    assert response.status_code == 404
    assert db_rows() == before


def test_intake_list_refused_and_recent_filters(compound, committee_member):
    now = timezone.now()
    with time_machine.travel(now - timedelta(days=40), tick=False):
        waiting(compound, subject="很久以前的信")
    with time_machine.travel(now - timedelta(days=2), tick=False):
        bad = refused(compound)
        message_ingest(raw=eml(sender="x@example.net", headers={"Auto-Submitted": "auto-replied"}, subject="自动回复"))
    with time_machine.travel(now - timedelta(days=1), tick=False):
        waiting(compound, subject="最近的信")
    client = client_for(committee_member)
    assert subjects(client.get(LIST)) == ["最近的信", "很久以前的信"]
    response = client.get(LIST, {"show": "refused"})
    assert [m.pk for m in response.context["page"].items] == [bad.pk]
    assert bad.reason in response.content.decode()
    assert subjects(client.get(LIST, {"show": "recent"})) == ["最近的信", "自动回复", "x"]


def test_intake_list_bad_filter_values_are_named_and_left_out(compound, committee_member):
    waiting(compound)
    response = client_for(committee_member).get(LIST, {"show": "everything", "compound": "abc", "x": "1"})
    assert response.status_code == 200
    assert subjects(response) == ["楼上装修噪音"]
    page = response.content.decode()
    assert "筛选条件“查看”已忽略" in page
    assert "未知的筛选条件已忽略：“x”。" in page


def test_intake_list_pages_by_keyset_newest_first(compound, committee_member):
    start = timezone.now() - timedelta(days=3)
    for i in range(27):
        with time_machine.travel(start + timedelta(minutes=i), tick=False):
            waiting(compound, sender=f"s{i}@example.net", subject=f"第{i}封")
    client = client_for(committee_member)
    first = client.get(LIST)
    assert subjects(first) == [f"第{i}封" for i in range(26, 1, -1)]
    page = first.context["page"]
    second = client.get(LIST, {"cursor": page.next_cursor})
    assert subjects(second) == ["第1封", "第0封"]
    assert not second.context["page"].has_next
    back = client.get(LIST, {"cursor": second.context["page"].previous_cursor})
    assert subjects(back) == subjects(first)


@pytest.mark.parametrize("rows", [3, 30])
def test_intake_list_and_message_cost_a_fixed_number_of_queries(
    compound, committee_member, django_assert_num_queries, rows
):
    for i in range(rows):
        waiting(compound if i % 2 else None, sender=f"s{i}@example.net", subject=f"第{i}封")
    message = InboundMessage.objects.filter(compound=compound).latest("pk")
    client = client_for(committee_member)
    # session, user, access (memberships, compounds, owner profile), badges (2), the compounds, the page
    with django_assert_num_queries(9):
        response = client.get(LIST)
    assert len(response.context["page"].items) == min(rows, 25)
    with django_assert_num_queries(9):
        client.get(LIST, {"show": "recent"})
    # session, user, access (3), badges (2), the message, the record form's categories (one or more?, all)
    with django_assert_num_queries(10):
        client.get(detail(message))
    # the same, and the compounds it may be recorded in (one or more?, and twice in rendering the select)
    unassigned = InboundMessage.objects.filter(compound=None).latest("pk")
    with django_assert_num_queries(13):
        client.get(detail(unassigned))


# --- one message -----------------------------------------------------------------------


def test_intake_detail_shows_the_text_escaped_and_the_attachment_names(compound, committee_member):
    raw = eml(
        sender="tenant@example.net",
        subject="车位被占<script>",
        body="我的车位 B2-017 天天被别人占用。<b>请处理</b>",
        attachments=[(jpeg(), "image", "jpeg", "车位.jpg"), (b"%PDF-1.4", "application", "pdf", "合同.pdf")],
    )
    message = message_ingest(raw=raw, compound=compound).message
    response = client_for(committee_member).get(detail(message))
    page = response.content.decode()
    assert response.status_code == 200
    assert "车位被占&lt;script&gt;" in page
    assert "我的车位 B2-017 天天被别人占用。&lt;b&gt;请处理&lt;/b&gt;" in page
    assert "车位.jpg" in page
    assert "合同.pdf" in page
    assert 'data-testid="record-form"' in page
    assert 'data-testid="discard-form"' in page


def test_intake_detail_of_a_refused_message_has_no_forms_and_says_why(compound, committee_member):
    message = refused(compound)
    page = client_for(committee_member).get(detail(message)).content.decode()
    assert message.reason in page
    assert 'data-testid="inbound-unreadable"' in page
    assert "record-form" not in page


# --- recording -------------------------------------------------------------------------


def _record(client, message, **fields):
    data = {"record-version": message.version, "record-category": Category.objects.get(code="noise").pk}
    data |= {f"record-{name}": value for name, value in fields.items()}
    return client.post(reverse("mailintake:intake_record", args=[message.pk]), data)


def test_intake_record_files_the_complaint_for_the_owner_found_by_unit(compound, committee_member, owner):
    message = waiting(compound)
    client = client_for(committee_member)
    response = _record(client, message, owner_query="1-101")
    complaint = Complaint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("complaints:detail", args=[complaint.pk])
    assert (complaint.complainant, complaint.channel, complaint.category.code) == (owner, Channel.EMAIL, "noise")
    assert complaint.title == "楼上装修噪音"
    assert complaint.description == "楼上每天晚上十一点还在装修。"
    assert complaint.unit == owner.owner_profile.units.get()
    message.refresh_from_db()
    assert (message.status, message.complaint) == (Status.RECORDED, complaint)
    page = client.get(response["Location"]).content.decode()
    assert f"来信已登记为{owner}的投诉 {complaint.reference}。" in page
    # It left the waiting list; its page links the complaint.
    assert subjects(client_for(committee_member).get(LIST)) == []
    assert complaint.reference in client_for(committee_member).get(detail(message)).content.decode()


def test_intake_record_unassigned_message_goes_to_the_members_compound(compound, committee_member, owner):
    message = waiting(None)
    response = _record(client_for(committee_member), message, owner_query=owner.first_name, compound=compound.pk)
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.compound == compound
    assert Complaint.objects.get().compound == compound


def test_intake_record_several_owners_match_then_one_is_chosen(compound, committee_member):
    first = factories.owner_in(compound, building="2", unit="301", username="wang1", first_name="王芳")
    factories.owner_in(compound, building="2", unit="302", username="wang2", first_name="王芳芳")
    message = waiting(compound)
    client = client_for(committee_member)
    response = _record(client, message, owner_query="王芳")
    assert response.status_code == 400
    assert "有多位业主符合，请选择一位。" in response.content.decode()
    assert not Complaint.objects.exists()
    response = _record(client, message, owner_query="王芳", owner=first.pk)
    assert response.status_code == 302
    assert Complaint.objects.get().complainant == first


def test_intake_record_nobody_matching_is_a_form_error(compound, committee_member, owner, other_compound):
    stranger = factories.owner_in(other_compound, building="9", unit="909", username="far", first_name="远方")
    message = waiting(compound)
    client = client_for(committee_member)
    before = db_rows()
    response = _record(client, message, owner_query=stranger.first_name)
    assert response.status_code == 400
    assert "本小区没有符合“远方”的已核实业主。" in response.content.decode()
    assert db_rows() == before


def test_intake_record_with_a_stale_version_is_refused_with_a_message(compound, committee_member, owner):
    message = waiting(compound)
    seen = message.version
    client = client_for(committee_member)
    assert _record(client, message, owner_query="1-101").status_code == 302
    again = client.post(
        reverse("mailintake:intake_record", args=[message.pk]),
        {
            "record-version": seen,
            "record-category": Category.objects.get(code="noise").pk,
            "record-owner_query": "1-101",
        },
        follow=True,
    )
    assert Complaint.objects.count() == 1
    assert again.redirect_chain == [(detail(message), 302)]
    assert "您的操作未保存" in again.content.decode()


# --- discarding ------------------------------------------------------------------------


def test_intake_discard_drops_the_message_with_the_reason(compound, committee_member):
    message = waiting(compound, subject="优惠广告")
    client = client_for(committee_member)
    url = reverse("mailintake:intake_discard", args=[message.pk])
    response = client.post(url, {"discard-version": message.version, "discard-reason": "广告"}, follow=True)
    assert response.redirect_chain == [(LIST, 302)]
    assert "来信“优惠广告”已舍弃。" in response.content.decode()
    message.refresh_from_db()
    assert (message.status, message.reason) == (Status.DISCARDED, "广告")
    assert subjects(client.get(LIST)) == []
    # A second discard, from a page seen before: refused with a message, nothing changed.
    again = client.post(url, {"discard-version": message.version - 1}, follow=True)
    assert again.redirect_chain == [(detail(message), 302)]
    message.refresh_from_db()
    assert message.status == Status.DISCARDED


def test_intake_pages_render_in_english(compound, committee_member):
    committee_member.language = "en"
    committee_member.save(update_fields=["language"])
    message = waiting(compound)
    client = client_for(committee_member)
    assert "Waiting for a decision" in client.get(LIST).content.decode()
    page = client.get(detail(message)).content.decode()
    assert "Record as a complaint" in page
    assert "Discard the message" in page


# --- floods ----------------------------------------------------------------------------


def test_intake_record_flood_gets_429(settings, compound, committee_member, owner):
    messages = [waiting(compound, sender=f"f{i}@example.net") for i in range(4)]
    client = client_for(committee_member)

    def send(i, language):
        return _record(client, messages[i], owner_query="1-101")

    def speak(language):
        type(committee_member).objects.filter(pk=committee_member.pk).update(language=language)

    assert_flood_refused(settings, "record", send, speak=speak)


def test_intake_discard_flood_gets_429(settings, compound, committee_member):
    messages = [waiting(compound, sender=f"f{i}@example.net") for i in range(4)]
    client = client_for(committee_member)

    def send(i, language):
        url = reverse("mailintake:intake_discard", args=[messages[i].pk])
        return client.post(url, {"discard-version": messages[i].version})

    def speak(language):
        type(committee_member).objects.filter(pk=committee_member.pk).update(language=language)

    assert_flood_refused(settings, "step", send, speak=speak)


def test_intake_record_offers_at_most_ten_owners_and_asks_for_more_of_the_name(compound, committee_member):
    for i in range(12):
        factories.owner_in(compound, building="4", unit=f"{i + 1}01", username=f"li{i}", first_name=f"李{i}")
    message = waiting(compound)
    response = _record(client_for(committee_member), message, owner_query="李")
    assert response.status_code == 400
    assert len(response.context["record_form"].fields["owner"].choices) == 10
    assert "符合的业主超过 10 位：请选择一位，或输入更完整的姓名或房号。" in response.content.decode()
    assert not Complaint.objects.exists()
