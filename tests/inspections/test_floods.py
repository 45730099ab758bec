"""Floods of the inspection forms answered with 429 and nothing saved:
findings, rectification steps, setting up inspections."""

import pytest
from django.urls import reverse

from inspections import services
from inspections.models import ChecklistTemplate, InspectionItem
from tests.conftest import client_for
from tests.floods import assert_flood_refused

pytestmark = pytest.mark.django_db


def _speaks(user):
    def speak(language):
        type(user).objects.filter(pk=user.pk).update(language=language)

    return speak


def test_a_flood_of_findings_gets_429(settings, joint, committee_member):
    client = client_for(committee_member)

    def send(i, language):
        return client.post(reverse("inspections:finding_add", args=[joint.pk]), {"text": f"垃圾桶破损 {i}", "note": ""})

    assert_flood_refused(settings, "step", send, speak=_speaks(committee_member))
    assert InspectionItem.objects.filter(inspection=joint, extra=True).count() == 2


def test_a_flood_of_rectification_steps_gets_429(settings, notice, property_staff):
    services.rectification_acknowledge(notice=notice, by=property_staff, seen_version=notice.version)
    client = client_for(property_staff)

    def send(i, language):
        notice.refresh_from_db()
        return client.post(
            reverse("inspections:notice_progress", args=[notice.pk]),
            {"version": notice.version, "note": f"已清理一半 {i}"},
        )

    assert_flood_refused(settings, "step", send, speak=_speaks(property_staff))
    assert notice.events.filter(action="progress").count() == 2


def test_a_flood_of_template_copies_gets_429(settings, compound, committee_member, default_template):
    client = client_for(committee_member)

    def send(i, language):
        return client.post(reverse("inspections:template_copy", args=[default_template.pk]), {"compound": compound.pk})

    assert_flood_refused(settings, "setup", send, speak=_speaks(committee_member))
    assert ChecklistTemplate.objects.filter(compound=compound).count() == 2
