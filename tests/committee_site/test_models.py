import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import translation

from committee_site.models import Membership, ServiceArea, TimeLimits
from tests import factories

pytestmark = pytest.mark.django_db


def test_service_areas_are_seeded_in_both_languages():
    areas = list(ServiceArea.objects.all())
    assert [a.code for a in areas] == [
        "move_in", "maintenance", "complaints", "security", "parking",
        "fire_safety", "cleaning", "landscaping", "disclosure",
    ]  # fmt: skip
    cleaning = ServiceArea.objects.get(code="cleaning")
    with translation.override("zh-hans"):
        assert str(cleaning) == "环境卫生"
    with translation.override("en"):
        assert str(cleaning) == "Cleaning"


def test_english_name_falls_back_to_chinese_when_missing():
    compound = factories.CompoundFactory(name="阳光花园", name_en="")
    with translation.override("en"):
        assert str(compound) == "阳光花园"


def test_time_limits_default_to_the_design():
    limits = TimeLimits.load()
    assert (limits.accept_hours, limits.reply_days, limits.resolve_urgent_hours) == (24, 2, 24)
    assert (limits.resolve_normal_days, limits.resolve_complex_days, limits.callback_days) == (7, 30, 3)
    assert (limits.dispute_days, limits.rectify_critical_hours, limits.rectify_general_days) == (7, 48, 7)
    assert (limits.reinspect_days, limits.joint_inspections_per_quarter, limits.retention_years) == (3, 1, 10)


def test_reply_limit_can_never_exceed_ten_days():
    limits = TimeLimits.load()
    limits.reply_days = 11
    with pytest.raises(ValidationError) as error, translation.override("en"):
        limits.full_clean()
    assert "reply_days" in error.value.message_dict


def test_time_limits_is_a_single_row():
    TimeLimits.load()
    with pytest.raises(IntegrityError):
        TimeLimits.objects.create(pk=2)


def test_membership_role_must_fit_the_organisation(compound, db):
    user = factories.UserFactory()
    membership = Membership(user=user, organisation=compound.property_company, role="committee_chair")
    with pytest.raises(ValidationError) as error:
        membership.full_clean()
    assert "role" in error.value.message_dict


def test_units_render_in_the_active_language(compound):
    unit = factories.UnitFactory(building=factories.BuildingFactory(compound=compound, number="3"), number="1502")
    with translation.override("zh-hans"):
        assert str(unit) == "3号楼1502室"
    with translation.override("en"):
        assert str(unit) == "Building 3, unit 1502"
