"""The complaint journey: an owner files with a photo on a phone; the
committee accepts and assigns; the property staff record a plan and reply;
the owner confirms; the committee publishes; a neighbour reads it."""

import pytest

from complaints.models import Complaint
from tests import factories
from tests.browser.conftest import PHONE
from tests.conftest import jpeg_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, username):
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", factories.PASSWORD)
    page.get_by_test_id("login-submit").click()


def test_complaint_from_web_form_to_published_result(new_page, shots):
    compound = factories.CompoundFactory(name="阳光花园", name_en="Sunny Garden")
    factories.member_of(compound.committee, role="committee_chair", username="chair", first_name="张伟")
    factories.member_of(compound.property_company, role="property_staff", username="fixer", first_name="刘洋")
    factories.owner_in(compound, building="3", unit="1502", username="liming", first_name="李明")
    factories.owner_in(compound, building="5", unit="801", username="wangfang", first_name="王芳", language="en")

    owner = new_page(viewport=PHONE)
    _sign_in(owner, "liming")
    owner.goto("/complaints/")
    owner.get_by_test_id("new-complaint").click()
    owner.get_by_label("我的房屋：3号楼1502室").check()
    owner.select_option("#id_category", label="设施维修")
    owner.fill("#id_title", "卫生间天花板漏水")
    owner.fill("#id_description", "楼上管道漏水，天花板一直滴水，已经三天了。")
    owner.set_input_files("#id_photos", files=[{"name": "leak.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes()}])
    shots.take(owner, "owner-form-phone-zh")
    owner.get_by_test_id("complaint-submit").click()
    reference = owner.get_by_test_id("complaint-reference").inner_text()
    assert reference.startswith("TS-")
    assert f"您的投诉已登记，编号 {reference}" in owner.locator(".alert-success").inner_text()
    assert owner.locator(".photo-thumb img").count() == 1
    shots.take(owner, "owner-filed-phone-zh")

    chair = new_page()
    _sign_in(chair, "chair")
    chair.goto(f"/complaints/{Complaint.objects.get().pk}/")
    chair.select_option("#id_accept-priority", "normal")
    chair.get_by_test_id("submit-accept").click()
    assert chair.get_by_test_id("complaint-status").inner_text() == "已受理"
    chair.select_option("#id_assign-responsible_party", "property_company")
    chair.fill("#id_assign-reason", "共用管道属于物业维修范围")
    assert chair.locator("#id_assign-assignee option:checked").inner_text() == compound.property_company.name
    shots.take(chair, "committee-assign-desktop-zh")
    chair.get_by_test_id("submit-assign").click()
    assert chair.get_by_test_id("complaint-status").inner_text() == "已派单"
    assert chair.get_by_test_id("resolve-due").is_visible()

    staff = new_page(viewport=PHONE)
    _sign_in(staff, "fixer")
    staff.goto(f"/complaints/{Complaint.objects.get().pk}/")
    staff.fill("#id_plan-plan", "今天下午派维修工上门检查楼上管道。")
    staff.get_by_test_id("submit-plan").click()
    assert staff.get_by_test_id("complaint-status").inner_text() == "处理中"
    staff.fill("#id_reply-result", "已更换楼上破损水管，天花板不再滴水。")
    staff.set_input_files(
        "#id_reply-photos",
        files=[{"name": "fixed.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes(color=(30, 160, 60))}],
    )
    shots.take(staff, "staff-reply-phone-zh")
    staff.get_by_test_id("submit-reply").click()
    assert staff.get_by_test_id("complaint-status").inner_text() == "已答复"

    owner.reload()
    assert "已更换楼上破损水管" in owner.get_by_test_id("complaint-result").inner_text()
    owner.get_by_label("非常满意").check()
    shots.take(owner, "owner-confirm-phone-zh")
    owner.get_by_test_id("submit-confirm").click()
    assert owner.get_by_test_id("complaint-status").inner_text() == "已办结"
    assert owner.get_by_test_id("timeline-event").count() == 6

    chair.reload()
    summary = chair.locator("#id_summary").input_value()
    assert "1502" not in summary
    assert "李明" not in summary
    chair.fill("#id_summary", "3号楼住户反映卫生间天花板漏水。物业更换了楼上破损水管，问题已解决，业主满意。")
    chair.get_by_label("全体业主").check()
    shots.take(chair, "committee-publish-desktop-zh")
    chair.get_by_test_id("submit-publish").click()
    assert "物业更换了楼上破损水管" in chair.get_by_test_id("publication-summary").inner_text()

    neighbour = new_page(viewport=PHONE, locale="en-GB")
    _sign_in(neighbour, "wangfang")
    neighbour.goto("/complaints/board/")
    assert "物业更换了楼上破损水管" in neighbour.get_by_test_id("board-summary").first.inner_text()
    assert neighbour.locator("h1").inner_text() == "Published results"
    shots.take(neighbour, "neighbour-board-phone-en")

    for page in (owner, chair, staff, neighbour):
        assert page.js_errors == []
