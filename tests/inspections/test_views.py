from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from committee_site.models import Notification
from committee_site.uploads import image_reencode
from inspections import services
from inspections.models import (
    ChecklistTemplate,
    Inspection,
    InspectionItem,
    InspectionPlan,
    Participant,
    RectificationNotice,
    SigningParty,
)
from tests import factories
from tests.conftest import client_for, jpeg_bytes
from tests.inspections.conftest import answer_all
from tests.snapshot import db_rows

pytestmark = pytest.mark.django_db


def _photo():
    return image_reencode(SimpleUploadedFile("p.jpg", jpeg_bytes(), content_type="image/jpeg"))


@pytest.fixture
def world(joint, random_check, committee_member, property_staff, officer, owner, other_committee_member):
    item = joint.items.get(text="安全出口、消防通道畅通")
    services.inspection_item_record(item=item, by=committee_member, deduction=4, note="通道堵塞", photos=[_photo()])
    notice = services.rectification_issue(
        compound=joint.compound,
        by=committee_member,
        title="清理通道",
        description="通道堵塞",
        severity="critical",
        item=item,
    )
    notice = services.rectification_submit(
        notice=notice, seen_version=notice.version, by=property_staff, note="已清理", photos=[_photo()]
    )
    return {
        "joint": joint,
        "random": random_check,
        "item": item,
        "random_item": random_check.items.first(),
        "notice": notice,
        "event": notice.events.get(action="submit"),
        "participant": joint.participants.get(user=officer),
        "office_party": joint.parties.get(party="community_office"),
        "committee_party": joint.parties.get(party="committee"),
        "template": joint.template,
        "section": joint.template.sections.first(),
        "plan": services.inspection_plan_create(
            compound=joint.compound,
            template=joint.template,
            kind="joint",
            recurrence="quarterly",
            day_of_period=20,
            lead=committee_member,
            by=committee_member,
        ),
        "users": {
            "committee": committee_member,
            "staff": property_staff,
            "officer": officer,
            "owner": owner,
            "other": other_committee_member,
        },
    }


# (url name, object key, expected status per role)
GETS = [
    (
        "inspections:inspection_detail",
        "joint",
        {"committee": 200, "staff": 200, "officer": 200, "owner": 403, "other": 404},
    ),
    (
        "inspections:inspection_detail",
        "random",
        {"committee": 200, "staff": 403, "officer": 403, "owner": 403, "other": 404},
    ),
    (
        "inspections:inspection_print",
        "joint",
        {"committee": 200, "staff": 200, "officer": 200, "owner": 403, "other": 404},
    ),
    (
        "inspections:inspection_print",
        "random",
        {"committee": 200, "staff": 403, "officer": 403, "owner": 403, "other": 404},
    ),
    (
        "inspections:notice_detail",
        "notice",
        {"committee": 200, "staff": 200, "officer": 403, "owner": 403, "other": 404},
    ),
    (
        "inspections:template_detail",
        "template",
        {"committee": 200, "staff": 403, "officer": 403, "owner": 403, "other": 200},
    ),
]


@pytest.mark.parametrize(("name", "key", "expected"), GETS)
@pytest.mark.parametrize("role", ["committee", "staff", "officer", "owner", "other"])
def test_object_pages_are_scoped_by_compound_and_role(world, name, key, expected, role):
    response = client_for(world["users"][role]).get(reverse(name, args=[world[key].pk]))
    assert response.status_code == expected[role]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("inspections:overview", {"committee": 200, "staff": 302, "officer": 302, "owner": 403, "other": 200}),
        ("inspections:inspection_list", {"committee": 200, "staff": 200, "officer": 200, "owner": 403, "other": 200}),
        ("inspections:quarter", {"committee": 200, "staff": 200, "officer": 200, "owner": 403, "other": 200}),
        ("inspections:notice_list", {"committee": 200, "staff": 200, "officer": 403, "owner": 403, "other": 200}),
        ("inspections:template_list", {"committee": 200, "staff": 403, "officer": 403, "owner": 403, "other": 200}),
        ("inspections:plan_list", {"committee": 200, "staff": 403, "officer": 403, "owner": 403, "other": 200}),
        ("inspections:inspection_create", {"committee": 200, "staff": 403, "officer": 403, "owner": 403, "other": 200}),
    ],
)
@pytest.mark.parametrize("role", ["committee", "staff", "officer", "owner", "other"])
def test_list_pages_need_a_role_that_sees_inspections(world, name, expected, role):
    assert client_for(world["users"][role]).get(reverse(name)).status_code == expected[role]


def test_lists_show_only_what_the_user_may_see(world):
    staff_list = client_for(world["users"]["staff"]).get(reverse("inspections:inspection_list"))
    assert [i.pk for i in staff_list.context["page"].items] == [world["joint"].pk]
    other = client_for(world["users"]["other"]).get(reverse("inspections:notice_list"))
    assert other.context["page"].items == []


@pytest.mark.parametrize(
    ("name", "key", "expected"),
    [
        (
            "inspections:item_photo",
            "item",
            {"committee": 200, "staff": 200, "officer": 200, "owner": 403, "other": 404},
        ),
        (
            "inspections:event_photo",
            "event",
            {"committee": 200, "staff": 200, "officer": 403, "owner": 403, "other": 404},
        ),
    ],
)
@pytest.mark.parametrize("role", ["committee", "staff", "officer", "owner", "other"])
def test_photo_downloads_check_access(world, name, key, expected, role):
    response = client_for(world["users"][role]).get(reverse(name, args=[world[key].pk, 0]))
    assert response.status_code == expected[role]
    if response.status_code == 200:
        assert response["Content-Type"] == "image/jpeg"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Disposition"].startswith("inline;")


def test_photo_index_out_of_range_is_404(world):
    client = client_for(world["users"]["committee"])
    assert client.get(reverse("inspections:item_photo", args=[world["item"].pk, 5])).status_code == 404


@pytest.fixture
def stages(world, compound, committee_member, property_staff, default_template):
    """Objects in the state each action starts from, besides the world's."""
    planned = services.inspection_create(
        compound=compound,
        kind="scheduled",
        template=default_template,
        planned_on=date(2026, 12, 1),
        by=committee_member,
    )
    answer_all(world["random"], committee_member)
    signing = services.inspection_create(
        compound=compound, kind="joint", template=default_template, planned_on=date(2026, 11, 20), by=committee_member
    )
    signing = services.inspection_start(inspection=signing, by=committee_member, seen_version=1)
    answer_all(signing, committee_member)
    signing = services.inspection_complete(inspection=signing, by=committee_member, seen_version=signing.version)
    open_notice = services.rectification_issue(
        compound=compound, by=committee_member, title="更换灭火器", description="2号楼灭火器过期", severity="general"
    )
    acknowledged = services.rectification_issue(
        compound=compound, by=committee_member, title="修补路面", description="东门路面破损", severity="general"
    )
    acknowledged = services.rectification_acknowledge(notice=acknowledged, by=property_staff, seen_version=1)
    return {
        **world,
        "planned": planned,
        "answered": world["random"],
        "signing_committee": signing.parties.get(party="committee"),
        "signing_office": signing.parties.get(party="community_office"),
        "open_notice": open_notice,
        "acknowledged": acknowledged,
    }


def _started(world, user):
    inspection = Inspection.objects.get(pk=world["planned"].pk)
    assert (inspection.status, inspection.version, inspection.lead) == ("in_progress", 2, user)
    assert inspection.items.filter(extra=False).count() == 33


def _recorded(world, user):
    item = InspectionItem.objects.get(pk=world["item"].pk)
    assert (item.deduction, item.note, item.updated_by) == (1, "已改善", user)


def _finding(world, user):
    finding = InspectionItem.objects.get(inspection=world["joint"], extra=True)
    assert (finding.text, finding.deduction, finding.updated_by) == ("垃圾桶破损", 0, user)


def _completed(world, user):
    inspection = Inspection.objects.get(pk=world["answered"].pk)
    assert (inspection.status, inspection.score, inspection.summary) == ("completed", 100, "良好")


def _attendance(world, user):
    assert Participant.objects.get(pk=world["participant"].pk).attended is False


def _signed(party_key):
    def check(world, user):
        party = SigningParty.objects.get(pk=world[party_key].pk)
        assert (party.status, party.signed_by, party.version) == ("signed", user, 2)

    return check


def _absent(world, user):
    party = SigningParty.objects.get(pk=world["signing_office"].pk)
    assert (party.status, party.absent_reason, party.signed_by) == ("absent", "社区开会", user)


def _issued(world, user):
    notice = RectificationNotice.objects.get(item=world["item"], title="再次清理")
    assert (notice.status, notice.created_by, notice.organisation) == (
        "open",
        user,
        world["joint"].compound.property_company,
    )
    told = Notification.objects.filter(recipient=world["users"]["staff"]).order_by("-id").first()
    assert (told.kind, told.url) == ("rectification_issued", reverse("inspections:notice_detail", args=[notice.pk]))


def _notice_moved(key, status, action, told, kind):
    def check(world, user):
        notice = RectificationNotice.objects.get(pk=world[key].pk)
        assert notice.status == status
        event = notice.events.order_by("-id").first()
        assert (event.action, event.actor) == (action, user)
        told_now = Notification.objects.filter(recipient=world["users"][told]).order_by("-id").first()
        assert (told_now.kind, told_now.url) == (kind, reverse("inspections:notice_detail", args=[notice.pk]))

    return check


def _copied(world, user):
    copy = ChecklistTemplate.objects.get(compound=world["joint"].compound, copied_from=world["template"])
    assert copy.sections.count() == world["template"].sections.count()


def _plan_stopped(world, user):
    assert InspectionPlan.objects.get(pk=world["plan"].pk).active is False


# url name, object key, valid data, the role that may, its effect, and what the others get.
POSTS = [
    ("inspections:inspection_start", "planned", {"version": 1}, "committee", _started,
     {"staff": 403, "officer": 403, "owner": 403, "other": 404}),
    ("inspections:item_record", "item", {"deduction": 1, "note": "已改善"}, "committee", _recorded,
     {"staff": 403, "officer": 403, "owner": 403, "other": 404}),
    ("inspections:finding_add", "joint", {"text": "垃圾桶破损", "note": ""}, "committee", _finding,
     {"staff": 403, "officer": 403, "owner": 403, "other": 404}),
    ("inspections:inspection_complete", "answered", {"version": 2, "summary": "良好"}, "committee", _completed,
     {"staff": 403, "officer": 403, "owner": 403, "other": 404}),
    ("inspections:attendance", "participant", {"attended": "0"}, "committee", _attendance,
     {"staff": 403, "officer": 403, "owner": 403, "other": 404}),
    ("inspections:party_sign", "signing_office", {"version": 1, "dissent": ""}, "officer", _signed("signing_office"),
     {"committee": 403, "staff": 403, "owner": 403, "other": 404}),
    ("inspections:party_sign", "signing_committee", {"version": 1}, "committee", _signed("signing_committee"),
     {"staff": 403, "officer": 403, "owner": 403, "other": 404}),
    ("inspections:party_absent", "signing_office", {"version": 1, "reason": "社区开会"}, "committee", _absent,
     {"staff": 403, "officer": 403, "owner": 403, "other": 404}),
    ("inspections:notice_issue", "item", {"title": "再次清理", "description": "通道仍有杂物", "severity": "general"},
     "committee", _issued, {"staff": 403, "officer": 403, "owner": 403, "other": 404}),
    ("inspections:notice_acknowledge", "open_notice", {"version": 1, "note": "明天更换"}, "staff",
     _notice_moved("open_notice", "in_progress", "acknowledge", "committee", "rectification_acknowledged"),
     {"committee": 403, "officer": 403, "owner": 403, "other": 404}),
    ("inspections:notice_progress", "acknowledged", {"version": 2, "note": "已开挖"}, "staff",
     _notice_moved("acknowledged", "in_progress", "progress", "committee", "rectification_progress"),
     {"committee": 403, "officer": 403, "owner": 403, "other": 404}),
    ("inspections:notice_submit", "acknowledged", {"version": 2, "note": "已修补"}, "staff",
     _notice_moved("acknowledged", "awaiting_review", "submit", "committee", "rectification_submitted"),
     {"committee": 403, "officer": 403, "owner": 403, "other": 404}),
    ("inspections:notice_verify", "notice", {"version": 2, "note": "合格"}, "committee",
     _notice_moved("notice", "verified", "verify", "staff", "rectification_verified"),
     {"staff": 403, "officer": 403, "owner": 403, "other": 404}),
    ("inspections:notice_fail", "notice", {"version": 2, "note": "仍有杂物"}, "committee",
     _notice_moved("notice", "failed", "fail", "staff", "rectification_failed"),
     {"staff": 403, "officer": 403, "owner": 403, "other": 404}),
    ("inspections:template_copy", "template", {"compound": "compound"}, "committee", _copied,
     {"staff": 403, "officer": 403, "owner": 403}),
    ("inspections:plan_deactivate", "plan", {}, "committee", _plan_stopped,
     {"staff": 403, "officer": 403, "owner": 403, "other": 404}),
]  # fmt: skip


def _payload(stages, data):
    return {key: stages["joint"].compound.pk if value == "compound" else value for key, value in data.items()}


@pytest.mark.parametrize(("name", "key", "data", "allowed", "effect", "refused"), POSTS)
def test_each_action_is_refused_to_other_roles_and_compounds_and_changes_nothing(
    stages, name, key, data, allowed, effect, refused
):
    clients = {role: client_for(stages["users"][role]) for role in refused}
    before = db_rows()
    for role, status in refused.items():
        response = clients[role].post(reverse(name, args=[stages[key].pk]), _payload(stages, data))
        assert response.status_code == status, role
    assert db_rows() == before


@pytest.mark.parametrize(("name", "key", "data", "allowed", "effect", "refused"), POSTS)
def test_each_action_taken_by_its_role_does_what_it_says(stages, name, key, data, allowed, effect, refused):
    user = stages["users"][allowed]
    response = client_for(user).post(reverse(name, args=[stages[key].pk]), _payload(stages, data), follow=True)
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["success"], [
        str(m) for m in response.context["messages"]
    ]
    effect(stages, user)


@pytest.mark.parametrize(
    "name", ["inspections:inspection_detail", "inspections:notice_list", "inspections:quarter", "inspections:overview"]
)
def test_actions_need_post(world, name):
    client = client_for(world["users"]["committee"])
    assert client.post(reverse("inspections:item_photo", args=[world["item"].pk, 0])).status_code == 405
    assert client.get(reverse("inspections:item_record", args=[world["item"].pk])).status_code == 405
    assert client.get(reverse("inspections:notice_verify", args=[world["notice"].pk])).status_code == 405


# --- conducting on the page -----------------------------------------------------


def test_item_saves_itself_through_htmx_and_returns_the_row(random_check, committee_member):
    item = random_check.items.get(text="车辆停放有序")
    response = client_for(committee_member).post(
        reverse("inspections:item_record", args=[item.pk]),
        {
            "deduction": "2",
            "note": "<script>alert(1)</script>",
            "photos": SimpleUploadedFile("a.jpg", jpeg_bytes(), "image/jpeg"),
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    # Only the state and the photos come back, so what is being typed elsewhere in the row stays.
    assert "已保存。" in html
    assert f'id="item-photos-{item.pk}" hx-swap-oob="true"' in html
    assert 'data-testid="item-photo"' in html
    assert 'name="note"' not in html
    assert '<span id="live-score" hx-swap-oob="true">98</span>' in html
    assert '<span id="live-answered" hx-swap-oob="true">1 / 33</span>' in html
    item.refresh_from_db()
    assert (item.deduction, item.answered, len(item.photos)) == (2, True, 1)
    page = client_for(committee_member).get(reverse("inspections:inspection_detail", args=[random_check.pk]))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.content.decode()
    assert "<script>alert(1)" not in page.content.decode()


def test_item_saves_without_javascript_and_comes_back_to_the_item(random_check, committee_member):
    item = random_check.items.get(text="车辆停放有序")
    response = client_for(committee_member).post(
        reverse("inspections:item_record", args=[item.pk]), {"deduction": "0", "note": "良好"}
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"#item-{item.pk}")
    item.refresh_from_db()
    assert item.answered
    assert item.note == "良好"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"deduction": "9", "note": ""}, "本项最多可扣 3 分。"),
        ({"deduction": "-1", "note": ""}, "确保该值大于或等于0"),
        ({"deduction": "abc", "note": ""}, "输入整数"),
    ],
)
def test_item_bad_input_is_explained_and_nothing_saved(random_check, committee_member, data, message):
    item = random_check.items.get(text="车辆停放有序")
    response = client_for(committee_member).post(
        reverse("inspections:item_record", args=[item.pk]), data, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    item.refresh_from_db()
    assert not item.answered


def test_fake_image_is_refused_with_a_message(random_check, committee_member):
    item = random_check.items.first()
    response = client_for(committee_member).post(
        reverse("inspections:item_record", args=[item.pk]),
        {"deduction": "0", "photos": SimpleUploadedFile("evil.jpg", b"<html>not a photo</html>", "image/jpeg")},
        follow=True,
    )
    assert "不是照片" in response.content.decode()
    item.refresh_from_db()
    assert item.photos == []
    assert not item.answered


def test_saving_on_a_completed_inspection_says_so(random_check, committee_member):
    answer_all(random_check, committee_member)
    services.inspection_complete(inspection=random_check, seen_version=random_check.version, by=committee_member)
    item = random_check.items.first()
    response = client_for(committee_member).post(
        reverse("inspections:item_record", args=[item.pk]), {"deduction": "1"}, HTTP_HX_REQUEST="true"
    )
    assert "已不在进行中" in response.content.decode()
    item.refresh_from_db()
    assert item.deduction == 0


def test_complete_with_a_stale_page_saves_nothing(random_check, committee_member):
    answer_all(random_check, committee_member)
    client = client_for(committee_member)
    response = client.post(
        reverse("inspections:inspection_complete", args=[random_check.pk]),
        {"version": random_check.version + 5, "summary": "x"},
        follow=True,
    )
    assert f"在此期间{committee_member}已处理该检查" in response.content.decode()
    assert "开始了检查。您的操作未保存，请查看页面后重试。" in response.content.decode()
    random_check.refresh_from_db()
    assert random_check.status == "in_progress"


def test_complete_with_unanswered_items_is_refused(random_check, committee_member):
    response = client_for(committee_member).post(
        reverse("inspections:inspection_complete", args=[random_check.pk]),
        {"version": random_check.version},
        follow=True,
    )
    assert "还有 33 项未检查" in response.content.decode()


def test_complete_through_the_page_shows_the_score(random_check, committee_member):
    answer_all(random_check, committee_member, {"垃圾分类落实": 3})
    client = client_for(committee_member)
    response = client.post(
        reverse("inspections:inspection_complete", args=[random_check.pk]),
        {"version": random_check.version, "summary": "<b>总结</b>"},
        follow=True,
    )
    html = response.content.decode()
    assert "检查已完成。" in html
    assert 'data-testid="score">97' in html
    assert "优秀" in html
    assert "&lt;b&gt;总结&lt;/b&gt;" in html


def test_raise_notice_from_a_finding_and_act_on_it(random_check, committee_member, property_staff, mailoutbox):
    item = random_check.items.get(text="公共区域每日清扫")
    services.inspection_item_record(item=item, by=committee_member, deduction=2, note="楼道脏")
    committee = client_for(committee_member)
    response = committee.post(
        reverse("inspections:notice_issue", args=[item.pk]),
        {"title": "清扫楼道", "description": "2号楼楼道", "severity": "general"},
    )
    notice = RectificationNotice.objects.get()
    assert response["Location"] == reverse("inspections:notice_detail", args=[notice.pk])
    staff = client_for(property_staff)
    staff.post(reverse("inspections:notice_acknowledge", args=[notice.pk]), {"version": notice.version, "note": ""})
    notice.refresh_from_db()
    assert notice.status == "in_progress"
    # A stale form (the version before the acknowledgement) is refused.
    response = staff.post(
        reverse("inspections:notice_submit", args=[notice.pk]),
        {"version": notice.version - 1, "note": "done"},
        follow=True,
    )
    assert f"在此期间{property_staff}已处理该整改通知单" in response.content.decode()
    assert "签收了整改通知单。您的操作未保存" in response.content.decode()
    staff.post(
        reverse("inspections:notice_submit", args=[notice.pk]),
        {
            "version": notice.version,
            "note": "已清扫",
            "photos": SimpleUploadedFile("e.jpg", jpeg_bytes(), "image/jpeg"),
        },
    )
    notice.refresh_from_db()
    assert notice.status == "awaiting_review"
    response = committee.post(
        reverse("inspections:notice_fail", args=[notice.pk]),
        {"version": notice.version, "note": "仍有垃圾", "deadline": "2001-01-01T10:00"},
        follow=True,
    )
    assert "整改期限必须晚于当前时间" in response.content.decode()
    committee.post(reverse("inspections:notice_verify", args=[notice.pk]), {"version": notice.version, "note": "合格"})
    notice.refresh_from_db()
    assert notice.status == "verified"
    assert len(notice.events.get(action="submit").photos) == 1


def test_joint_signing_through_the_pages(joint, committee_member, property_staff, officer):
    answer_all(joint, committee_member)
    client_for(committee_member).post(
        reverse("inspections:inspection_complete", args=[joint.pk]), {"version": joint.version}
    )
    for user, party in [(committee_member, "committee"), (property_staff, "property_company")]:
        client_for(user).post(
            reverse("inspections:party_sign", args=[joint.parties.get(party=party).pk]), {"version": 1, "dissent": ""}
        )
    response = client_for(officer).post(
        reverse("inspections:party_sign", args=[joint.parties.get(party="community_office").pk]),
        {"version": 1, "dissent": "<i>扣分偏少</i>"},
        follow=True,
    )
    html = response.content.decode()
    assert "已代表社区居委会签字。" in html
    assert "&lt;i&gt;扣分偏少&lt;/i&gt;" in html
    joint.refresh_from_db()
    assert joint.status == "completed"


def test_bad_cursor_and_unknown_filter_fall_back_to_the_first_page(world):
    client = client_for(world["users"]["committee"])
    response = client.get(reverse("inspections:inspection_list"), {"cursor": "garbage", "kind": "nonsense"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "筛选条件无效" in html
    assert "该分页链接无效或已过期，已为您显示第一页。" in html


def test_create_random_check_and_start_it(compound, committee_member, default_template):
    client = client_for(committee_member)
    response = client.post(
        reverse("inspections:inspection_create"),
        {
            "compound": compound.pk,
            "kind": "ad_hoc",
            "template": default_template.pk,
            "planned_on": "2026-11-30",
            "title": "夜间抽查",
        },
    )
    inspection = Inspection.objects.get()
    assert response["Location"] == reverse("inspections:inspection_detail", args=[inspection.pk])
    client.post(reverse("inspections:inspection_start", args=[inspection.pk]), {"version": inspection.version})
    assert InspectionItem.objects.filter(inspection=inspection).count() == 33


def test_create_refuses_another_compound(compound, other_compound, committee_member, default_template):
    response = client_for(committee_member).post(
        reverse("inspections:inspection_create"),
        {"compound": other_compound.pk, "kind": "ad_hoc", "template": default_template.pk, "planned_on": "2026-11-30"},
    )
    assert response.status_code == 400
    assert Inspection.objects.count() == 0


def test_template_copy_and_item_edit_through_the_pages(compound, committee_member, default_template):
    client = client_for(committee_member)
    response = client.post(reverse("inspections:template_copy", args=[default_template.pk]), {"compound": compound.pk})
    copy = default_template.__class__.objects.get(compound=compound)
    assert response["Location"] == reverse("inspections:template_detail", args=[copy.pk])
    section = copy.sections.get(name="绿化养护")
    item = section.items.get(text="绿植修剪及时")
    response = client.post(
        reverse("inspections:template_item_edit", args=[section.pk, item.pk]),
        {"text": "绿植按季修剪", "text_en": "Pruned each season", "points": "9", "critical": ""},
    )
    assert response.status_code == 400
    assert "超过该类别的 5 分" in response.content.decode()
    client.post(
        reverse("inspections:template_item_edit", args=[section.pk, item.pk]),
        {"text": "绿植按季修剪", "text_en": "Pruned each season", "points": "2"},
    )
    item.refresh_from_db()
    assert item.text == "绿植按季修剪"
    # The site-wide template stays the administrator's.
    site_section = default_template.sections.first()
    assert client.get(reverse("inspections:template_item_add", args=[site_section.pk])).status_code == 403


def test_plan_form_creates_the_upcoming_inspections(compound, committee_member, default_template):
    response = client_for(committee_member).post(
        reverse("inspections:plan_list"),
        {
            "compound": compound.pk,
            "kind": "scheduled",
            "recurrence": "monthly",
            "day_of_period": "28",
            "template": default_template.pk,
        },
        follow=True,
    )
    assert response.status_code == 200
    assert Inspection.objects.filter(plan__compound=compound, planned_on__gte=date(2026, 11, 28)).exists()


# --- cost: a fixed number of queries, whatever the number of rows ---------------


def _grow(compound, committee_member, default_template, count):
    for n in range(count):
        inspection = services.inspection_create(
            compound=compound,
            kind="ad_hoc",
            template=default_template,
            planned_on=date(2026, 1 + n % 11, 1),
            by=committee_member,
        )
        inspection = services.inspection_start(
            inspection=inspection, seen_version=inspection.version, by=committee_member
        )
        item = inspection.items.first()
        services.inspection_item_record(item=item, by=committee_member, deduction=1, note="")
        answer_all(inspection, committee_member, {item.text: 1})
        services.inspection_complete(inspection=inspection, seen_version=inspection.version, by=committee_member)
        services.rectification_issue(
            compound=compound, by=committee_member, title=f"整改{n}", description="x", severity="general", item=item
        )


def _count(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    ("name", "who"),
    [
        ("inspections:overview", "committee"),
        ("inspections:inspection_list", "committee"),
        ("inspections:quarter", "officer"),
        ("inspections:notice_list", "staff"),
        ("inspections:template_list", "committee"),
        ("inspections:plan_list", "committee"),
    ],
)
def test_list_pages_cost_the_same_with_few_and_many_rows(
    compound, committee_member, property_staff, officer, default_template, name, who
):
    users = {"committee": committee_member, "staff": property_staff, "officer": officer}
    client = client_for(users[who])
    _grow(compound, committee_member, default_template, 1)
    few = _count(client, reverse(name))
    _grow(compound, committee_member, default_template, 6)
    services.inspection_create(
        compound=compound, kind="joint", template=default_template, planned_on=date(2026, 11, 30), by=committee_member
    )
    client = client_for(users[who])
    many = _count(client, reverse(name))
    assert few == many


def test_detail_and_notice_pages_cost_the_same_with_few_and_many_rows(world, committee_member, property_staff):
    joint, notice = world["joint"], world["notice"]
    client = client_for(committee_member)
    few_detail = _count(client, reverse("inspections:inspection_detail", args=[joint.pk]))
    few_notice = _count(client, reverse("inspections:notice_detail", args=[notice.pk]))
    for item in joint.items.all()[:10]:
        services.inspection_item_record(item=item, by=committee_member, deduction=1, note="n", photos=[_photo()])
        services.rectification_issue(
            compound=joint.compound, by=committee_member, title="t", description="d", severity="general", item=item
        )
    for _n in range(3):
        factories.member_of(joint.compound.property_company, role="property_staff")
    notice = services.rectification_fail(notice=notice, seen_version=notice.version, by=committee_member, note="no")
    notice = services.rectification_acknowledge(notice=notice, seen_version=notice.version, by=property_staff)
    for n in range(5):
        services.rectification_progress(notice=notice, by=property_staff, note=f"第{n}步", seen_version=notice.version)
        notice.refresh_from_db()
    client = client_for(committee_member)
    assert _count(client, reverse("inspections:inspection_detail", args=[joint.pk])) == few_detail
    assert _count(client, reverse("inspections:notice_detail", args=[notice.pk])) == few_notice


def test_verifying_an_open_notice_through_the_page_explains_why_not(notice, committee_member):
    response = client_for(committee_member).post(
        reverse("inspections:notice_verify", args=[notice.pk]), {"version": notice.version, "note": ""}, follow=True
    )
    assert response.status_code == 200
    assert "该整改通知单当前为“待整改”，不能进行这一步。" in response.content.decode()
    notice.refresh_from_db()
    assert notice.status == "open"


def test_notifications_are_in_each_recipients_language(random_check, committee_member, mailoutbox):
    english_staff = factories.member_of(
        random_check.compound.property_company, role="property_staff", username="english", language="en"
    )
    chinese_staff = factories.member_of(
        random_check.compound.property_company, role="property_staff", username="chinese"
    )
    notice = services.rectification_issue(
        compound=random_check.compound,
        by=committee_member,
        title="清理消防通道",
        description="通道堵塞",
        severity="critical",
    )
    english = english_staff.notifications.get()
    chinese = chinese_staff.notifications.get()
    assert english.title == f"Rectification notice {notice.reference}: 清理消防通道"
    assert "issues a rectification notice (Critical hazard)" in english.body
    assert chinese.title == f"整改通知单 {notice.reference}：清理消防通道"
    assert "下发整改通知单（重大隐患）" in chinese.body
    assert english.url == reverse("inspections:notice_detail", args=[notice.pk])


@pytest.mark.parametrize(("role", "status"), [("committee", 200), ("staff", 403), ("owner", 403), ("other", 404)])
def test_template_item_editing_is_for_the_compounds_committee(world, role, status):
    copy = services.checklist_template_copy(
        template=world["template"], compound=world["joint"].compound, by=world["users"]["committee"]
    )
    section = copy.sections.first()
    item = section.items.first()
    client = client_for(world["users"][role])
    assert client.get(reverse("inspections:template_item_edit", args=[section.pk, item.pk])).status_code == status
    response = client.post(
        reverse("inspections:template_item_edit", args=[section.pk, item.pk]), {"text": "改", "points": "1"}
    )
    assert response.status_code == (302 if status == 200 else status)
    item.refresh_from_db()
    assert (item.text == "改") == (status == 200)


# --- reaching what to sign ---------------------------------------------------------------


def _signing(joint, committee_member):
    answer_all(joint, committee_member)
    return services.inspection_complete(inspection=joint, by=committee_member, seen_version=joint.version)


def test_each_party_finds_the_record_to_sign_on_its_home_page_until_it_signs(
    joint, committee_member, property_staff, officer
):
    signing = _signing(joint, committee_member)
    detail = reverse("inspections:inspection_detail", args=[signing.pk]) + "#signatures"
    for person in (committee_member, property_staff, officer):
        page = client_for(person).get(reverse("home")).content.decode()
        assert "等待您签字的联合检查" in page, person
        assert detail in page, person
    staff_party = signing.parties.get(party="property_company")
    services.signing_party_sign(party=staff_party, by=property_staff, seen_version=staff_party.version)
    assert "等待您签字的联合检查" not in client_for(property_staff).get(reverse("home")).content.decode()
    assert detail in client_for(officer).get(reverse("home")).content.decode()


def test_joint_page_lists_what_waits_for_my_signature(joint, committee_member, property_staff, owner):
    signing = _signing(joint, committee_member)
    response = client_for(property_staff).get(reverse("inspections:quarter"))
    assert [party.inspection_id for party in response.context["to_sign"]] == [signing.pk]
    assert [p.party for p in response.context["to_sign"]] == ["property_company"]
    assert 'data-testid="to-sign-row"' in response.content.decode()


def test_an_inspection_still_being_conducted_waits_for_nobodys_signature(joint, property_staff, officer):
    for person in (property_staff, officer):
        assert client_for(person).get(reverse("home")).context["to_sign"] == []


@pytest.mark.parametrize(
    ("who", "present", "absent"),
    [
        ("committee_member", ["nav-inspections-overview", "nav-joint", "nav-notices"], []),
        ("property_staff", ["nav-joint", "nav-notices"], ["nav-inspections-overview"]),
        ("officer", ["nav-joint"], ["nav-notices", "nav-inspections-overview"]),
        ("owner", [], ["nav-inspections", "nav-joint"]),
    ],
)
def test_inspections_menu_opens_what_each_role_works_on(request, who, present, absent):
    page = client_for(request.getfixturevalue(who)).get(reverse("home")).content.decode()
    for testid in present:
        assert f'data-testid="{testid}"' in page, testid
    for testid in absent:
        assert f'data-testid="{testid}"' not in page, testid


def test_home_costs_the_same_whatever_the_number_of_records_to_sign(
    compound, committee_member, property_staff, officer, default_template
):
    def home_queries():
        with CaptureQueriesContext(connection) as captured:
            client_for(property_staff).get(reverse("home"))
        return len(captured)

    def add_signing():
        inspection = services.inspection_create(
            compound=compound,
            kind="joint",
            template=default_template,
            planned_on=date(2026, 11, 2),
            by=committee_member,
        )
        inspection = services.inspection_start(inspection=inspection, by=committee_member, seen_version=1)
        _signing(inspection, committee_member)

    add_signing()
    few = home_queries()
    for _ in range(7):
        add_signing()
    assert home_queries() == few
