"""The one mechanism that moves every stateful model: a move allowed by the
model's table is applied with a conditional update on the version the person
saw, with its audit (and event) row; anything else changes nothing."""

from datetime import UTC, datetime

import pytest

from committee_site import clock
from committee_site.models import AuditEvent, OwnerApplication
from committee_site.services import ChangedMeanwhile, NotAllowed, transition_apply
from committee_site.workflow import Move, StateMachine
from tests import factories

pytestmark = pytest.mark.django_db

MOMENT = datetime(2026, 10, 9, 2, 30, tzinfo=UTC)
MACHINE = OwnerApplication.TRANSITIONS


def _rows(application):
    return (
        list(OwnerApplication.objects.filter(pk=application.pk).values_list()),
        list(AuditEvent.objects.values_list()),
    )


@pytest.fixture
def application(compound):
    unit = factories.UnitFactory(building=factories.BuildingFactory(compound=compound))
    return factories.OwnerApplicationFactory(unit=unit)


def test_move_updates_status_and_version_and_writes_its_audit_row_at_the_clock_time(application, committee_member):
    with clock.frozen_at(MOMENT):
        moved = transition_apply(
            obj=application,
            machine=MACHINE,
            action="reject",
            by=committee_member,
            seen_version=1,
            changes={"reason": "重复申请"},
            compound=application.unit.building.compound,
        )
    assert (moved.from_status, moved.to_status, moved.at, moved.event) == ("pending", "rejected", MOMENT, None)
    stored = OwnerApplication.objects.get(pk=application.pk)
    assert (stored.status, stored.version, stored.reason) == ("rejected", 2, "重复申请")
    assert (application.status, application.version) == ("rejected", 2)
    audit = AuditEvent.objects.get(action="owner_application.reject")
    assert (audit.at, audit.actor, audit.object_id) == (MOMENT, committee_member, str(application.pk))
    assert audit.data == {"move": "reject", "from": "pending", "to": "rejected", "version": 2}


def test_move_not_in_the_table_from_this_status_raises_not_allowed_and_changes_nothing(application, committee_member):
    OwnerApplication.objects.filter(pk=application.pk).update(status="approved", version=2)
    application.refresh_from_db()
    before = _rows(application)
    with pytest.raises(NotAllowed, match="该业主账号申请当前为“已通过”，不能进行这一步。"):
        transition_apply(obj=application, machine=MACHINE, action="reject", by=committee_member, seen_version=2)
    assert _rows(application) == before


def test_stale_version_raises_changed_meanwhile_naming_who_and_what(application, committee_member, compound):
    second = factories.member_of(compound.committee, role="committee_member", username="second", first_name="李委员")
    with clock.frozen_at(MOMENT):
        transition_apply(obj=application, machine=MACHINE, action="approve", by=second, seen_version=1)
    before = _rows(application)
    with pytest.raises(ChangedMeanwhile) as refused:
        transition_apply(obj=application, machine=MACHINE, action="reject", by=committee_member, seen_version=1)
    assert refused.value.message == (
        "在此期间李委员已处理该业主账号申请（2026-10-09 10:30）：批准了申请。您的操作未保存，请查看页面后重试。"
    )
    assert _rows(application) == before


def test_losing_the_conditional_update_leaves_the_row_and_the_object_as_they_were(application, committee_member):
    # Someone else's move landed after this object was loaded.
    OwnerApplication.objects.filter(pk=application.pk).update(status="rejected", version=2)
    before = _rows(application)
    with pytest.raises(ChangedMeanwhile, match="在此期间有人更改了该业主账号申请"):
        transition_apply(
            obj=application,
            machine=MACHINE,
            action="approve",
            by=committee_member,
            seen_version=1,
            changes={"reason": "x"},
        )
    assert _rows(application) == before
    assert (application.status, application.version, application.reason) == ("pending", 1, "")


def test_state_machine_reads_its_table():
    machine = StateMachine(
        name="door",
        moves={
            "open": Move(frozenset({"shut"}), "open", "opened"),
            "knock": Move(frozenset({"shut", "open"}), None, "knocked"),
        },
    )
    assert machine.actions_from("shut") == ["open", "knock"]
    assert machine.actions_from("open") == ["knock"]
    assert (machine.target("open", "shut"), machine.target("knock", "open")) == ("open", "open")
    assert (machine.allows("open", "open"), machine.allows("slam", "shut")) == (False, False)
    assert machine.label("knock") == "knocked"
