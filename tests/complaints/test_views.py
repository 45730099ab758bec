"""The complaint pages as each role meets them: what they see, what they may
do, and what happens when the input is bad."""

import warnings

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from committee_site.models import Notification
from committee_site.uploads import image_reencode
from complaints import services
from complaints.models import TRANSITIONS, Category, Complaint, ComplaintPhoto, Publication, Status
from tests import factories
from tests.complaints.conftest import drive, file_complaint
from tests.conftest import client_for, jpeg_bytes
from tests.images import uniform_png
from tests.snapshot import db_rows

pytestmark = pytest.mark.django_db


def _photo(name="photo.jpg", data=None):
    return SimpleUploadedFile(name, data if data is not None else jpeg_bytes(), content_type="image/jpeg")


def _step(client, complaint, action, **data):
    payload = {f"{action}-{key}": value for key, value in data.items()}
    payload.setdefault(f"{action}-version", complaint.version)
    return client.post(reverse(f"complaints:{action}", args=[complaint.pk]), payload)


def _media_files():
    root = default_storage.location
    import os

    return sorted(os.path.join(d, f) for d, _dirs, files in os.walk(root) for f in files)


# --- intake ---------------------------------------------------------------------------


def test_owner_files_with_a_photo_and_gets_the_reference_everywhere(
    owner, committee_member, mailoutbox, django_capture_on_commit_callbacks
):
    unit = owner.owner_profile.units.get()
    client = client_for(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("complaints:new"),
            {
                "where": f"unit:{unit.pk}",
                "category": Category.objects.get(code="facility_repair").pk,
                "title": "楼道灯坏了",
                "description": "三楼楼道灯一直不亮",
                "photos": [_photo()],
            },
        )
    complaint = Complaint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("complaints:detail", args=[complaint.pk])
    page = client.get(response["Location"]).content.decode()
    assert f"您的投诉已登记，编号 {complaint.reference}" in page
    assert complaint.photos.count() == 1
    assert owner.notifications.get().title == f"您的投诉已登记，编号 {complaint.reference}"
    owner_mail = next(m for m in mailoutbox if m.to == [owner.email])
    assert complaint.reference in owner_mail.subject
    committee_mail = next(m for m in mailoutbox if m.to == [committee_member.email])
    assert committee_mail.subject == f"新投诉 {complaint.reference}：楼道灯坏了"


def test_a_fake_photo_is_refused_keeps_the_text_and_leaves_no_file(owner):
    unit = owner.owner_profile.units.get()
    response = client_for(owner).post(
        reverse("complaints:new"),
        {
            "where": f"unit:{unit.pk}",
            "category": Category.objects.get(code="cleaning").pk,
            "title": "垃圾没人清",
            "description": "<b>三天</b>没人清理",
            "photos": [_photo(), _photo("fake.jpg", b"<?php echo 'not a photo'; ?>")],
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "“fake.jpg”不是照片，或文件已损坏。" in page
    assert 'value="垃圾没人清"' in page
    assert "&lt;b&gt;三天&lt;/b&gt;没人清理" in page
    assert "本次未保存。修改表单后请重新选择照片。" in page
    assert Complaint.objects.count() == 0
    assert _media_files() == []


def test_a_picture_of_too_many_pixels_is_refused_in_the_owners_language_and_saves_nothing(owner):
    unit = owner.owner_profile.units.get()
    with warnings.catch_warnings():
        # As in production: Pillow only warns between the cap and twice the cap, and the form refuses.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        response = client_for(owner).post(
            reverse("complaints:new"),
            {
                "where": f"unit:{unit.pk}",
                "category": Category.objects.get(code="cleaning").pk,
                "title": "垃圾没人清",
                "description": "三天没人清理",
                "photos": [_photo(), _photo("bomb.png", uniform_png(8000, 8000))],
            },
        )
    assert response.status_code == 400
    page = response.content.decode()
    assert "“bomb.png”的像素过多：PNG 图片最多 12 百万像素。请发送一张较小的图片。" in page
    assert Complaint.objects.count() == 0
    assert _media_files() == []


def test_more_than_six_photos_are_refused(owner):
    unit = owner.owner_profile.units.get()
    response = client_for(owner).post(
        reverse("complaints:new"),
        {
            "where": f"unit:{unit.pk}",
            "category": Category.objects.get(code="cleaning").pk,
            "title": "t",
            "description": "d",
            "photos": [_photo() for _ in range(7)],
        },
    )
    assert "最多只能上传 6 张照片。" in response.content.decode()
    assert Complaint.objects.count() == 0


def test_common_area_needs_a_description_of_the_place(owner, compound):
    response = client_for(owner).post(
        reverse("complaints:new"),
        {
            "where": f"compound:{compound.pk}",
            "category": Category.objects.get(code="parking").pk,
            "title": "消防通道停车",
            "description": "每天晚上都有车停在消防通道",
        },
    )
    assert "请说明在小区内的具体位置。" in response.content.decode()


def test_an_owner_cannot_file_for_a_unit_that_is_not_theirs(owner, other_owner):
    foreign = other_owner.owner_profile.units.get()
    response = client_for(owner).post(
        reverse("complaints:new"),
        {"where": f"unit:{foreign.pk}", "category": Category.objects.first().pk, "title": "t", "description": "d"},
    )
    assert response.status_code == 400
    assert Complaint.objects.count() == 0


def test_only_owners_file_and_only_the_committee_records(owner, committee_member, property_staff, officer):
    for user in (committee_member, property_staff, officer):
        assert client_for(user).get(reverse("complaints:new")).status_code == 403
    for user in (owner, property_staff, officer):
        assert client_for(user).get(reverse("complaints:record")).status_code == 403


def test_committee_records_a_phone_complaint_for_someone_without_an_account(compound, committee_member):
    building = factories.BuildingFactory(compound=compound, number="5")
    response = client_for(committee_member).post(
        reverse("complaints:record"),
        {
            "channel": "phone",
            "compound": compound.pk,
            "complainant_name": "赵大爷",
            "complainant_phone": "13912345678",
            "building": building.pk,
            "location_text": "5号楼门口",
            "category": Category.objects.get(code="noise").pk,
            "title": "夜间施工噪音",
            "description": "晚上十一点还在施工",
        },
    )
    complaint = Complaint.objects.get()
    assert response.status_code == 302
    assert (complaint.channel, complaint.complainant_id, complaint.complainant_name) == ("phone", None, "赵大爷")
    assert complaint.events.get().action == "record"


def _record(client, compound, **fields):
    data = {
        "channel": "letter",
        "compound": compound.pk,
        "location_text": "3号楼门口",
        "category": Category.objects.get(code="fees").pk,
        "title": "物业费多收",
        "description": "信件附后",
        **fields,
    }
    return client.post(reverse("complaints:record"), data)


@pytest.mark.parametrize("how", ["name", "unit", "unit_chinese", "phone"])
def test_committee_finds_the_owner_it_records_for_by_name_unit_or_phone(compound, committee_member, owner, how):
    unit = owner.owner_profile.units.get()
    owner.first_name = "赵建国"
    owner.save()
    owner.owner_profile.phone = "13912345678"
    owner.owner_profile.save()
    query = {
        "name": "建国",
        "unit": f"{unit.building.number}-{unit.number}",
        "unit_chinese": f"{unit.building.number}号楼{unit.number}室",
        "phone": "5678",
    }[how]
    response = _record(client_for(committee_member), compound, owner_query=query)
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.complainant == owner
    assert owner.notifications.count() == 1


def test_recording_asks_which_owner_when_several_match_and_takes_the_one_chosen(compound, committee_member, owner):
    owner.first_name = "王芳"
    owner.save()
    namesake = factories.owner_in(compound, building="2", unit="202", username="wangfang2", first_name="王芳")
    client = client_for(committee_member)
    response = _record(client, compound, owner_query="王芳")
    assert response.status_code == 400
    page = response.content.decode()
    assert "有多位业主符合，请选择一位。" in page
    assert "王芳 · 1号楼101室" in page or "王芳 · " in page
    assert f'value="{namesake.pk}"' in page
    assert f'value="{owner.pk}"' in page
    assert Complaint.objects.count() == 0
    response = _record(client, compound, owner_query="王芳", owner=namesake.pk)
    assert response.status_code == 302
    assert Complaint.objects.get().complainant == namesake


def test_recording_finds_no_owner_of_another_compound(compound, committee_member, other_compound):
    factories.owner_in(other_compound, username="elsewhere", first_name="钱多多")
    response = _record(client_for(committee_member), compound, owner_query="钱多多")
    assert response.status_code == 400
    assert "本小区没有符合“钱多多”的已核实业主。" in response.content.decode()
    assert Complaint.objects.count() == 0


def test_record_form_fills_the_only_compound_and_preselects_nothing_else(compound, committee_member):
    form = client_for(committee_member).get(reverse("complaints:record")).context["form"]
    assert form["compound"].value() == compound.pk
    assert form["channel"].value() in (None, "")
    assert form["category"].value() in (None, "")
    page = client_for(committee_member).get(reverse("complaints:record")).content.decode()
    assert f'<option value="{compound.pk}" selected>' in page


def test_owner_form_preselects_no_place_and_no_category(owner):
    form = client_for(owner).get(reverse("complaints:new")).context["form"]
    assert len(form.fields["where"].choices) > 1
    assert form["where"].value() in (None, "")
    assert form["category"].value() in (None, "")


def test_recording_needs_a_name_or_an_owner(compound, committee_member):
    response = client_for(committee_member).post(
        reverse("complaints:record"),
        {"channel": "visit", "compound": compound.pk, "location_text": "东门", "category": Category.objects.first().pk,
         "title": "t", "description": "d"},
    )  # fmt: skip
    assert "请填写投诉人姓名，或查找已注册的业主。" in response.content.decode()
    assert Complaint.objects.count() == 0


# --- who sees what -----------------------------------------------------------------------


def test_detail_is_visible_to_the_right_people_only(
    owner, other_owner, committee_member, property_staff, officer, other_committee_member
):
    complaint = file_complaint(owner)
    url = reverse("complaints:detail", args=[complaint.pk])
    assert client_for(owner).get(url).status_code == 200
    assert client_for(committee_member).get(url).status_code == 200
    assert client_for(officer).get(url).status_code == 200
    for outsider in (other_owner, other_committee_member, property_staff):
        assert client_for(outsider).get(url).status_code == 404
    drive(complaint, Status.ASSIGNED, committee=committee_member)
    assert client_for(property_staff).get(url).status_code == 200


def test_officers_read_but_have_no_step_forms(owner, officer, committee_member):
    complaint = file_complaint(owner)
    response = client_for(officer).get(reverse("complaints:detail", args=[complaint.pk]))
    assert response.context["step_forms"] == []
    assert (
        _step(client_for(officer), complaint, "accept", category=complaint.category_id, priority="normal").status_code
        == 403
    )


STEP_RULES = [
    # action, the status it starts from, who takes it, valid data, who else is told
    ("accept", Status.SUBMITTED, "committee_member", {"category": None, "priority": "normal"}, ["owner"]),
    ("reject", Status.SUBMITTED, "committee_member", {"reason": "重复投诉"}, ["owner"]),
    ("assign", Status.ACCEPTED, "committee_member",
     {"responsible_party": "property_company", "reason": "物业负责", "assignee": None}, ["owner", "property_staff"]),
    ("plan", Status.ASSIGNED, "property_staff", {"plan": "明天维修"}, ["owner"]),
    ("progress", Status.IN_PROGRESS, "property_staff", {"note": "零件已订", "visible_to_owner": "on"}, ["owner"]),
    ("reply", Status.IN_PROGRESS, "property_staff", {"result": "已修好"}, ["owner", "committee_member"]),
    ("confirm", Status.RESOLVED, "owner", {"rating": "5"}, ["committee_member", "property_staff"]),
    ("dispute", Status.RESOLVED, "owner", {"reason": "还是坏的"}, ["committee_member", "property_staff"]),
    ("withdraw", Status.SUBMITTED, "owner", {"reason": ""}, ["committee_member"]),
    ("refer", Status.ACCEPTED, "committee_member", {"referred_to": "自来水公司", "note": ""}, ["owner"]),
    ("reopen", Status.CLOSED, "committee_member", {"reason": "回访发现未解决"}, ["owner", "property_staff"]),
]  # fmt: skip
ROLES = ["owner", "committee_member", "property_staff", "officer", "other_owner"]
# The committee handles too, for bodies without accounts (a utility, the developer).
ALSO_ALLOWED = {"plan": "committee_member", "progress": "committee_member", "reply": "committee_member"}


def _complaint_at(status, owner, committee_member, property_staff):
    complaint = file_complaint(owner)
    if status != Status.SUBMITTED:
        complaint = drive(complaint, status, committee=committee_member, staff=property_staff)
    return complaint


def _data(complaint, data):
    """Fill in the rows the data points at: the complaint's category, its compound's company."""
    filled = {"category": complaint.category_id, "assignee": complaint.compound.property_company_id}
    return {key: filled.get(key, value) for key, value in data.items()}


@pytest.mark.parametrize(("action", "status", "allowed", "data", "told"), STEP_RULES)
def test_each_step_is_refused_to_every_other_role_and_changes_nothing(
    request, action, status, allowed, data, told, owner, committee_member, property_staff
):
    complaint = _complaint_at(status, owner, committee_member, property_staff)
    refused = [role for role in ROLES if role not in (allowed, ALSO_ALLOWED.get(action))]
    clients = {role: client_for(request.getfixturevalue(role)) for role in refused}
    before = db_rows()
    for role in refused:
        response = _step(clients[role], complaint, action, **_data(complaint, data))
        # Staff do not see a complaint until it is assigned to their company.
        hidden = role == "other_owner" or (role == "property_staff" and complaint.assignee_id is None)
        assert response.status_code == (404 if hidden else 403), (action, role)
    assert db_rows() == before


@pytest.mark.parametrize(("action", "status", "allowed", "data", "told"), STEP_RULES)
def test_each_step_taken_by_its_role_moves_records_and_tells(
    request, action, status, allowed, data, told, owner, committee_member, property_staff
):
    complaint = _complaint_at(status, owner, committee_member, property_staff)
    user = request.getfixturevalue(allowed)
    last_notification = Notification.objects.order_by("-id").values_list("id", flat=True).first() or 0
    response = _step(client_for(user), complaint, action, **_data(complaint, data))
    assert response.status_code == 302, (action, response.content.decode()[:500])
    seen = complaint.version
    complaint.refresh_from_db()
    assert (complaint.status, complaint.version) == (TRANSITIONS.target(action, status), seen + 1)
    event = complaint.events.order_by("-id").first()
    assert (event.action, event.actor, event.from_status, event.to_status) == (
        action,
        user,
        status,
        complaint.status,
    )
    new = Notification.objects.filter(id__gt=last_notification, kind="complaint_event")
    assert sorted(new.values_list("recipient__username", flat=True)) == sorted(
        request.getfixturevalue(role).username for role in told
    )
    assert set(new.values_list("url", flat=True)) == {reverse("complaints:detail", args=[complaint.pk])}


def test_steps_refuse_get_and_unknown_steps_are_not_found(owner, committee_member):
    complaint = file_complaint(owner)
    client = client_for(committee_member)
    assert client.get(reverse("complaints:accept", args=[complaint.pk])).status_code == 405
    assert client.post(f"/complaints/{complaint.pk}/delete/").status_code == 404


def test_a_step_that_does_not_fit_the_status_says_so(owner, committee_member):
    complaint = file_complaint(owner)
    response = _step(client_for(committee_member), complaint, "reopen", reason="x")
    assert response.status_code == 409
    assert "该投诉当前为“待受理”，不能进行这一步。" in response.content.decode()
    complaint.refresh_from_db()
    assert (complaint.status, complaint.version) == (Status.SUBMITTED, 1)


def test_a_stale_form_loses_says_what_changed_and_keeps_the_typing(owner, committee_member, compound):
    complaint = file_complaint(owner)
    second = factories.member_of(compound.committee, role="committee_member", username="second", first_name="王委员")
    services.complaint_accept(
        complaint=complaint,
        by=second,
        seen_version=1,
        category=complaint.category,
        service_area=None,
        priority="normal",
    )
    response = _step(client_for(committee_member), complaint, "reject", reason="我的理由很长", version=1)
    assert response.status_code == 409
    page = response.content.decode()
    assert "在此期间王委员已处理该投诉" in page
    assert "：受理了投诉。您的操作未保存" in page
    assert "我的理由很长" in page
    complaint.refresh_from_db()
    assert complaint.status == Status.ACCEPTED


def test_html_in_any_text_is_shown_as_text(owner, committee_member):
    complaint = file_complaint(owner, title="<script>alert('t')</script>", description="<img src=x onerror=alert(1)>")
    for user in (owner, committee_member):
        page = client_for(user).get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
        assert "<script>alert" not in page
        assert "<img src=x" not in page
        assert "&lt;script&gt;alert(&#x27;t&#x27;)&lt;/script&gt;" in page
    mine = client_for(owner).get(reverse("complaints:mine")).content.decode()
    assert "<script>alert" not in mine


def test_internal_notes_and_photos_stay_internal(owner, committee_member, property_staff):
    complaint = drive(file_complaint(owner), Status.IN_PROGRESS, committee=committee_member, staff=property_staff)
    services.complaint_progress(
        complaint=complaint, by=property_staff, seen_version=complaint.version, note="业主家里没人，改天再来",
        visible_to_owner=False, photos=[image_reencode(_photo())],
    )  # fmt: skip
    photo = ComplaintPhoto.objects.get()
    owner_page = client_for(owner).get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    staff_page = client_for(committee_member).get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    assert "业主家里没人" not in owner_page
    assert "业主家里没人" in staff_page
    photo_url = reverse("complaints:photo", args=[complaint.pk, photo.pk])
    assert client_for(owner).get(photo_url).status_code == 404
    response = client_for(committee_member).get(photo_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_photos_of_someone_elses_complaint_are_not_found(owner, other_owner):
    complaint = file_complaint(owner, photos=[image_reencode(_photo())])
    photo = complaint.photos.get()
    url = reverse("complaints:photo", args=[complaint.pk, photo.pk])
    assert client_for(owner).get(url).status_code == 200
    assert client_for(other_owner).get(url).status_code == 404
    other = file_complaint(other_owner)
    assert client_for(other_owner).get(reverse("complaints:photo", args=[other.pk, photo.pk])).status_code == 404


def test_overdue_and_due_soon_stand_out(owner):
    late = file_complaint(owner, title="迟迟无人受理")
    Complaint.objects.filter(pk=late.pk).update(next_due_at=timezone.now() - timezone.timedelta(hours=1))
    soon = file_complaint(owner, title="快到期了")
    page = client_for(owner).get(reverse("complaints:mine")).content.decode()
    assert page.count('data-testid="overdue"') == 1
    assert page.count('data-testid="due-soon"') == 1
    detail = client_for(owner).get(reverse("complaints:detail", args=[late.pk])).content.decode()
    assert "已超时" in detail
    assert soon.is_due_soon()


# --- notifications ------------------------------------------------------------------------


def test_each_step_tells_the_people_it_concerns(owner, committee_member, property_staff):
    complaint = file_complaint(owner)
    owner.notifications.all().delete()
    committee_member.notifications.all().delete()
    drive(complaint, Status.ASSIGNED, committee=committee_member)
    assert [n.title for n in owner.notifications.order_by("id")] == [
        f"{complaint.reference}：已受理",
        f"{complaint.reference}：已派单",
    ]
    assert [n.title for n in property_staff.notifications.all()] == [f"{complaint.reference}：已派单"]
    complaint.refresh_from_db()
    services.complaint_plan(complaint=complaint, by=property_staff, seen_version=complaint.version, plan="明天上午维修")
    complaint.refresh_from_db()
    services.complaint_reply(complaint=complaint, by=property_staff, seen_version=complaint.version, result="已修好")
    assert owner.notifications.order_by("-id").first().title == f"{complaint.reference}：已答复"
    assert "如问题未解决，请在" in owner.notifications.order_by("-id").first().body
    # The committee hears of the reply, and the member who is to call the owner back is told so first.
    told = list(committee_member.notifications.order_by("id").values_list("kind", "title"))
    assert [kind for kind, _title in told] == ["callback_assigned", "complaint_event"]
    assert told[1][1] == f"{complaint.reference}：已答复"
    complaint.refresh_from_db()
    services.complaint_dispute(complaint=complaint, by=owner, seen_version=complaint.version, reason="还在漏水")
    assert committee_member.notifications.order_by("-id").first().title == f"{complaint.reference}：处理中"
    assert property_staff.notifications.order_by("-id").first().body.endswith("还在漏水")


# --- publication ----------------------------------------------------------------------------


def test_the_publish_form_suggests_a_redacted_summary(owner, committee_member):
    complaint = file_complaint(owner, title="3号楼1502室漏水", description="d")
    complaint = drive(complaint, Status.RESOLVED, committee=committee_member)
    Complaint.objects.filter(pk=complaint.pk).update(result=f"已联系{owner.first_name}（13800138000），更换了水管")
    response = client_for(committee_member).get(reverse("complaints:detail", args=[complaint.pk]))
    summary = response.context["publish_form"].initial["summary"]
    assert "1502" not in summary
    assert "13800138000" not in summary
    assert owner.first_name not in summary
    assert "更换了水管" in summary


def test_publishing_refuses_personal_details(owner, committee_member):
    complaint = drive(file_complaint(owner), Status.RESOLVED, committee=committee_member)
    response = client_for(committee_member).post(
        reverse("complaints:publish", args=[complaint.pk]),
        {"summary": f"{owner.first_name}反映的漏水已修好，电话13800138000，3号楼1502室", "scope": "compound"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "公开内容中仍有个人信息：13800138000, 3号楼1502室, " in page
    assert f"{owner.first_name}" in page.split("公开内容中仍有个人信息：")[1].split("。")[0]
    assert not Publication.objects.exists()


@pytest.mark.parametrize(
    ("scope", "neighbour_sees", "same_building_sees"),
    [("compound", True, True), ("building", False, True), ("complainant", False, False)],
)
def test_the_board_shows_a_publication_to_its_audience(
    owner, committee_member, compound, other_compound, scope, neighbour_sees, same_building_sees
):
    complaint = drive(file_complaint(owner), Status.CLOSED, committee=committee_member)
    same_building = factories.owner_in(compound, building="1", unit="999", username="samebuilding")
    neighbour = factories.owner_in(compound, building="7", unit="701", username="neighbour7")
    stranger = factories.owner_in(other_compound, building="1", unit="101", username="stranger")
    response = client_for(committee_member).post(
        reverse("complaints:publish", args=[complaint.pk]),
        {"summary": "电梯门故障已修复，更换了门机。", "scope": scope, "building": complaint.unit.building_id},
    )
    assert response.status_code == 302

    def sees(user):
        return "电梯门故障已修复" in client_for(user).get(reverse("complaints:board")).content.decode()

    assert sees(owner)
    assert sees(neighbour) is neighbour_sees
    assert sees(same_building) is same_building_sees
    assert not sees(stranger)
    assert owner.notifications.order_by("-id").first().title == f"{complaint.reference} 的处理结果已公开"


def test_only_replied_complaints_can_be_published(owner, committee_member):
    complaint = file_complaint(owner)
    assert (
        client_for(committee_member)
        .post(reverse("complaints:publish", args=[complaint.pk]), {"summary": "x", "scope": "compound"})
        .status_code
        == 400
    )


def test_the_board_publishes_the_archive_head_an_owner_can_check_later(owner, committee_member, compound):
    from records.models import ChainHead

    board = reverse("complaints:board")
    drive(file_complaint(owner), Status.CLOSED, committee=committee_member)
    head = ChainHead.objects.get(compound=compound)
    page = client_for(owner).get(board).content.decode()
    assert head.count == 1
    assert f'<code class="text-break" data-testid="chain-head-hash">{head.hash}</code>' in page
    check = client_for(owner).get(reverse("records:chain_head_check"), {"compound": compound.pk, "hash": head.hash})
    assert check.status_code == 200
    assert check.context["result"].found
    assert check.context["result"].record.sequence == 1


def test_the_board_is_for_owners_and_the_committee(property_staff, officer):
    assert client_for(property_staff).get(reverse("complaints:board")).status_code == 403
    assert client_for(officer).get(reverse("complaints:board")).status_code == 403


def test_publish_new_and_record_refuse_the_wrong_roles_on_post(
    owner, other_owner, property_staff, officer, committee_member, compound
):
    complaint = drive(file_complaint(owner), Status.RESOLVED, committee=committee_member, staff=property_staff)
    publish = reverse("complaints:publish", args=[complaint.pk])
    data = {"summary": "电梯已修好", "scope": "compound"}
    assert client_for(owner).post(publish, data).status_code == 403
    assert client_for(property_staff).post(publish, data).status_code == 403
    assert client_for(officer).post(publish, data).status_code == 403
    assert client_for(other_owner).post(publish, data).status_code == 404
    assert not Publication.objects.exists()
    intake = {"where": f"compound:{compound.pk}", "location_text": "东门", "category": Category.objects.first().pk,
              "title": "t", "description": "d"}  # fmt: skip
    for user in (committee_member, property_staff, officer):
        assert client_for(user).post(reverse("complaints:new"), intake).status_code == 403
    record = {"channel": "phone", "compound": compound.pk, "complainant_name": "某某", "location_text": "东门",
              "category": Category.objects.first().pk, "title": "t", "description": "d"}  # fmt: skip
    for user in (owner, property_staff, officer):
        assert client_for(user).post(reverse("complaints:record"), record).status_code == 403
    assert Complaint.objects.count() == 1
