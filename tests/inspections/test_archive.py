import hashlib
from datetime import timedelta

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import translation

from committee_site.services import ChangedMeanwhile, ServiceError
from inspections import services
from inspections.models import Inspection, InspectionItem, RectificationNotice, SigningParty
from records.chain import chain_verify
from records.models import ArchiveFile, ArchiveRecord, RecordKind
from tests.conftest import jpeg_bytes
from tests.inspections.conftest import answer_all

pytestmark = pytest.mark.django_db


def _records(source):
    return ArchiveRecord.objects.filter(source_type=source._meta.label_lower, source_id=str(source.pk))


def _photo(color=(200, 30, 30)):
    return ContentFile(jpeg_bytes(color=color), name="photo.jpg")


def _digest(name):
    with default_storage.open(name, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def _complete(inspection, by, *, deductions=None, photos=None):
    answer_all(inspection, by, deductions)
    for text, pictures in (photos or {}).items():
        item = inspection.items.get(text=text)
        services.inspection_item_record(item=item, by=by, deduction=item.deduction, note=item.note, photos=pictures)
    inspection = Inspection.objects.get(pk=inspection.pk)
    return services.inspection_complete(
        inspection=inspection, seen_version=inspection.version, by=by, summary="整体良好"
    )


def test_inspection_archive_completing_a_random_check_archives_one_record(random_check, committee_member):
    with time_machine.travel("2026-11-30 11:00 +0800", tick=False):
        services.inspection_finding_add(
            inspection=random_check,
            by=committee_member,
            text="地库照明不足",
            service_area=None,
            note="B2 区域三盏灯不亮",
            critical=False,
            photos=[_photo((0, 0, 200))],
        )
        inspection = _complete(
            random_check,
            committee_member,
            deductions={"公共区域每日清扫": 2},
            photos={"公共区域每日清扫": [_photo()]},
        )
    record = _records(inspection).get()
    assert record.kind == RecordKind.INSPECTION
    assert record.number.startswith("DA-XJ-2026-")
    assert record.happened_at == Inspection.objects.get(pk=inspection.pk).completed_at
    assert record.service_area is None
    assert record.overdue is None
    body = record.body
    assert "不定期抽查" in body
    assert "2026-11-30 11:00" in body
    assert "98" in body  # the score
    assert "优秀" in body  # and its grade
    # Every item of the sheet with its deduction.
    for item in InspectionItem.objects.filter(inspection=inspection, extra=False):
        assert item.text in body
    assert "公共区域每日清扫" in body
    assert "地库照明不足" in body
    assert "B2 区域三盏灯不亮" in body
    assert "整体良好" in body
    assert record.public_body == body  # nobody's identity to hide: no owner takes part
    assert record.data["score"] == 98
    assert record.data["grade"] == "excellent"
    assert len(record.data["items"]) == inspection.items.count()
    # The photos are copied, each with the hash of the original.
    originals = [
        name for item in inspection.items.order_by("extra", "section_order", "order", "id") for name in item.photos
    ]
    files = list(ArchiveFile.objects.filter(record=record).order_by("position"))
    assert len(files) == len(originals) == 2
    assert [f.sha256 for f in files] == [_digest(name) for name in originals]
    assert [_digest(f.stored_as) for f in files] == [f.sha256 for f in files]
    assert chain_verify(inspection.compound_id).intact


def test_inspection_archive_a_joint_inspection_is_archived_when_the_last_party_signs(
    joint, committee_member, property_staff, officer
):
    joint = _complete(joint, committee_member, deductions={"垃圾分类落实": 1})
    assert joint.status == Inspection.Status.SIGNING
    assert not _records(joint).exists()
    parties = {party.party: party for party in joint.parties.all()}
    services.signing_party_sign(party=parties["committee"], seen_version=1, by=committee_member)
    services.signing_party_sign(
        party=parties["property_company"], seen_version=1, by=property_staff, dissent="垃圾分类扣分过重"
    )
    assert not _records(joint).exists()
    services.signing_party_mark_absent(
        party=parties["community_office"], seen_version=1, by=committee_member, reason="社区开会"
    )
    record = _records(joint).get()
    assert record.number.startswith("DA-XJ-")
    body = record.body
    assert "联合检查" in body
    assert committee_member.get_full_name() in body
    assert property_staff.get_full_name() in body
    assert officer.get_full_name() in body  # a participant
    assert "垃圾分类扣分过重" in body  # the dissent
    assert "社区开会" in body  # the reason for the absence
    assert "已签" in body
    assert "缺席" in body
    assert {p["status"] for p in record.data["parties"]} == {SigningParty.Status.SIGNED, SigningParty.Status.ABSENT}
    compound = joint.compound
    assert record.parties == [compound.committee.name, compound.property_company.name, compound.community_office.name]
    assert chain_verify(compound.pk).intact


def test_inspection_archive_a_refused_completion_archives_nothing(random_check, committee_member):
    answer_all(random_check, committee_member)
    stale = Inspection.objects.get(pk=random_check.pk)
    services.inspection_complete(inspection=random_check, seen_version=random_check.version, by=committee_member)
    with pytest.raises(ChangedMeanwhile):
        services.inspection_complete(inspection=stale, seen_version=stale.version, by=committee_member)
    assert _records(random_check).count() == 1


def test_inspection_archive_a_refused_signature_archives_nothing(joint, committee_member, property_staff, manager):
    joint = _complete(joint, committee_member)
    for name in ("committee", "community_office"):
        party = joint.parties.get(party=name)
        services.signing_party_sign(
            party=party,
            seen_version=party.version,
            by=committee_member if name == "committee" else joint.participants.get(party=name).user,
        )
    party = joint.parties.get(party="property_company")
    stale = SigningParty.objects.get(pk=party.pk)
    services.signing_party_sign(party=party, seen_version=party.version, by=property_staff)
    assert _records(joint).count() == 1
    # The other signer of the same party, a moment late: refused, and nothing archived twice.
    with pytest.raises(ServiceError):
        services.signing_party_sign(party=stale, seen_version=stale.version, by=manager)
    assert ArchiveRecord.objects.count() == 1


def test_inspection_archive_text_is_in_chinese_whoever_completes_it(random_check, committee_member):
    with translation.override("en"):
        inspection = _complete(random_check, committee_member)
    body = _records(inspection).get().body
    assert "得分" in body
    assert "Score" not in body


def _submit(notice, by, note, photos=()):
    notice = RectificationNotice.objects.get(pk=notice.pk)
    return services.rectification_submit(
        notice=notice, seen_version=notice.version, by=by, note=note, photos=list(photos)
    )


def test_rectification_archive_verifying_a_notice_archives_one_record(notice, committee_member, property_staff):
    with time_machine.travel("2026-11-30 14:00 +0800", tick=False):
        notice = RectificationNotice.objects.get(pk=notice.pk)
        services.rectification_acknowledge(
            notice=notice, seen_version=notice.version, by=property_staff, note="今天清理"
        )
        _submit(notice, property_staff, "已清理完毕", [_photo(), _photo((0, 200, 0))])
    assert not ArchiveRecord.objects.filter(kind=RecordKind.RECTIFICATION).exists()
    with time_machine.travel("2026-12-01 09:00 +0800", tick=False):
        notice = RectificationNotice.objects.get(pk=notice.pk)
        services.rectification_verify(notice=notice, seen_version=notice.version, by=committee_member, note="复查合格")
    notice = RectificationNotice.objects.get(pk=notice.pk)
    record = _records(notice).get()
    assert record.number.startswith("DA-ZG-2026-")
    assert record.happened_at == notice.verified_at
    assert record.overdue is False
    assert record.service_area_id == notice.service_area_id
    body = record.body
    for text in (
        notice.reference,
        "清理消防通道",
        "3号楼消防通道堆放杂物",
        "今天清理",
        "已清理完毕",
        "复查合格",
        "安全出口、消防通道畅通",
        "重大隐患",
        "2026-12-01 09:00",
    ):
        assert text in body, text
    assert property_staff.get_full_name() in body
    evidence = [name for event in notice.events.all() for name in event.photos]
    files = list(record.files.order_by("position"))
    assert len(files) == len(evidence) == 2
    assert [f.sha256 for f in files] == [_digest(name) for name in evidence]
    assert [p["sha256"] for p in record.data["photos"]] == [f.sha256 for f in files]
    assert len(record.data["events"]) == 4
    assert chain_verify(notice.compound_id).intact


def test_rectification_archive_overdue_after_a_failed_re_inspection(notice, committee_member, property_staff):
    _submit(notice, property_staff, "已清理")
    notice = RectificationNotice.objects.get(pk=notice.pk)
    services.rectification_fail(notice=notice, seen_version=notice.version, by=committee_member, note="仍有电动车")
    _submit(notice, property_staff, "电动车已移走")
    notice = RectificationNotice.objects.get(pk=notice.pk)
    services.rectification_verify(notice=notice, seen_version=notice.version, by=committee_member)
    record = _records(notice).get()
    assert record.overdue is True
    assert "仍有电动车" in record.body
    assert len(record.data["deadlines"]) == 2


def test_rectification_archive_overdue_when_verified_after_the_deadline(notice, committee_member, property_staff):
    _submit(notice, property_staff, "已清理")
    with time_machine.travel(notice.deadline + timedelta(hours=5), tick=False):
        notice = RectificationNotice.objects.get(pk=notice.pk)
        services.rectification_verify(notice=notice, seen_version=notice.version, by=committee_member)
    assert _records(notice).get().overdue is True


def test_rectification_archive_a_refused_verification_archives_nothing(notice, committee_member, property_staff):
    _submit(notice, property_staff, "已清理")
    notice = RectificationNotice.objects.get(pk=notice.pk)
    stale = RectificationNotice.objects.get(pk=notice.pk)
    services.rectification_fail(notice=notice, seen_version=notice.version, by=committee_member, note="未整改")
    with pytest.raises(ChangedMeanwhile):
        services.rectification_verify(notice=stale, seen_version=stale.version, by=committee_member)
    assert not ArchiveRecord.objects.filter(kind=RecordKind.RECTIFICATION).exists()


def test_archive_chain_of_inspections_and_notices_stays_intact(random_check, notice, committee_member, property_staff):
    _submit(notice, property_staff, "已清理")
    notice = RectificationNotice.objects.get(pk=notice.pk)
    services.rectification_verify(notice=notice, seen_version=notice.version, by=committee_member)
    _complete(random_check, committee_member)
    report = chain_verify(random_check.compound_id)
    assert report.intact
    assert report.count == 2
    assert [r.kind for r in ArchiveRecord.objects.order_by("sequence")] == [
        RecordKind.RECTIFICATION,
        RecordKind.INSPECTION,
    ]
