from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from committee_site import clock
from committee_site.models import AuditEvent, Notification, TimeLimits
from committee_site.reminders import reminders_sweep
from committee_site.services import ChangedMeanwhile, NotAllowed, ServiceError, transition_apply
from inspections import services
from inspections.models import (
    ChecklistItem,
    Inspection,
    InspectionItem,
    InspectionPlan,
    RectificationEvent,
    RectificationNotice,
    SigningParty,
)
from tests.inspections.conftest import answer_all

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_start_snapshots_the_template_so_later_edits_do_not_change_the_sheet(
    compound, committee_member, default_template
):
    copy = services.checklist_template_copy(template=default_template, compound=compound, by=committee_member)
    inspection = services.inspection_create(
        compound=compound, kind="ad_hoc", template=copy, planned_on=date(2026, 11, 30), by=committee_member
    )
    inspection = services.inspection_start(inspection=inspection, seen_version=inspection.version, by=committee_member)
    assert inspection.template_version == 1
    assert inspection.items.count() == 33
    item = ChecklistItem.objects.get(section__template=copy, text="垃圾分类落实")
    services.checklist_item_save(
        section=item.section,
        by=committee_member,
        item=item,
        text="垃圾分类到位",
        text_en="",
        points=2,
        critical=False,
        service_area=None,
        guidance="",
        clause="9.1",
    )
    copy.refresh_from_db()
    assert copy.version == 2
    snapshot = inspection.items.get(source_item=item)
    assert (snapshot.text, snapshot.points) == ("垃圾分类落实", 3)


def test_template_item_cannot_make_a_section_worth_more_than_its_points(compound, committee_member, default_template):
    copy = services.checklist_template_copy(template=default_template, compound=compound, by=committee_member)
    section = copy.sections.get(name="绿化养护")
    with pytest.raises(ServiceError, match="超过该类别的 5 分"):
        services.checklist_item_save(
            section=section,
            by=committee_member,
            text="新增",
            text_en="",
            points=1,
            critical=False,
            service_area=None,
            guidance="",
            clause="",
        )


def test_site_wide_template_is_not_edited_by_a_committee(committee_member, default_template):
    section = default_template.sections.first()
    with pytest.raises(ServiceError, match="请先为本小区复制一份"):
        services.checklist_item_save(
            section=section,
            by=committee_member,
            item=section.items.first(),
            text="x",
            text_en="",
            points=1,
            critical=False,
            service_area=None,
            guidance="",
            clause="",
        )


def test_score_and_grade_come_from_the_deductions(random_check, committee_member):
    answer_all(random_check, committee_member, {"安全出口、消防通道畅通": 4, "公共区域每日清扫": 4, "车辆停放有序": 3})
    inspection = services.inspection_complete(
        inspection=random_check, seen_version=random_check.version, by=committee_member
    )
    assert inspection.status == Inspection.Status.COMPLETED
    assert inspection.score == 89
    assert inspection.grade == "good"
    assert inspection.grade_label == "良好"
    assert inspection.completed_at is not None


def test_completing_needs_every_item_answered(random_check, committee_member):
    item = random_check.items.first()
    services.inspection_item_record(item=item, by=committee_member, deduction=0, note="")
    with pytest.raises(ServiceError, match="32"):
        services.inspection_complete(inspection=random_check, seen_version=random_check.version, by=committee_member)
    random_check.refresh_from_db()
    assert random_check.status == Inspection.Status.IN_PROGRESS


def test_deduction_cannot_exceed_the_item_points(random_check, committee_member):
    item = random_check.items.get(text="绿地无杂草")
    with pytest.raises(ServiceError, match=r"At most 2 points|最多可扣 2 分"):
        services.inspection_item_record(item=item, by=committee_member, deduction=3, note="")
    item.refresh_from_db()
    assert not item.answered


def test_findings_not_on_the_sheet_deduct_nothing(random_check, committee_member):
    services.inspection_finding_add(
        inspection=random_check, by=committee_member, text="5号楼外墙渗水", service_area=None, note="", critical=False
    )
    answer_all(random_check, committee_member)
    assert (
        services.inspection_complete(
            inspection=random_check, seen_version=random_check.version, by=committee_member
        ).score
        == 100
    )


def test_recording_after_completion_is_refused(random_check, committee_member):
    answer_all(random_check, committee_member)
    services.inspection_complete(inspection=random_check, seen_version=random_check.version, by=committee_member)
    item = random_check.items.first()
    with pytest.raises(ChangedMeanwhile):
        services.inspection_item_record(item=item, by=committee_member, deduction=1, note="late")
    item.refresh_from_db()
    assert item.deduction == 0


def test_two_members_completing_at_once_one_wins(random_check, committee_member):
    answer_all(random_check, committee_member)
    stale = Inspection.objects.get(pk=random_check.pk)
    services.inspection_complete(
        inspection=random_check, seen_version=random_check.version, by=committee_member, summary="first"
    )
    with pytest.raises(ChangedMeanwhile):
        services.inspection_complete(
            inspection=stale, seen_version=stale.version, by=committee_member, summary="second"
        )
    random_check.refresh_from_db()
    assert random_check.summary == "first"


def test_joint_inspection_invites_and_needs_every_party(joint, committee_member, property_staff, officer):
    assert set(joint.participants.values_list("user__username", flat=True)) == {"chair", "staffer", "officer1"}
    assert Notification.objects.filter(recipient=officer, kind="inspection_invitation").exists()
    answer_all(joint, committee_member)
    joint = services.inspection_complete(inspection=joint, seen_version=joint.version, by=committee_member)
    assert joint.status == Inspection.Status.SIGNING
    assert Notification.objects.filter(recipient=property_staff, kind="inspection_sign_request").exists()
    parties = {party.party: party for party in joint.parties.all()}
    services.signing_party_sign(
        party=parties["committee"], seen_version=parties["committee"].version, by=committee_member
    )
    services.signing_party_sign(
        party=parties["property_company"],
        seen_version=parties["property_company"].version,
        by=property_staff,
        dissent="第5项扣分过重",
    )
    joint.refresh_from_db()
    assert joint.status == Inspection.Status.SIGNING
    services.signing_party_mark_absent(
        party=parties["community_office"],
        seen_version=parties["community_office"].version,
        by=committee_member,
        reason="社区开会",
    )
    joint.refresh_from_db()
    assert joint.status == Inspection.Status.COMPLETED
    assert SigningParty.objects.get(pk=parties["property_company"].pk).dissent == "第5项扣分过重"
    assert Notification.objects.filter(recipient=committee_member, kind="inspection_signed").exists()


def test_absence_needs_a_reason(joint, committee_member):
    answer_all(joint, committee_member)
    services.inspection_complete(inspection=joint, seen_version=joint.version, by=committee_member)
    party = joint.parties.get(party="community_office")
    with pytest.raises(ServiceError, match=r"reason|原因"):
        services.signing_party_mark_absent(party=party, seen_version=party.version, by=committee_member, reason="  ")


def test_two_signers_of_one_party_one_wins(joint, committee_member, property_staff, manager):
    answer_all(joint, committee_member)
    services.inspection_complete(inspection=joint, seen_version=joint.version, by=committee_member)
    party = joint.parties.get(party="property_company")
    stale = SigningParty.objects.get(pk=party.pk)
    services.signing_party_sign(party=party, seen_version=party.version, by=property_staff)
    with pytest.raises(ChangedMeanwhile):
        services.signing_party_sign(party=stale, seen_version=stale.version, by=manager, dissent="不同意")
    party.refresh_from_db()
    assert (party.signed_by, party.dissent) == (property_staff, "")


def test_signing_before_the_sheet_is_complete_is_refused(joint, property_staff):
    party = joint.parties.get(party="property_company")
    with pytest.raises(NotAllowed, match="检查表填完后才能在记录上签字；该检查当前为“进行中”。"):
        services.signing_party_sign(party=party, seen_version=party.version, by=property_staff)
    party.refresh_from_db()
    assert (party.status, party.version, party.signed_by) == ("pending", 1, None)


def test_notice_deadline_comes_from_the_time_limits(random_check, committee_member):
    with time_machine.travel(datetime(2026, 11, 30, 10, 0, tzinfo=SHANGHAI), tick=False):
        critical = services.rectification_issue(
            compound=random_check.compound, by=committee_member, title="通道", description="堵塞", severity="critical"
        )
        assert critical.deadline == timezone.now() + timedelta(hours=48)
        assert critical.reference == "ZG-2026-000001"
        limits = TimeLimits.load()
        limits.rectify_general_days = 5
        limits.save()
        general = services.rectification_issue(
            compound=random_check.compound,
            by=committee_member,
            title="楼道",
            description="楼道未清扫",
            severity="general",
        )
        assert general.deadline == timezone.now() + timedelta(days=5)
        assert general.reference == "ZG-2026-000002"


def test_notice_lifecycle_writes_events_and_notifies(notice, committee_member, property_staff, mailoutbox):
    assert Notification.objects.filter(recipient=property_staff, kind="rectification_issued").count() == 1
    notice = services.rectification_acknowledge(
        notice=notice, seen_version=notice.version, by=property_staff, note="今天清理"
    )
    services.rectification_progress(notice=notice, by=property_staff, note="已清走一半", seen_version=notice.version)
    notice.refresh_from_db()
    notice = services.rectification_submit(
        notice=notice, seen_version=notice.version, by=property_staff, note="已清理完毕", photos=[]
    )
    assert notice.status == RectificationNotice.Status.AWAITING_REVIEW
    notice = services.rectification_fail(
        notice=notice, seen_version=notice.version, by=committee_member, note="仍有电动车停放"
    )
    assert notice.status == RectificationNotice.Status.FAILED
    assert notice.deadline > timezone.now()
    notice = services.rectification_submit(
        notice=notice, seen_version=notice.version, by=property_staff, note="电动车已移走", photos=[]
    )
    notice = services.rectification_verify(notice=notice, seen_version=notice.version, by=committee_member)
    assert notice.status == RectificationNotice.Status.VERIFIED
    assert list(notice.events.values_list("action", flat=True)) == [
        "issue",
        "acknowledge",
        "progress",
        "submit",
        "fail",
        "submit",
        "verify",
    ]
    kinds = list(Notification.objects.order_by("id").values_list("kind", flat=True))
    for kind in [
        "rectification_acknowledged",
        "rectification_progress",
        "rectification_submitted",
        "rectification_failed",
        "rectification_verified",
    ]:
        assert kind in kinds
    progress = Notification.objects.get(kind="rectification_progress")
    assert progress.recipient == committee_member
    assert progress.body.endswith("已清走一半")
    assert AuditEvent.objects.filter(object_type="inspections.rectificationnotice").count() == 7


def test_verifying_an_open_notice_is_refused(notice, committee_member):
    with pytest.raises(NotAllowed, match="该整改通知单当前为“待整改”，不能进行这一步。"):
        services.rectification_verify(notice=notice, seen_version=notice.version, by=committee_member)
    notice.refresh_from_db()
    assert notice.status == "open"


def test_two_staff_submitting_at_once_one_wins_and_nothing_is_lost(notice, property_staff, manager):
    stale = RectificationNotice.objects.get(pk=notice.pk)
    services.rectification_submit(
        notice=notice, seen_version=notice.version, by=property_staff, note="第一份", photos=[]
    )
    with pytest.raises(ChangedMeanwhile):
        services.rectification_submit(notice=stale, seen_version=stale.version, by=manager, note="第二份", photos=[])
    assert list(RectificationEvent.objects.filter(action="submit").values_list("note", flat=True)) == ["第一份"]


def test_overdue_is_derived_from_the_deadline(notice):
    assert not notice.is_overdue()
    later = notice.deadline + timedelta(minutes=1)
    assert notice.is_overdue(later)
    assert list(RectificationNotice.objects.overdue(later)) == [notice]
    RectificationNotice.objects.filter(pk=notice.pk).update(status="awaiting_review")
    assert list(RectificationNotice.objects.overdue(later)) == []


def test_notice_from_another_source_keeps_its_reference(compound, committee_member, owner):
    # Any model instance can be the source; inspections never import complaints.
    notice = services.rectification_issue(
        compound=compound,
        by=committee_member,
        title="电梯异响",
        description="业主投诉",
        severity="general",
        source=owner,
        source_reference="TS-2026-000123",
    )
    assert (notice.source_type, notice.source_id, notice.source_reference) == (
        "committee_site.user",
        str(owner.pk),
        "TS-2026-000123",
    )


def test_plan_materialises_once_per_period_and_reminds_once(
    compound, committee_member, property_staff, officer, default_template
):
    plan = services.inspection_plan_create(
        compound=compound,
        template=default_template,
        kind="joint",
        recurrence="monthly",
        day_of_period=10,
        lead=committee_member,
        by=committee_member,
    )
    created = services.inspection_plan_materialise(plan_id=plan.pk, today=date(2026, 11, 30))
    assert [i.planned_on for i in Inspection.objects.filter(pk__in=created).order_by("planned_on")] == [
        date(2026, 12, 10),
        date(2027, 1, 10),
    ]
    assert services.inspection_plan_materialise(plan_id=plan.pk, today=date(2026, 11, 30)) == []
    assert Inspection.objects.filter(plan=plan).count() == 2
    # The sweep reminds the three people of the inspection of 10 December, once.
    for moment in ("2026-12-08 09:00 +0800", "2026-12-09 09:00 +0800"):
        with time_machine.travel(moment, tick=False):
            reminders_sweep()
    assert Notification.objects.filter(kind="reminder_inspection").count() == 3
    assert Notification.objects.filter(recipient=officer, kind="reminder_inspection").count() == 1


def test_stopped_plan_creates_nothing(compound, committee_member, default_template):
    plan = InspectionPlan.objects.create(
        compound=compound, template=default_template, kind="scheduled", recurrence="quarterly", active=False
    )
    assert services.inspection_plan_materialise(plan_id=plan.pk, today=date(2026, 11, 30)) == []


def test_item_photos_are_stored_and_counted(random_check, committee_member):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from committee_site.uploads import image_reencode
    from tests.conftest import jpeg_bytes

    item = random_check.items.first()
    photo = image_reencode(SimpleUploadedFile("a.jpg", jpeg_bytes(), content_type="image/jpeg"))
    services.inspection_item_record(item=item, by=committee_member, deduction=1, note="x", photos=[photo])
    item = InspectionItem.objects.get(pk=item.pk)
    assert len(item.photos) == 1
    assert item.photos[0].startswith("private/inspections/")


def test_a_machine_with_events_writes_one_event_row_per_move(notice, property_staff):
    with clock.frozen_at(datetime(2026, 10, 9, 2, 30, tzinfo=UTC)):
        moved = transition_apply(
            obj=notice,
            machine=RectificationNotice.TRANSITIONS,
            action="acknowledge",
            by=property_staff,
            seen_version=1,
            note="今天清理",
            event_fields={"photos": ["a.jpg"]},
        )
    event = RectificationEvent.objects.get(action="acknowledge")
    assert moved.event == event
    assert (event.at, event.actor, event.from_status, event.to_status) == (
        datetime(2026, 10, 9, 2, 30, tzinfo=UTC),
        property_staff,
        "open",
        "in_progress",
    )
    assert (event.note, event.photos) == ("今天清理", ["a.jpg"])
    notice.refresh_from_db()
    assert (notice.status, notice.version) == ("in_progress", 2)


def test_progress_keeps_the_status_and_takes_a_version(notice, property_staff):
    notice = services.rectification_acknowledge(notice=notice, by=property_staff, seen_version=1)
    notice = services.rectification_progress(notice=notice, by=property_staff, seen_version=2, note="已清走一半")
    notice.refresh_from_db()
    assert (notice.status, notice.version) == ("in_progress", 3)
    assert list(notice.events.values_list("action", "from_status", "to_status")) == [
        ("issue", "", "open"),
        ("acknowledge", "open", "in_progress"),
        ("progress", "in_progress", "in_progress"),
    ]
