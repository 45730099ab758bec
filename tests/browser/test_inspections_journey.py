"""Inspections journey: a committee member starts a joint inspection, fills
the sheet on a phone with a photo, raises a finding as a rectification
notice; the community officer and the property staff sign; the staff submit
evidence; the committee member verifies."""

from io import BytesIO

import pytest
from django.utils import timezone
from PIL import Image

from inspections.default_template import seed as seed_default_template
from inspections.models import Inspection, RectificationNotice
from tests import factories
from tests.browser.conftest import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, username):
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", factories.PASSWORD)
    page.get_by_test_id("login-submit").click()
    page.wait_for_url("**/")


def _photo(tmp_path):
    path = tmp_path / "fire-lane.jpg"
    buffer = BytesIO()
    Image.new("RGB", (320, 240), (180, 40, 40)).save(buffer, format="JPEG")
    path.write_bytes(buffer.getvalue())
    return path


def test_joint_inspection_from_sheet_to_verified_rectification(new_page, shots, tmp_path):
    from django.apps import apps

    seed_default_template(apps)
    compound = factories.CompoundFactory(name="阳光花园", name_en="Sunny Garden")
    factories.member_of(compound.committee, role="committee_chair", username="chair", first_name="张伟")
    factories.member_of(
        compound.property_company, role="property_staff", username="staffer", first_name="刘洋", language="en"
    )
    factories.member_of(compound.community_office, role="community_officer", username="officer", first_name="陈静")
    photo = _photo(tmp_path)

    # The committee member creates an emergency joint inspection on a phone.
    chair = new_page(viewport=PHONE)
    _sign_in(chair, "chair")
    chair.goto("/inspections/")
    shots.take(chair, "overview-phone-zh")
    chair.get_by_test_id("new-inspection").click()
    # The chair's only compound and the only checklist are filled in; the kind is the chair's choice.
    assert chair.input_value("#id_compound") != ""
    assert chair.input_value("#id_template") != ""
    assert chair.input_value("#id_kind") == ""
    chair.select_option("#id_kind", value="joint")
    chair.fill("#id_planned_on", timezone.localdate().isoformat())
    chair.fill("#id_title", "消防专项联合检查")
    chair.get_by_test_id("create").click()
    chair.get_by_test_id("start").click()
    assert chair.get_by_test_id("inspection-status").inner_text() == "进行中"

    # Every row saves itself on change; the fire lane gets a deduction, a note and a photo.
    rows = chair.get_by_test_id("item-row")
    assert rows.count() == 33
    for index in range(rows.count()):
        row = chair.get_by_test_id("item-row").nth(index)
        text = row.locator(".fw-semibold").first.inner_text()
        if text == "安全出口、消防通道畅通":
            row.get_by_test_id("deduction").fill("4")
            row.get_by_test_id("note").fill("3号楼消防通道停放电动车")
            row.get_by_test_id("note").dispatch_event("change")
            chair.get_by_test_id("item-row").nth(index).get_by_test_id("item-saved").wait_for()
            chair.get_by_test_id("item-row").nth(index).get_by_test_id("photos").set_input_files(str(photo))
            chair.get_by_test_id("item-row").nth(index).get_by_test_id("item-photo").wait_for()
            fire_lane = index
        else:
            row.get_by_test_id("deduction").dispatch_event("change")
            chair.get_by_test_id("item-row").nth(index).get_by_test_id("item-saved").wait_for()
    # The score and the count follow the sheet as it is filled.
    assert chair.get_by_test_id("answered").inner_text() == "33 / 33"
    assert chair.get_by_test_id("score").inner_text().startswith("96")
    chair.get_by_test_id("item-row").nth(fire_lane).scroll_into_view_if_needed()
    chair.screenshot(path=str(shots.folder / "02a-sheet-fire-lane-phone-zh.png"))
    shots.take(chair, "sheet-phone-zh")

    # A reload (a closed tab, a lost connection) loses nothing already entered.
    chair.reload()
    assert chair.get_by_test_id("answered").inner_text() == "33 / 33"
    assert chair.get_by_test_id("score").inner_text().startswith("96")
    row = chair.get_by_test_id("item-row").nth(fire_lane)
    assert row.get_by_test_id("note").input_value() == "3号楼消防通道停放电动车"
    assert row.get_by_test_id("item-photo").count() == 1

    # Offline, a change says it was not saved; back online, the next change saves it.
    row = chair.get_by_test_id("item-row").nth(0)
    chair.context.set_offline(True)
    row.get_by_test_id("note").fill("工牌齐全")
    row.get_by_test_id("note").dispatch_event("change")
    row.get_by_test_id("item-unsaved").wait_for()
    assert "未保存" in row.get_by_test_id("item-unsaved").inner_text()
    shots.take(chair, "sheet-offline-phone-zh")
    chair.context.set_offline(False)
    row.get_by_test_id("note").dispatch_event("change")
    row.get_by_test_id("item-saved").wait_for()
    chair.reload()
    assert chair.get_by_test_id("item-row").nth(0).get_by_test_id("note").input_value() == "工牌齐全"
    chair.js_errors.clear()  # the failed request while offline is logged as a console error

    # The finding becomes a rectification notice to the property company.
    chair.get_by_test_id("raise-notice").first.click()
    chair.get_by_test_id("issue-notice").first.click()
    assert "整改通知单 ZG-" in chair.locator(".alert-success").inner_text()
    notice = RectificationNotice.objects.get()
    assert notice.severity == "critical"
    shots.take(chair, "notice-issued-phone-zh")

    inspection = Inspection.objects.get()
    chair.goto(f"/inspections/{inspection.pk}/")
    chair.fill("#id_summary", "消防通道被占用，已下发整改通知单。")
    chair.get_by_test_id("complete").click()
    assert chair.get_by_test_id("inspection-status").inner_text() == "待签字"
    chair.get_by_test_id("party-committee").get_by_test_id("sign").click()
    assert chair.get_by_test_id("party-committee").get_by_test_id("party-status").inner_text() == "已签字"

    # The community officer signs on a desktop, with a dissent note.
    officer = new_page()
    _sign_in(officer, "officer")
    officer.goto(f"/inspections/{inspection.pk}/")
    officer.fill("#signatures textarea[name=dissent]", "建议对电动车停放加大处罚")
    officer.get_by_test_id("party-community_office").get_by_test_id("sign").click()
    assert officer.get_by_test_id("party-community_office").get_by_test_id("party-status").inner_text() == "已签字"
    shots.take(officer, "joint-officer-signed-desktop-zh")

    # The property staff (English interface) signs, which completes the record.
    staff = new_page(locale="en-GB")
    _sign_in(staff, "staffer")
    staff.goto(f"/inspections/{inspection.pk}/")
    staff.get_by_test_id("party-property_company").get_by_test_id("sign").click()
    assert staff.get_by_test_id("inspection-status").inner_text() == "Completed"
    shots.take(staff, "joint-completed-desktop-en")

    # The staff acknowledge the notice and submit their evidence with a photo.
    staff.goto("/inspections/notices/")
    shots.take(staff, "notice-list-desktop-en")
    staff.get_by_role("link", name=notice.reference).click()
    staff.get_by_test_id("acknowledge").click()
    staff.fill("form[action$='/submit/'] textarea[name=note]", "E-bikes moved to the charging shed.")
    staff.set_input_files("form[action$='/submit/'] input[name=photos]", str(photo))
    staff.get_by_test_id("submit-evidence").click()
    assert staff.get_by_test_id("notice-status").inner_text() == "Awaiting re-inspection"
    shots.take(staff, "notice-evidence-desktop-en")

    # The committee member re-inspects and verifies it.
    chair.goto(f"/inspections/notices/{notice.pk}/")
    chair.get_by_test_id("evidence-photo").wait_for()
    chair.get_by_test_id("verify").click()
    assert chair.get_by_test_id("notice-status").inner_text() == "复查通过"
    shots.take(chair, "notice-verified-phone-zh")
    chair.goto(f"/inspections/{inspection.pk}/print/")
    shots.take(chair, "print-phone-zh")
    desk = new_page()
    _sign_in(desk, "chair")
    desk.goto("/inspections/")
    shots.take(desk, "overview-desktop-zh")
    desk.goto(f"/inspections/{inspection.pk}/")
    shots.take(desk, "inspection-desktop-zh")
    officer.goto("/inspections/")
    assert officer.get_by_test_id("quarter-row").count() == 1
    shots.take(officer, "quarter-officer-desktop-zh")
    staff_phone = new_page(viewport=PHONE, locale="en-GB")
    _sign_in(staff_phone, "staffer")
    staff_phone.goto("/inspections/notices/?show=all")
    assert staff_phone.get_by_test_id("notice-status").inner_text() == "Verified"
    shots.take(staff_phone, "notice-list-phone-en")
    staff_phone.goto(f"/inspections/{inspection.pk}/print/")
    shots.take(staff_phone, "print-phone-en")
    assert staff_phone.js_errors == []
    assert chair.js_errors == []
    assert staff.js_errors == []
    assert officer.js_errors == []
