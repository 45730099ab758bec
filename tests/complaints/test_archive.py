import hashlib
from datetime import timedelta

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone, translation

from committee_site.services import ChangedMeanwhile
from complaints import services
from complaints.models import Action, Channel, Complaint, PublicationScope, Status
from complaints.redaction import personal_details_in
from records.chain import chain_verify
from records.models import ArchiveFile, ArchiveRecord, RecordKind, RecordPublication
from tests.complaints.conftest import drive, file_complaint
from tests.conftest import jpeg_bytes

pytestmark = pytest.mark.django_db


def _records(complaint):
    return ArchiveRecord.objects.filter(source_type="complaints.complaint", source_id=str(complaint.pk))


def _fresh(complaint):
    return Complaint.objects.select_related("compound", "category", "complainant").get(pk=complaint.pk)


def _close(how, complaint, *, committee, owner):
    """Take the complaint to one of its ends through the real services."""
    if how in ("confirm", "auto_close"):
        complaint = drive(complaint, Status.RESOLVED, committee=committee)
        if how == "confirm":
            services.complaint_confirm(complaint=complaint, by=owner, seen_version=complaint.version, rating=4)
        else:
            services.complaints_auto_close(now=complaint.dispute_until + timedelta(minutes=1))
    elif how == "withdraw":
        complaint = drive(complaint, Status.ACCEPTED, committee=committee)
        services.complaint_withdraw(complaint=complaint, by=owner, seen_version=complaint.version, reason="已自行解决")
    elif how == "refer":
        complaint = drive(complaint, Status.ASSIGNED, committee=committee)
        services.complaint_refer(
            complaint=complaint,
            by=committee,
            seen_version=complaint.version,
            referred_to="街道城管中队",
            note="城管执法",
        )
    elif how == "reject":
        services.complaint_reject(
            complaint=complaint, by=committee, seen_version=complaint.version, reason="属于业主之间的民事纠纷"
        )
    return _fresh(complaint)


@pytest.mark.parametrize(
    ("how", "status"),
    [
        ("confirm", Status.CLOSED),
        ("auto_close", Status.CLOSED),
        ("withdraw", Status.WITHDRAWN),
        ("refer", Status.REFERRED),
        ("reject", Status.REJECTED),
    ],
)
def test_complaint_archive_each_closing_move_archives_exactly_one_record(how, status, owner, committee_member):
    complaint = file_complaint(owner)
    assert not _records(complaint).exists()
    complaint = _close(how, complaint, committee=committee_member, owner=owner)
    assert complaint.status == status
    record = _records(complaint).get()
    assert record.kind == RecordKind.COMPLAINT
    year = timezone.localtime(complaint.closed_at).year
    assert record.number.startswith(f"DA-TS-{year}-")
    assert record.happened_at == complaint.closed_at
    assert record.compound_id == complaint.compound_id
    assert record.service_area_id == complaint.service_area_id
    assert record.category == complaint.category.name
    assert record.building_id == complaint.unit.building_id
    assert record.parties[0] == "业主"
    assert complaint.compound.property_company.name in record.parties
    assert complaint.compound.committee.name in record.parties
    assert record.data["reference"] == complaint.reference
    assert record.data["status"] == status
    assert record.data["category"] == complaint.category.code
    assert len(record.data["events"]) == complaint.events.count()
    # A move that does not end the complaint archives nothing more.
    assert ArchiveRecord.objects.count() == 1
    assert chain_verify(complaint.compound_id).intact


def test_complaint_archive_body_holds_the_whole_timeline_the_ruling_and_the_complainant(owner, committee_member):
    with time_machine.travel("2026-11-02 10:00 +0800", tick=False):
        complaint = file_complaint(owner)
    with time_machine.travel("2026-11-02 11:30 +0800", tick=False):
        complaint = drive(complaint, Status.IN_PROGRESS, committee=committee_member)
        services.complaint_progress(
            complaint=complaint,
            by=committee_member,
            seen_version=complaint.version,
            note="配件已订购",
            visible_to_owner=True,
        )
        complaint = _fresh(complaint)
        services.complaint_progress(
            complaint=complaint,
            by=committee_member,
            seen_version=complaint.version,
            note="内部：供应商报价偏高",
            visible_to_owner=False,
        )
    with time_machine.travel("2026-11-04 16:00 +0800", tick=False):
        complaint = _fresh(complaint)
        services.complaint_reply(
            complaint=complaint, by=committee_member, seen_version=complaint.version, result="已更换门机"
        )
        complaint = _fresh(complaint)
        services.complaint_confirm(
            complaint=complaint, by=owner, seen_version=complaint.version, rating=4, comment="谢谢"
        )
    record = _records(complaint).get()
    body = record.body
    complaint = _fresh(complaint)
    # In Asia/Shanghai time, every event with who did it.
    events = list(complaint.events.all())
    assert len(events) == 8
    assert "2026-11-02 10:00" in body
    assert "2026-11-04 16:00" in body
    for label in ("提交", "受理", "责任", "确认"):
        assert label in body
    assert body.count(str(committee_member.get_full_name())) >= 4
    assert "共用设施由物业负责维修" in body  # the ruling's reason
    assert "物业公司" in body  # the party ruled responsible
    assert "今天联系电梯公司" in body  # the plan
    assert "配件已订购" in body
    assert "内部：供应商报价偏高" in body  # the committee reads the internal note
    assert "已更换门机" in body  # the result
    assert "满意" in body
    # The complainant as the committee sees them: name, unit, phone.
    assert owner.get_full_name() in body
    assert "1号楼101室" in body
    assert "13900139000" in body
    assert "网页" in body or "网站" in body
    assert record.overdue is False
    assert record.data["overdue"] is False
    assert record.data["dates"]["closed_at"] == complaint.closed_at.isoformat()


def test_complaint_archive_public_body_names_no_owner(owner, committee_member, compound):
    complaint = services.complaint_submit(
        by=committee_member,
        compound=compound,
        category=file_complaint(owner).category,
        title="王先生反映电梯门关不上",
        description="王先生（电话 13912345678，住 1号楼101室）说电梯门关不上。",
        channel=Channel.PHONE,
        complainant_name="王先生",
        complainant_phone="13912345678",
    )
    complaint = drive(complaint, Status.IN_PROGRESS, committee=committee_member)
    services.complaint_progress(
        complaint=complaint,
        by=committee_member,
        seen_version=complaint.version,
        note="已致电王先生 13912345678",
        visible_to_owner=False,
    )
    complaint = _fresh(complaint)
    services.complaint_refer(
        complaint=complaint,
        by=committee_member,
        seen_version=complaint.version,
        referred_to="电梯维保单位",
        note="转办",
    )
    record = _records(complaint).get()
    assert "王先生" in record.body
    assert "13912345678" in record.body
    assert "王先生" not in record.public_body
    assert "13912345678" not in record.public_body
    assert "101室" not in record.public_body
    assert personal_details_in(record.public_body, complaint) == []
    assert "王先生" not in record.title
    # Yet it is the same record: the ruling and the timeline are there.
    assert "共用设施由物业负责维修" in record.public_body
    assert "电梯维保单位" in record.public_body


def test_complaint_archive_public_body_of_a_registered_owner_hides_name_unit_and_phone(owner, committee_member):
    complaint = _close("confirm", file_complaint(owner), committee=committee_member, owner=owner)
    record = _records(complaint).get()
    for detail in (owner.get_full_name(), "13900139000", "101"):
        assert detail in record.body
        assert detail not in record.public_body
    assert owner.username not in record.public_body
    assert personal_details_in(record.public_body, complaint) == []
    # The owner's own confirmation is in the timeline, as "the owner".
    assert "业主" in record.public_body


def test_complaint_archive_copies_the_photos_with_the_original_sha256(owner, committee_member):
    complaint = file_complaint(owner, photos=[ContentFile(jpeg_bytes(), name="a.jpg")])
    complaint = drive(complaint, Status.IN_PROGRESS, committee=committee_member)
    services.complaint_reply(
        complaint=complaint,
        by=committee_member,
        seen_version=complaint.version,
        result="已更换门机",
        photos=[ContentFile(jpeg_bytes(color=(10, 200, 10)), name="b.jpg")],
    )
    complaint = _fresh(complaint)
    services.complaint_confirm(complaint=complaint, by=owner, seen_version=complaint.version, rating=5)
    record = _records(complaint).get()
    originals = list(complaint.photos.order_by("uploaded_at", "id").values_list("file", flat=True))
    files = list(ArchiveFile.objects.filter(record=record).order_by("position"))
    assert len(originals) == len(files) == 2
    for original, file in zip(originals, files, strict=True):
        with default_storage.open(original, "rb") as handle:
            digest = hashlib.sha256(handle.read()).hexdigest()
        assert file.sha256 == digest
        assert file.stored_as != original
        with default_storage.open(file.stored_as, "rb") as handle:
            assert hashlib.sha256(handle.read()).hexdigest() == digest
    assert [p["sha256"] for p in record.data["photos"]] == [f.sha256 for f in files]
    assert chain_verify(complaint.compound_id).intact
    assert [file.internal for file in files] == [False, False]


def test_complaint_archive_marks_a_photo_kept_from_the_owner_as_internal(owner, committee_member):
    complaint = drive(file_complaint(owner), Status.IN_PROGRESS, committee=committee_member)
    services.complaint_progress(
        complaint=complaint, by=committee_member, seen_version=complaint.version, note="内部：维保合同到期",
        visible_to_owner=False, photos=[ContentFile(jpeg_bytes(), name="contract.jpg")],
    )  # fmt: skip
    complaint = _fresh(complaint)
    services.complaint_reply(complaint=complaint, by=committee_member, seen_version=complaint.version, result="已修复")
    complaint = _fresh(complaint)
    services.complaint_confirm(complaint=complaint, by=owner, seen_version=complaint.version, rating=5)
    [file] = ArchiveFile.objects.filter(record=_records(complaint).get())
    assert file.internal is True


def test_complaint_archive_a_refused_move_archives_nothing(owner, committee_member):
    complaint = drive(file_complaint(owner), Status.RESOLVED, committee=committee_member)
    stale = complaint.version
    services.complaint_reopen(complaint=complaint, by=committee_member, seen_version=stale, reason="业主来电说又坏了")
    late = Complaint.objects.get(pk=complaint.pk)
    late.version = stale  # the page the owner still had open
    late.status = Status.RESOLVED
    with pytest.raises(ChangedMeanwhile):
        services.complaint_confirm(complaint=late, by=owner, seen_version=stale, rating=5)
    assert not ArchiveRecord.objects.exists()
    assert _fresh(complaint).status == Status.IN_PROGRESS


def _archive_files():
    if not default_storage.exists("archive"):
        return set()
    found = set()
    for year in default_storage.listdir("archive")[0]:
        for month in default_storage.listdir(f"archive/{year}")[0]:
            found |= set(default_storage.listdir(f"archive/{year}/{month}")[1])
    return found


def test_complaint_archive_a_failing_archive_leaves_the_complaint_as_it_was(owner, committee_member, monkeypatch):
    photos = [ContentFile(jpeg_bytes(color=(i * 40, 0, 0)), name=f"{i}.jpg") for i in range(3)]
    complaint = drive(file_complaint(owner, photos=photos), Status.RESOLVED, committee=committee_member)
    real_save = default_storage.save
    calls = []

    def disk_full_at_the_second_copy(name, content, *args, **kwargs):
        calls.append(name)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real_save(name, content, *args, **kwargs)

    monkeypatch.setattr(default_storage, "save", disk_full_at_the_second_copy)
    with pytest.raises(OSError, match="No space"):
        services.complaint_confirm(complaint=complaint, by=owner, seen_version=complaint.version, rating=5)
    assert _fresh(complaint).status == Status.RESOLVED
    assert not ArchiveRecord.objects.exists()
    assert not complaint.events.filter(action=Action.CONFIRM).exists()
    # The copy made before the disk filled up is gone again.
    assert _archive_files() == set()


def test_complaint_archive_reopened_and_closed_again_is_an_amendment(owner, committee_member):
    complaint = _close("confirm", file_complaint(owner), committee=committee_member, owner=owner)
    first = _records(complaint).get()
    services.complaint_reopen(complaint=complaint, by=committee_member, seen_version=complaint.version, reason="又坏了")
    assert _records(complaint).count() == 1
    complaint = _fresh(complaint)
    services.complaint_reply(
        complaint=complaint, by=committee_member, seen_version=complaint.version, result="更换电机"
    )
    complaint = _fresh(complaint)
    services.complaint_confirm(complaint=complaint, by=owner, seen_version=complaint.version, rating=5)
    second = _records(complaint).order_by("-sequence").first()
    assert _records(complaint).count() == 2
    assert second.amends_id == first.pk
    assert second.sequence == first.sequence + 1
    assert first.number in second.body
    assert "又坏了" in second.body
    assert "更换电机" in second.body
    assert chain_verify(complaint.compound_id).intact


@pytest.mark.parametrize("scope", [PublicationScope.COMPOUND, PublicationScope.BUILDING, PublicationScope.COMPLAINANT])
def test_complaint_archive_publishing_the_result_publishes_the_record(scope, owner, committee_member):
    complaint = _close("confirm", file_complaint(owner), committee=committee_member, owner=owner)
    record = _records(complaint).get()
    assert not ArchiveRecord.objects.visible_to(owner).exists()
    services.complaint_publish(complaint=complaint, by=committee_member, summary="电梯门已修好。", scope=scope)
    publication = RecordPublication.objects.get(record=record)
    expected = {
        PublicationScope.COMPOUND: (RecordPublication.Scope.COMPOUND, None, None),
        PublicationScope.BUILDING: (RecordPublication.Scope.BUILDING, complaint.building_id, None),
        PublicationScope.COMPLAINANT: (RecordPublication.Scope.OWNER, None, owner.pk),
    }[scope]
    assert (publication.scope, publication.building_id, publication.owner_id) == expected
    assert publication.by_id == committee_member.pk
    assert list(ArchiveRecord.objects.visible_to(owner)) == [record]
    # Publishing the same again adds no second publication.
    services.complaint_publish(complaint=complaint, by=committee_member, summary="电梯门已修好。", scope=scope)
    assert RecordPublication.objects.filter(record=record).count() == 1


def test_complaint_archive_published_then_reopened_publishes_the_amendment_too(owner, committee_member):
    complaint = _close("confirm", file_complaint(owner), committee=committee_member, owner=owner)
    services.complaint_publish(complaint=complaint, by=committee_member, summary="已修好。", scope="compound")
    services.complaint_reopen(complaint=complaint, by=committee_member, seen_version=complaint.version, reason="又坏了")
    complaint = _fresh(complaint)
    services.complaint_reply(
        complaint=complaint, by=committee_member, seen_version=complaint.version, result="更换电机"
    )
    complaint = _fresh(complaint)
    services.complaint_confirm(complaint=complaint, by=owner, seen_version=complaint.version, rating=5)
    latest = _records(complaint).order_by("-sequence").first()
    assert latest.publications.get().scope == RecordPublication.Scope.COMPOUND


def test_complaint_archive_publishing_a_reply_before_closing_waits_for_the_record(owner, committee_member):
    complaint = drive(file_complaint(owner), Status.RESOLVED, committee=committee_member)
    services.complaint_publish(complaint=complaint, by=committee_member, summary="已修好。", scope="compound")
    assert not RecordPublication.objects.exists()
    complaint = _fresh(complaint)
    services.complaint_confirm(complaint=complaint, by=owner, seen_version=complaint.version, rating=5)
    assert _records(complaint).get().publications.get().scope == RecordPublication.Scope.COMPOUND


def test_complaint_archive_overdue_when_a_deadline_was_missed(owner, committee_member):
    with time_machine.travel("2026-11-02 10:00 +0800", tick=False):
        late = file_complaint(owner)
        on_time = file_complaint(owner, title="楼道灯不亮")
    with time_machine.travel("2026-11-02 12:00 +0800", tick=False):
        on_time = _close("reject", on_time, committee=committee_member, owner=owner)
    # Accepted two days after it came in: past the 24-hour limit.
    with time_machine.travel("2026-11-04 12:00 +0800", tick=False):
        late = _close("withdraw", late, committee=committee_member, owner=owner)
    assert _records(on_time).get().overdue is False
    record = _records(late).get()
    assert record.overdue is True
    assert "accept" in record.data["missed"]


def test_complaint_archive_text_is_in_chinese_whoever_closes_it(owner, committee_member):
    complaint = drive(file_complaint(owner), Status.RESOLVED, committee=committee_member)
    with translation.override("en"):
        services.complaint_confirm(complaint=complaint, by=owner, seen_version=complaint.version, rating=5)
    record = _records(complaint).get()
    assert "投诉" in record.body
    assert "Complaint" not in record.body
    assert "投诉" in record.public_body


def test_complaint_archive_chain_stays_intact_over_many_complaints(owner, committee_member):
    for how in ("confirm", "withdraw", "reject", "refer", "auto_close"):
        _close(how, file_complaint(owner), committee=committee_member, owner=owner)
    compound_id = owner.owner_profile.units.get().building.compound_id
    report = chain_verify(compound_id)
    assert report.intact
    assert report.count == 5
    numbers = list(ArchiveRecord.objects.order_by("sequence").values_list("number", flat=True))
    assert numbers == sorted(numbers)
