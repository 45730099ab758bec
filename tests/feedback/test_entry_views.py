"""Self-service feedback (自助反馈), the pages, as each role meets them: the
owner's form and list, the list and the entry page of the committee, the
community office and the property company (which reads anonymous entries
without name, unit or photos), the committee's steps, bad input, floods and
the cost of the lists."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from committee_site import search
from committee_site.models import Notification, ServiceArea
from complaints.models import Category, Complaint
from feedback.models import FeedbackEntry, FeedbackPhoto
from tests import factories
from tests.conftest import client_for, jpeg_bytes
from tests.feedback.test_entries import area, clean_photo, leave, media_files
from tests.floods import assert_flood_refused
from tests.snapshot import db_rows

pytestmark = pytest.mark.django_db

Kind = FeedbackEntry.Kind
Status = FeedbackEntry.Status
NEW = reverse("feedback:entry_new")
MINE = reverse("feedback:entry_mine")
LIST = reverse("feedback:entry_list")
# The owner's name and unit as the pages would print them.
OWNER_NAME = "王芳"
OWNER_UNIT = "7号楼701室"


@pytest.fixture
def owner(compound):
    return factories.owner_in(compound, building="7", unit="701", username="owner1", first_name=OWNER_NAME)


@pytest.fixture
def neighbour(compound):
    return factories.owner_in(compound, building="2", unit="202", username="neighbour", first_name="赵强")


def detail(entry):
    return reverse("feedback:entry_detail", args=[entry.pk])


def photo_url(entry, photo):
    return reverse("feedback:entry_photo", args=[entry.pk, photo.pk])


def upload(name="photo.jpg", data=None):
    return SimpleUploadedFile(name, data if data is not None else jpeg_bytes(), content_type="image/jpeg")


def form_data(**overrides):
    data = {
        "kind": Kind.SUGGESTION,
        "service_area": area().pk,
        "title": "小区绿化需要修剪",
        "body": "3号楼前的树枝挡住了路灯。",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def step(client, entry, action, **fields):
    payload = {f"{action}-{key}": value for key, value in fields.items()}
    payload.setdefault(f"{action}-version", entry.version)
    return client.post(reverse(f"feedback:entry_{action}", args=[entry.pk]), payload)


def speaks(user):
    def speak(language):
        type(user).objects.filter(pk=user.pk).update(language=language)

    return speak


# --- the owner's form ----------------------------------------------------------------


def test_owner_leaves_feedback_with_photos_and_lands_on_its_page(owner, committee_member):
    client = client_for(owner)
    response = client.post(NEW, form_data(photos=[upload(), upload()]))
    entry = FeedbackEntry.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail(entry)
    assert (entry.author, entry.unit.number, entry.status, entry.name_shown_to_company) == (owner, "701", "new", False)
    assert entry.photos.count() == 2
    page = client.get(detail(entry)).content.decode()
    assert "谢谢您！业委会已收到您的反馈，将在此答复。" in page
    assert "3号楼前的树枝挡住了路灯。" in page
    assert page.count(reverse("feedback:entry_photo", args=[entry.pk, entry.photos.first().pk])) == 2
    assert "业委会将阅读您的反馈并在此答复，届时会通知您。" in page
    assert "只能看到文字，看不到姓名、房屋和照片" in page
    assert Notification.objects.filter(recipient=committee_member, kind="feedback_submitted").count() == 1


def test_the_form_asks_for_the_unit_only_of_an_owner_of_several(owner, compound):
    page = client_for(owner).get(NEW).content.decode()
    assert 'name="unit"' not in page
    second = factories.UnitFactory(building=factories.BuildingFactory(compound=compound, number="8"), number="801")
    owner.owner_profile.units.add(second)
    page = client_for(owner).get(NEW).content.decode()
    assert '<select name="unit"' in page
    assert "7号楼701室" in page
    assert "8号楼801室" in page
    assert client_for(owner).post(NEW, form_data(unit=second.pk)).status_code == 302
    assert FeedbackEntry.objects.get().unit == second


def test_the_unit_of_a_neighbour_is_refused(owner, neighbour, compound):
    owner.owner_profile.units.add(factories.UnitFactory(building=factories.BuildingFactory(compound=compound)))
    theirs = neighbour.owner_profile.units.get()
    response = client_for(owner).post(NEW, form_data(unit=theirs.pk))
    assert response.status_code == 400
    assert not FeedbackEntry.objects.exists()


def test_a_rating_needs_its_level_and_nothing_is_saved_without_it(owner):
    client = client_for(owner)
    before = db_rows()
    response = client.post(NEW, form_data(kind=Kind.RATING, photos=[upload()]))
    page = response.content.decode()
    assert response.status_code == 400
    assert "请选择满意度：评价需要填写。" in page
    assert "请修改下面标出的错误；本次操作未保存。" in page
    assert "修改表单后，请重新选择照片。" in page
    assert db_rows() == before
    assert media_files() == []
    response = client_for(owner).post(NEW, form_data(kind=Kind.RATING, rating="2"))
    assert response.status_code == 302
    assert FeedbackEntry.objects.get().rating == 2


def test_a_level_left_on_another_kind_is_dropped(owner):
    assert client_for(owner).post(NEW, form_data(kind=Kind.PRAISE, rating="5")).status_code == 302
    assert FeedbackEntry.objects.get().rating is None


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title": ""}, "这个字段是必填项。"),
        ({"body": "   "}, "这个字段是必填项。"),
        ({"title": "长" * 121}, "121"),
        ({"body": "长" * 3001}, "3001"),
        ({"kind": "complaint"}, "选择一个有效的选项"),
        ({"service_area": "999999"}, "选择一个有效的选项"),
        ({"service_area": "abc"}, "选择一个有效的选项"),
        ({"rating": "9", "kind": Kind.RATING}, "选择一个有效的选项"),
        ({"title": "\x00"}, "空字符"),
    ],
)
def test_bad_input_gets_a_message_and_saves_nothing(owner, overrides, message):
    client = client_for(owner)
    before = db_rows()
    response = client.post(NEW, form_data(**overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert db_rows() == before


def test_seven_photos_are_refused_and_nothing_is_stored(owner):
    client = client_for(owner)
    before = db_rows()
    response = client.post(NEW, form_data(photos=[upload() for _ in range(7)]))
    assert response.status_code == 400
    assert "最多只能上传 6 张照片。" in response.content.decode()
    assert db_rows() == before
    assert media_files() == []


def test_a_file_that_is_no_photo_is_refused_with_the_good_ones(owner):
    client = client_for(owner)
    before = db_rows()
    response = client.post(NEW, form_data(photos=[upload(), upload("menu.jpg", b"%PDF-1.4 not a photo")]))
    assert response.status_code == 400
    assert "“menu.jpg”不是照片" in response.content.decode()
    assert db_rows() == before
    assert media_files() == []


def test_a_photo_over_the_size_limit_is_refused_and_nothing_is_stored(settings, owner):
    settings.UPLOAD_MAX_IMAGE_MB = 0
    client = client_for(owner)
    before = db_rows()
    response = client.post(NEW, form_data(photos=[upload("big.jpg")]))
    assert response.status_code == 400
    assert "“big.jpg”超过 0 MB" in response.content.decode()
    assert db_rows() == before
    assert media_files() == []


def test_a_photo_is_stored_without_its_location(owner):
    exif = Image.Exif()
    exif.get_ifd(0x8825).update({1: "N", 2: (31.0, 14.0, 0.0), 3: "E", 4: (121.0, 28.0, 0.0)})
    original = jpeg_bytes(exif=exif)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)
    client_for(owner).post(NEW, form_data(photos=[upload(data=original)]))
    photo = FeedbackPhoto.objects.get()
    response = client_for(owner).get(photo_url(photo.entry, photo))
    stored = Image.open(io.BytesIO(b"".join(response.streaming_content)))
    assert (stored.format, dict(stored.getexif())) == ("JPEG", {})


def test_only_owners_reach_the_form(committee_member, property_staff, officer, other_committee_member):
    for user in (committee_member, property_staff, officer, other_committee_member):
        assert client_for(user).get(NEW).status_code == 403
        assert client_for(user).post(NEW, form_data()).status_code == 403
    response = Client().get(NEW)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not FeedbackEntry.objects.exists()


# --- the owner's list --------------------------------------------------------------------


def test_my_feedback_lists_my_entries_with_the_answers_and_none_of_my_neighbours(owner, neighbour, committee_member):
    from feedback.services import entries as services

    mine = leave(owner, title="垃圾分类做得好", kind=Kind.PRAISE)
    services.feedback_answer(entry=mine, by=committee_member, seen_version=1, answer="谢谢您的表扬，已转告物业。")
    leave(neighbour, title="邻居的建议")
    page = client_for(owner).get(MINE).content.decode()
    assert "垃圾分类做得好" in page
    assert "谢谢您的表扬，已转告物业。" in page
    assert "邻居的建议" not in page
    assert reverse("feedback:entry_new") in page


# --- who sees an entry -----------------------------------------------------------------


@pytest.fixture
def entry(owner):
    return leave(owner, title="地库灯光太暗", body="B1 车库东侧一半的灯不亮。", photos=[clean_photo()])


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("owner", 200),
        ("committee_member", 200),
        ("officer", 200),
        ("property_staff", 200),
        ("neighbour", 404),
        ("other_committee_member", 404),
    ],
)
def test_the_entry_page_and_its_photos_per_role(request, entry, who, status):
    user = request.getfixturevalue(who)
    client = client_for(user)
    assert client.get(detail(entry)).status_code == status
    photo = entry.photos.get()
    # The property company sees no photo of an owner who did not allow it.
    photo_status = 404 if who in ("property_staff", "neighbour", "other_committee_member") else 200
    response = client.get(photo_url(entry, photo))
    assert response.status_code == photo_status
    if photo_status == 200:
        assert response["Content-Type"] == "image/jpeg"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Disposition"] == f'inline; filename="feedback-{entry.pk}-{photo.pk}.jpg"'


def test_anonymous_visitors_are_sent_to_sign_in(entry):
    photo = entry.photos.get()
    for url in (detail(entry), photo_url(entry, photo), MINE, LIST):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_a_photo_of_another_entry_is_not_found_through_this_one(owner, entry):
    other = leave(owner, photos=[clean_photo()])
    assert client_for(owner).get(photo_url(entry, other.photos.get())).status_code == 404


def test_the_property_company_reads_an_anonymous_entry_without_name_unit_or_photos(entry, property_staff):
    client = client_for(property_staff)
    for url in (detail(entry), LIST):
        page = client.get(url).content.decode()
        assert "地库灯光太暗" in page
        assert OWNER_NAME not in page
        assert OWNER_UNIT not in page
        assert "701" not in page
        assert "一位业主" in page
        assert reverse("feedback:entry_photo", args=[entry.pk, entry.photos.get().pk]) not in page
        assert "owner1" not in page


def test_the_property_company_sees_who_wrote_it_when_the_owner_allowed(owner, property_staff):
    allowed = leave(owner, title="保安很负责", kind=Kind.PRAISE, name_shown_to_company=True, photos=[clean_photo()])
    client = client_for(property_staff)
    for url in (detail(allowed), LIST):
        page = client.get(url).content.decode()
        assert OWNER_NAME in page
        assert OWNER_UNIT in page
    assert client.get(photo_url(allowed, allowed.photos.get())).status_code == 200


def test_the_committee_and_the_office_see_who_wrote_an_anonymous_entry(entry, committee_member, officer):
    for user in (committee_member, officer):
        page = client_for(user).get(detail(entry)).content.decode()
        assert OWNER_NAME in page
        assert OWNER_UNIT in page


def test_only_the_committee_gets_the_steps(entry, committee_member, officer, property_staff, owner):
    page = client_for(committee_member).get(detail(entry)).content.decode()
    assert 'data-testid="step-acknowledge"' in page
    assert 'data-testid="step-answer"' in page
    # A suggestion is not turned into a complaint.
    assert 'data-testid="step-convert"' not in page
    for user in (officer, property_staff, owner):
        page = client_for(user).get(detail(entry)).content.decode()
        assert 'data-testid="step-' not in page


# --- the committee's steps -----------------------------------------------------------------


@pytest.mark.parametrize("action", ["acknowledge", "answer", "convert"])
@pytest.mark.parametrize(
    ("who", "status"),
    [("owner", 403), ("officer", 403), ("property_staff", 403), ("neighbour", 404), ("other_committee_member", 404)],
)
def test_nobody_but_the_committee_takes_a_step(request, owner, action, who, status):
    inquiry = leave(owner, kind=Kind.INQUIRY)
    client = client_for(request.getfixturevalue(who))
    before = db_rows()
    response = step(client, inquiry, action, answer="我来答", category=Category.objects.first().pk)
    assert response.status_code == status
    assert db_rows() == before


@pytest.mark.parametrize("action", ["acknowledge", "answer", "convert"])
def test_a_step_is_a_post(entry, committee_member, action):
    assert client_for(committee_member).get(reverse(f"feedback:entry_{action}", args=[entry.pk])).status_code == 405


def test_committee_acknowledges_then_answers_and_the_owner_reads_it(entry, committee_member, owner):
    client = client_for(committee_member)
    response = step(client, entry, "acknowledge")
    assert response.status_code == 302
    assert response["Location"] == detail(entry)
    entry.refresh_from_db()
    assert entry.status == Status.ACKNOWLEDGED
    assert "业委会已收悉您的反馈，将在此答复，届时会通知您。" in client_for(owner).get(detail(entry)).content.decode()
    response = step(client, entry, "answer", answer="已通知物业今天更换灯管。")
    assert response.status_code == 302
    assert "答复已发送，已通知业主。" in client.get(detail(entry)).content.decode()
    entry.refresh_from_db()
    assert (entry.status, entry.answer) == (Status.ANSWERED, "已通知物业今天更换灯管。")
    told = Notification.objects.get(recipient=owner, kind="feedback_answered")
    assert told.url == detail(entry)
    page = client_for(owner).get(detail(entry)).content.decode()
    assert "业委会的答复" in page
    assert "已通知物业今天更换灯管。" in page
    assert "已通知物业今天更换灯管。" in client_for(owner).get(MINE).content.decode()


def test_an_empty_answer_is_refused_and_nothing_is_saved(entry, committee_member):
    client = client_for(committee_member)
    before = db_rows()
    response = step(client, entry, "answer", answer="  ")
    assert response.status_code == 400
    assert "这个字段是必填项。" in response.content.decode()
    assert db_rows() == before


def test_a_forged_version_is_refused_as_bad_input(entry, committee_member):
    for version in ("abc", "0", "9" * 30):
        response = step(client_for(committee_member), entry, "acknowledge", version=version)
        assert response.status_code == 400
    entry.refresh_from_db()
    assert entry.status == Status.NEW


def test_an_answer_on_a_page_out_of_date_keeps_the_text_and_names_who_acted(entry, committee_member, compound):
    second = factories.member_of(compound.committee, role="committee_member", username="second", first_name="李委员")
    seen = entry.version
    step(client_for(second), entry, "acknowledge")
    response = step(client_for(committee_member), entry, "answer", answer="我写的答复", version=seen)
    page = response.content.decode()
    assert response.status_code == 409
    assert "在此期间李委员已处理该自助反馈" in page
    assert "确认收悉了反馈" in page
    # Still possible from the new status: the form keeps what was typed, at the version now.
    assert "我写的答复" in page
    entry.refresh_from_db()
    assert f'name="answer-version" value="{entry.version}"' in page
    assert entry.answer == ""


def test_a_step_no_longer_possible_answers_409(entry, committee_member):
    client = client_for(committee_member)
    step(client, entry, "answer", answer="已答复")
    entry.refresh_from_db()
    before = db_rows()
    response = step(client, entry, "acknowledge")
    assert response.status_code == 409
    assert "该自助反馈当前为“已答复”，不能进行这一步。" in response.content.decode()
    assert db_rows() == before


def test_an_inquiry_becomes_a_complaint_linked_from_its_page(owner, committee_member, property_staff):
    inquiry = leave(
        owner, kind=Kind.INQUIRY, title="停车费怎么算", service_area=area("parking"), photos=[clean_photo()]
    )
    client = client_for(committee_member)
    page = client.get(detail(inquiry)).content.decode()
    assert 'data-testid="step-convert"' in page
    assert "投诉派给物业公司后，物业公司可以看到。" in page
    parking = Category.objects.get(code="parking")
    # The category of the entry's service area comes chosen.
    assert f'<option value="{parking.pk}" selected>' in page
    response = step(client, inquiry, "convert", category=parking.pk, location_text="", note="")
    complaint = Complaint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("complaints:detail", args=[complaint.pk])
    complaint_page = client.get(response["Location"]).content.decode()
    assert f"已为业主登记为投诉 {complaint.reference}，并以该编号答复了这条反馈。" in complaint_page
    assert "由业主的咨询“停车费怎么算”转来" in complaint_page
    assert complaint.photos.count() == 1
    for user in (owner, committee_member):
        page = client_for(user).get(detail(inquiry)).content.decode()
        assert f"业委会已将您的咨询转为投诉 {complaint.reference}" in page
        assert reverse("complaints:detail", args=[complaint.pk]) in page
        assert "已转投诉" in page
    staff_page = client_for(property_staff).get(detail(inquiry)).content.decode()
    assert reverse("complaints:detail", args=[complaint.pk]) not in staff_page
    assert 'data-testid="step-' not in client.get(detail(inquiry)).content.decode()


def test_a_suggestion_posted_to_convert_is_refused(entry, committee_member):
    client = client_for(committee_member)
    before = db_rows()
    response = step(client, entry, "convert", category=Category.objects.first().pk)
    assert response.status_code == 409
    assert "只有咨询才能转为投诉。" in response.content.decode()
    assert db_rows() == before


def test_a_conversion_without_a_category_is_refused(owner, committee_member):
    inquiry = leave(owner, kind=Kind.INQUIRY)
    client = client_for(committee_member)
    before = db_rows()
    for category in ("", "999999", "x"):
        response = step(client, inquiry, "convert", category=category)
        assert response.status_code == 400
    assert db_rows() == before


# --- the committee's list ---------------------------------------------------------------------


def test_the_list_is_for_the_committee_the_office_and_the_company(owner, committee_member, officer, property_staff):
    leave(owner)
    for user in (committee_member, officer, property_staff):
        assert client_for(user).get(LIST).status_code == 200
    assert client_for(owner).get(LIST).status_code == 403


def test_the_list_shows_only_the_users_compounds(owner, other_compound, other_committee_member, committee_member):
    leave(owner, title="本小区的反馈")
    stranger = factories.owner_in(other_compound, username="stranger")
    leave(stranger, title="别的小区的反馈")
    page = client_for(committee_member).get(LIST).content.decode()
    assert "本小区的反馈" in page
    assert "别的小区的反馈" not in page
    page = client_for(other_committee_member).get(LIST).content.decode()
    assert "本小区的反馈" not in page
    assert "别的小区的反馈" in page


def test_the_list_filters_by_kind_status_area_and_words(owner, committee_member, compound):
    from feedback.services import entries as services

    leave(owner, title="电梯按钮失灵", kind=Kind.INQUIRY, service_area=area("maintenance"))
    praised = leave(owner, title="保洁阿姨很认真", kind=Kind.PRAISE, service_area=area("cleaning"))
    services.feedback_acknowledge(entry=praised, by=committee_member, seen_version=1)
    leave(owner, title="停车位不够", kind=Kind.RATING, service_area=area("parking"))
    client = client_for(committee_member)

    def titles(**query):
        response = client.get(LIST, query)
        assert response.status_code == 200
        return [row.entry.title for row in response.context["rows"]]

    assert titles() == ["停车位不够", "保洁阿姨很认真", "电梯按钮失灵"]
    assert titles(kind="inquiry") == ["电梯按钮失灵"]
    assert titles(status="acknowledged") == ["保洁阿姨很认真"]
    assert titles(service_area=area("parking").pk) == ["停车位不够"]
    assert titles(q="按钮") == ["电梯按钮失灵"]
    assert titles(compound=compound.pk, kind="praise", status="acknowledged") == ["保洁阿姨很认真"]
    assert titles(q="没有这个词") == []
    page = client.get(LIST, {"kind": "nonsense", "colour": "red"}).content.decode()
    assert "筛选条件“类型”已忽略" in page
    assert "未知的筛选条件已忽略：“colour”。" in page


def test_the_menu_leads_each_role_to_its_feedback_page(owner, committee_member, property_staff, officer):
    owner_page = client_for(owner).get(reverse("home")).content.decode()
    assert 'data-testid="nav-my-feedback"' in owner_page
    assert 'data-testid="nav-feedback"' not in owner_page
    for user in (committee_member, property_staff, officer):
        page = client_for(user).get(reverse("home")).content.decode()
        assert 'data-testid="nav-feedback"' in page
        assert 'data-testid="nav-my-feedback"' not in page


# --- floods ------------------------------------------------------------------------------------


def test_an_owner_leaving_a_flood_of_feedback_gets_429(settings, owner):
    client = client_for(owner)

    def send(i, language):
        return client.post(NEW, form_data(title=f"建议 {i}", photos=[upload()]))

    assert_flood_refused(settings, "feedback", send, speak=speaks(owner))
    assert FeedbackEntry.objects.count() == 2
    assert FeedbackPhoto.objects.count() == 2


def test_the_feedback_limit_holds_per_address_across_owners(settings, owner, neighbour):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "feedback": {"user": "100/h", "address": "2/h"}}
    office = {"REMOTE_ADDR": "203.0.113.7"}
    statuses = [client_for(user).post(NEW, form_data(), **office).status_code for user in (owner, neighbour, neighbour)]
    assert statuses == [302, 302, 429]
    assert FeedbackEntry.objects.count() == 2


@pytest.mark.parametrize("action", ["acknowledge", "answer", "convert"])
def test_a_flood_of_steps_gets_429(settings, owner, committee_member, action):
    inquiries = [leave(owner, kind=Kind.INQUIRY, title=f"咨询 {i}") for i in range(4)]
    client = client_for(committee_member)
    category = Category.objects.get(code="parking").pk

    def send(i, language):
        return step(client, inquiries[i], action, answer="已答复", category=category)

    assert_flood_refused(settings, "step", send, speak=speaks(committee_member))


# --- cost ----------------------------------------------------------------------------------------


def bulk_entries(owner, n, *, start=None, **fields):
    """Many entries written directly, for pages that only read them."""
    unit = owner.owner_profile.units.select_related("building").get()
    start = start or timezone.now() - timedelta(days=1)
    rows = [
        FeedbackEntry(
            compound=unit.building.compound,
            author=owner,
            unit=unit,
            kind=Kind.SUGGESTION if i % 2 else Kind.INQUIRY,
            service_area=ServiceArea.objects.get(code="landscaping"),
            title=f"绿化建议 {i}",
            body="树枝太长",
            created_at=start + timedelta(minutes=i),
            name_shown_to_company=bool(i % 3),
            search_tokens=search.index_text(f"绿化建议 {i}", "树枝太长"),
            **fields,
        )
        for i in range(n)
    ]
    return FeedbackEntry.objects.bulk_create(rows)


# session, user, access (3), unread badge, and the page; the filter form's compounds and service areas
LIST_QUERIES = 8
# session, user, access (3), unread badge, and the page
MINE_QUERIES = 6


@pytest.mark.parametrize("rows", [3, 300])
def test_the_lists_cost_the_same_queries_with_few_and_many_rows(
    owner, committee_member, property_staff, django_assert_num_queries, rows
):
    bulk_entries(owner, rows)
    committee = client_for(committee_member)
    for client, extra in ((committee, 1), (client_for(property_staff), 0)):
        # The committee's menu counts its pending owner applications too.
        with django_assert_num_queries(LIST_QUERIES + extra):
            response = client.get(LIST)
        assert len(response.context["rows"]) == min(rows, 25)
    # The menu's count, and the search's first query for the matching ids.
    with django_assert_num_queries(LIST_QUERIES + 2):
        response = committee.get(LIST, {"q": "绿化", "kind": "inquiry", "status": "new"})
    assert len(response.context["rows"]) == min(rows // 2 + rows % 2, 25)
    if rows > 25:
        cursor = response.context["page"].next_cursor
        with django_assert_num_queries(LIST_QUERIES + 2):
            response = committee.get(LIST, {"q": "绿化", "kind": "inquiry", "status": "new", "cursor": cursor})
        assert len(response.context["rows"]) == 25
    owner_client = client_for(owner)
    with django_assert_num_queries(MINE_QUERIES):
        response = owner_client.get(MINE)
    assert len(response.context["page"].items) == min(rows, 25)


@pytest.mark.parametrize("photos", [0, 6])
def test_the_entry_page_costs_the_same_queries_with_few_and_many_photos(
    owner, committee_member, django_assert_num_queries, photos
):
    inquiry = leave(owner, kind=Kind.INQUIRY, photos=[clean_photo() for _ in range(photos)])
    client = client_for(committee_member)
    # session, user, access (3), badges (2), the entry, its events and photos, the convert form's
    # category (chosen and listed)
    with django_assert_num_queries(12):
        response = client.get(detail(inquiry))
    assert len(response.context["photos"]) == photos
