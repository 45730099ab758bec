"""First journey: an owner applies for an account, a committee member
approves it, the owner signs in and switches to English and back."""

import pytest

from committee_site.models import OwnerApplication, User
from tests import factories
from tests.browser.conftest import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, username, password):
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.get_by_test_id("login-submit").click()


def test_owner_applies_committee_approves_owner_signs_in_and_switches_language(new_page, shots):
    compound = factories.CompoundFactory(name="阳光花园", name_en="Sunny Garden")
    factories.UnitFactory(building=factories.BuildingFactory(compound=compound, number="3"), number="1502")
    factories.member_of(compound.committee, role="committee_chair", username="chair", first_name="张伟")

    # The owner applies on a phone.
    owner_page = new_page(viewport=PHONE)
    owner_page.goto("/accounts/login/")
    shots.take(owner_page, "login-phone-zh")
    owner_page.get_by_test_id("apply-link").click()
    owner_page.fill("#id_full_name", "王芳")
    owner_page.fill("#id_phone", "13800138000")
    owner_page.fill("#id_email", "wang@example.org")
    owner_page.select_option("#id_building", label="阳光花园 · 3号楼")
    owner_page.fill("#id_unit_number", "1502")
    owner_page.fill("#id_username", "wangfang")
    owner_page.fill("#id_password1", "sunny-garden-2026")
    owner_page.fill("#id_password2", "sunny-garden-2026")
    shots.take(owner_page, "apply-phone-zh")
    owner_page.get_by_test_id("apply-submit").click()
    owner_page.get_by_test_id("apply-done").wait_for()
    assert owner_page.get_by_test_id("apply-done").inner_text() == "申请已提交"
    shots.take(owner_page, "apply-done-phone-zh")
    assert OwnerApplication.objects.get().status == "pending"

    # The committee member approves on a desktop.
    chair_page = new_page()
    _sign_in(chair_page, "chair", factories.PASSWORD)
    assert chair_page.get_by_test_id("pending-applications").inner_text() == "1"
    shots.take(chair_page, "committee-home-zh")
    chair_page.get_by_role("link", name="王芳").first.click()
    assert chair_page.get_by_test_id("application-status").inner_text() == "待业委会审核"
    shots.take(chair_page, "application-detail-zh")
    chair_page.get_by_test_id("approve").click()
    assert chair_page.get_by_test_id("application-status").inner_text() == "已通过"
    assert "已通过。王芳 现在可以用“wangfang”登录。" in chair_page.locator(".alert-success").inner_text()
    shots.take(chair_page, "application-approved-zh")

    # The owner signs in on the phone, and switches to English and back.
    _sign_in(owner_page, "wangfang", "sunny-garden-2026")
    owner_page.get_by_role("heading", name="王芳，您好").wait_for()
    assert "阳光花园" in owner_page.locator("main").inner_text()
    shots.take(owner_page, "owner-home-phone-zh")
    owner_page.get_by_test_id("language-footer-en").click()
    owner_page.get_by_role("heading", name="Welcome, 王芳").wait_for()
    assert "Sunny Garden" in owner_page.locator("main").inner_text()
    assert owner_page.locator("html").get_attribute("lang") == "en"
    assert User.objects.get(username="wangfang").language == "en"
    shots.take(owner_page, "owner-home-phone-en")
    owner_page.get_by_test_id("language-footer-zh-hans").click()
    owner_page.get_by_role("heading", name="王芳，您好").wait_for()
    assert User.objects.get(username="wangfang").language == "zh-hans"
    shots.take(owner_page, "owner-home-phone-zh-again")

    assert owner_page.js_errors == []
    assert chair_page.js_errors == []
