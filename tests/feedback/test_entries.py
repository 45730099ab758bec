"""Self-service feedback (自助反馈), the services: an owner leaves feedback
with photos, the committee acknowledges and answers it, or turns an inquiry
into a complaint that keeps the link. Every move goes through the one
transition table; a refused write leaves no row and no file behind."""

import os

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from committee_site import search
from committee_site.models import AuditEvent, Notification, ServiceArea
from committee_site.services import ChangedMeanwhile, NotAllowed, ServiceError
from committee_site.uploads import image_reencode
from complaints.models import Action as ComplaintAction
from complaints.models import Category, Channel, Complaint, ComplaintEvent, ComplaintPhoto
from feedback.models import FeedbackEntry, FeedbackEvent, FeedbackPhoto
from feedback.services import entries as services
from tests import factories
from tests.conftest import jpeg_bytes
from tests.races import postgresql_only, race
from tests.snapshot import db_rows

pytestmark = pytest.mark.django_db

Kind = FeedbackEntry.Kind
Status = FeedbackEntry.Status


def clean_photo(color=(200, 30, 30)):
    """A photo as the form hands it over: checked and re-encoded."""
    return image_reencode(SimpleUploadedFile("p.jpg", jpeg_bytes(color=color), content_type="image/jpeg"))


def media_files():
    root = default_storage.location
    return sorted(os.path.join(d, f) for d, _dirs, files in os.walk(root) for f in files)


def area(code="landscaping"):
    return ServiceArea.objects.get(code=code)


def leave(owner, *, kind=Kind.SUGGESTION, title="小区绿化需要修剪", body="3号楼前的树枝挡住了路灯。", **kwargs):
    """An owner's feedback through the service, for the owner's only unit."""
    unit = owner.owner_profile.units.select_related("building__compound").first()
    return services.feedback_submit(
        by=owner,
        compound=kwargs.pop("compound", unit.building.compound),
        unit=kwargs.pop("unit", None),
        kind=kind,
        service_area=kwargs.pop("service_area", None) or area(),
        title=title,
        body=body,
        rating=kwargs.pop("rating", 4 if kind == Kind.RATING else None),
        name_shown_to_company=kwargs.pop("name_shown_to_company", False),
        photos=kwargs.pop("photos", ()),
    )


# --- leaving feedback ------------------------------------------------------------------


def test_submit_keeps_the_entry_its_photos_event_and_audit_and_tells_the_committee(owner, committee_member, compound):
    entry = leave(owner, photos=[clean_photo(), clean_photo((0, 90, 200))])
    entry.refresh_from_db()
    assert (entry.status, entry.version, entry.kind) == (Status.NEW, 1, Kind.SUGGESTION)
    assert entry.compound == compound
    assert entry.unit == owner.owner_profile.units.get()
    assert entry.author == owner
    photos = list(entry.photos.all())
    assert len(photos) == 2
    assert all(p.file.startswith("private/feedback/") and default_storage.exists(p.file) for p in photos)
    event = FeedbackEvent.objects.get(entry=entry)
    assert (event.action, event.actor, event.to_status) == ("submit", owner, Status.NEW)
    audit = AuditEvent.objects.get(object_type="feedback.feedbackentry", object_id=str(entry.pk))
    assert (audit.action, audit.actor, audit.data) == ("feedback.submit", owner, {"kind": "suggestion", "photos": 2})
    told = Notification.objects.get(recipient=committee_member)
    assert told.kind == "feedback_submitted"
    assert told.title == "业主新反馈（建议）：小区绿化需要修剪"
    assert "3号楼前的树枝挡住了路灯。" in told.body
    assert told.url == reverse("feedback:entry_detail", args=[entry.pk])
    assert not Notification.objects.filter(recipient=owner).exists()


def test_submitted_text_is_found_by_a_two_character_chinese_word(owner):
    entry = leave(owner, title="电梯按钮失灵", body="二号电梯的按钮按了没反应")
    leave(owner, title="草坪很好", body="绿化做得好")
    found = search.search(FeedbackEntry.objects.all(), "按钮")
    assert list(found) == [entry]


def test_a_rating_needs_a_satisfaction_level_and_the_other_kinds_carry_none(owner):
    with pytest.raises(ServiceError, match="满意度"):
        leave(owner, kind=Kind.RATING, rating=None)
    with pytest.raises(ServiceError, match="只有评价"):
        leave(owner, kind=Kind.PRAISE, rating=5)
    with pytest.raises(ServiceError, match="满意度"):
        leave(owner, kind=Kind.RATING, rating=9)
    assert not FeedbackEntry.objects.exists()
    rated = leave(owner, kind=Kind.RATING, rating=2)
    assert rated.rating == 2


def test_only_an_owner_of_the_compound_leaves_feedback(owner, other_compound, committee_member, compound):
    with pytest.raises(ServiceError, match="业主"):
        services.feedback_submit(
            by=committee_member, compound=compound, unit=None, kind=Kind.SUGGESTION, service_area=area(),
            title="t", body="b", rating=None, name_shown_to_company=False,
        )  # fmt: skip
    with pytest.raises(ServiceError, match="业主"):
        leave(owner, compound=other_compound)
    assert not FeedbackEntry.objects.exists()


def test_an_owner_of_several_units_says_which_and_only_their_own(owner, compound):
    second = factories.UnitFactory(building=factories.BuildingFactory(compound=compound, number="5"), number="501")
    owner.owner_profile.units.add(second)
    with pytest.raises(ServiceError, match="请选择这条反馈来自哪一处"):
        leave(owner)
    neighbours = factories.UnitFactory(building=second.building, number="502")
    with pytest.raises(ServiceError, match="不是您"):
        leave(owner, unit=neighbours)
    assert leave(owner, unit=second).unit == second


def test_a_refused_entry_leaves_no_photo_file_behind(owner):
    with pytest.raises(ServiceError):
        leave(owner, title="  ", photos=[clean_photo(), clean_photo()])
    assert media_files() == []
    assert not FeedbackEntry.objects.exists()
    assert not FeedbackPhoto.objects.exists()


def test_more_than_six_photos_are_refused_before_any_is_stored(owner):
    with pytest.raises(ServiceError, match="6"):
        leave(owner, photos=[clean_photo() for _ in range(7)])
    assert media_files() == []
    assert len(leave(owner, photos=[clean_photo() for _ in range(6)]).photos.all()) == 6


def test_an_area_no_longer_in_use_is_refused(owner):
    retired = area("fire_safety")
    ServiceArea.objects.filter(pk=retired.pk).update(active=False)
    retired.refresh_from_db()
    with pytest.raises(ServiceError, match="不再使用"):
        leave(owner, service_area=retired)


# --- acknowledge and answer ---------------------------------------------------------


def test_acknowledge_then_answer_and_the_owner_is_told_with_a_link(owner, committee_member):
    entry = leave(owner)
    services.feedback_acknowledge(entry=entry, by=committee_member, seen_version=1)
    entry.refresh_from_db()
    assert (entry.status, entry.version) == (Status.ACKNOWLEDGED, 2)
    assert entry.acknowledged_at is not None
    assert not Notification.objects.filter(recipient=owner).exists()
    services.feedback_answer(entry=entry, by=committee_member, seen_version=2, answer="  已联系物业本周修剪。 ")
    entry.refresh_from_db()
    assert (entry.status, entry.version, entry.answer) == (Status.ANSWERED, 3, "已联系物业本周修剪。")
    assert (entry.answered_by, entry.answered_at is not None) == (committee_member, True)
    moves = list(FeedbackEvent.objects.filter(entry=entry).values_list("action", "from_status", "to_status", "note"))
    assert moves == [
        ("submit", "", "new", ""),
        ("acknowledge", "new", "acknowledged", ""),
        ("answer", "acknowledged", "answered", "已联系物业本周修剪。"),
    ]
    audits = AuditEvent.objects.filter(object_type="feedback.feedbackentry").order_by("id")
    assert list(audits.values_list("action", flat=True)) == [
        "feedback.submit",
        "feedback.acknowledge",
        "feedback.answer",
    ]
    told = Notification.objects.get(recipient=owner)
    assert (told.kind, told.url) == ("feedback_answered", reverse("feedback:entry_detail", args=[entry.pk]))
    assert told.title == "业委会已答复您的反馈“小区绿化需要修剪”"
    assert "已联系物业本周修剪。" in told.body


def test_an_entry_can_be_answered_without_acknowledging_first(owner, committee_member):
    entry = leave(owner)
    services.feedback_answer(entry=entry, by=committee_member, seen_version=1, answer="谢谢建议")
    assert entry.status == Status.ANSWERED


def test_an_answer_needs_text(owner, committee_member):
    entry = leave(owner)
    with pytest.raises(ServiceError, match="答复"):
        services.feedback_answer(entry=entry, by=committee_member, seen_version=1, answer=" \n ")
    entry.refresh_from_db()
    assert (entry.status, entry.version) == (Status.NEW, 1)


def test_an_answered_entry_takes_no_further_step(owner, committee_member):
    entry = leave(owner, kind=Kind.INQUIRY)
    services.feedback_answer(entry=entry, by=committee_member, seen_version=1, answer="谢谢")
    with pytest.raises(NotAllowed, match="已答复"):
        services.feedback_acknowledge(entry=entry, by=committee_member, seen_version=2)
    with pytest.raises(NotAllowed):
        services.feedback_answer(entry=entry, by=committee_member, seen_version=2, answer="再答一次")
    with pytest.raises(NotAllowed):
        services.feedback_convert(
            entry=entry, by=committee_member, seen_version=2, category=Category.objects.get(code="landscaping")
        )
    assert not Complaint.objects.exists()


def test_a_page_out_of_date_is_refused_naming_who_acted_first(owner, committee_member, compound):
    second = factories.member_of(compound.committee, role="committee_member", username="second", first_name="李委员")
    entry = leave(owner)
    stale = FeedbackEntry.objects.get(pk=entry.pk)
    services.feedback_answer(entry=entry, by=second, seen_version=1, answer="已处理")
    with pytest.raises(ChangedMeanwhile, match="李委员") as refused:
        services.feedback_answer(entry=stale, by=committee_member, seen_version=1, answer="我也答一次")
    assert "：答复了反馈。您的操作未保存，请查看页面后重试。" in str(refused.value.message)
    entry.refresh_from_db()
    assert (entry.answer, entry.answered_by, entry.version) == ("已处理", second, 2)


# --- an inquiry becomes a complaint -------------------------------------------------


def test_convert_records_a_complaint_for_the_owner_and_keeps_the_link(owner, committee_member, compound):
    entry = leave(
        owner, kind=Kind.INQUIRY, title="地库漏水归谁管", body="B2 车库顶上一直滴水，想问问谁负责。",
        service_area=area("maintenance"), photos=[clean_photo(), clean_photo((10, 200, 10))],
    )  # fmt: skip
    Notification.objects.all().delete()
    category = Category.objects.get(code="facility_repair")
    complaint = services.feedback_convert(
        entry=entry, by=committee_member, seen_version=1, category=category, location_text="地下车库 B2",
        note="我们会跟进。",
    )  # fmt: skip
    entry.refresh_from_db()
    complaint.refresh_from_db()
    # The complaint: recorded by the committee for the owner, with the inquiry's text and where it is.
    assert (complaint.complainant, complaint.channel, complaint.category) == (owner, Channel.FEEDBACK, category)
    assert (complaint.title, complaint.description) == ("地库漏水归谁管", "B2 车库顶上一直滴水，想问问谁负责。")
    assert (complaint.unit, complaint.location_text) == (None, "地下车库 B2")
    first, note = ComplaintEvent.objects.filter(complaint=complaint).order_by("id")
    assert (first.action, first.actor) == (ComplaintAction.RECORD, committee_member)
    assert (note.action, note.visible_to_owner, note.data) == (ComplaintAction.NOTE, True, {"feedback": entry.pk})
    assert note.note.startswith("由业主的咨询“地库漏水归谁管”")
    # Its photos are copies: other files, the same pictures.
    copies = list(ComplaintPhoto.objects.filter(complaint=complaint).values_list("file", flat=True))
    originals = list(entry.photos.values_list("file", flat=True))
    assert len(copies) == 2
    assert not set(copies) & set(originals)
    assert all(c.startswith("private/complaints/") for c in copies)
    assert [default_storage.open(c).read() for c in copies] == [default_storage.open(o).read() for o in originals]
    # The entry: answered with the reference, linked both ways.
    assert (entry.status, entry.version, entry.complaint) == (Status.ANSWERED, 2, complaint)
    assert complaint.from_feedback == entry
    assert entry.answer == f"业委会已将您的咨询转为投诉 {complaint.reference}，请在投诉页面跟进。\n\n我们会跟进。"
    event = FeedbackEvent.objects.filter(entry=entry).last()
    assert (event.action, event.note) == ("convert", entry.answer)
    told = {n.kind: n for n in Notification.objects.filter(recipient=owner)}
    assert set(told) == {"complaint_received", "feedback_converted"}
    assert told["feedback_converted"].url == reverse("complaints:detail", args=[complaint.pk])
    assert complaint.reference in told["feedback_converted"].title


def test_convert_without_a_place_puts_the_owners_unit_on_the_complaint(owner, committee_member):
    entry = leave(owner, kind=Kind.INQUIRY)
    complaint = services.feedback_convert(
        entry=entry, by=committee_member, seen_version=1, category=Category.objects.get(code="landscaping")
    )
    assert complaint.unit == entry.unit
    assert complaint.photos.count() == 0


def test_the_answer_of_a_conversion_is_in_the_owners_language(owner, committee_member):
    type(owner).objects.filter(pk=owner.pk).update(language="en")
    owner.refresh_from_db()
    entry = leave(owner, kind=Kind.INQUIRY)
    complaint = services.feedback_convert(
        entry=entry, by=committee_member, seen_version=1, category=Category.objects.get(code="landscaping")
    )
    assert entry.answer == (
        f"The committee has turned your inquiry into complaint {complaint.reference}: follow it there."
    )


@pytest.mark.parametrize("kind", [Kind.SUGGESTION, Kind.PRAISE, Kind.RATING])
def test_only_an_inquiry_becomes_a_complaint(owner, committee_member, kind):
    entry = leave(owner, kind=kind)
    with pytest.raises(NotAllowed, match="咨询"):
        services.feedback_convert(
            entry=entry, by=committee_member, seen_version=1, category=Category.objects.get(code="landscaping")
        )
    assert not Complaint.objects.exists()
    entry.refresh_from_db()
    assert entry.status == Status.NEW


def test_a_conversion_on_a_page_out_of_date_writes_nothing(owner, committee_member):
    entry = leave(owner, kind=Kind.INQUIRY, photos=[clean_photo()])
    stale = FeedbackEntry.objects.get(pk=entry.pk)
    services.feedback_acknowledge(entry=entry, by=committee_member, seen_version=1)
    files, before = media_files(), db_rows()
    with pytest.raises(ChangedMeanwhile):
        services.feedback_convert(
            entry=stale, by=committee_member, seen_version=1, category=Category.objects.get(code="landscaping")
        )
    assert db_rows() == before
    assert media_files() == files


def test_a_conversion_that_fails_late_leaves_no_complaint_and_no_photo_copy(owner, committee_member, monkeypatch):
    entry = leave(owner, kind=Kind.INQUIRY, photos=[clean_photo(), clean_photo()])
    files, before = media_files(), db_rows()

    def broken_note(**kwargs):
        raise ServiceError("笔记写不进去")

    monkeypatch.setattr(services.complaint_services, "complaint_note", broken_note)
    with pytest.raises(ServiceError, match="笔记写不进去"):
        services.feedback_convert(
            entry=entry, by=committee_member, seen_version=1, category=Category.objects.get(code="landscaping")
        )
    assert db_rows() == before
    assert media_files() == files


def test_a_photo_gone_from_the_storage_is_left_out_of_the_complaint(owner, committee_member):
    entry = leave(owner, kind=Kind.INQUIRY, photos=[clean_photo(), clean_photo()])
    default_storage.delete(entry.photos.first().file)
    complaint = services.feedback_convert(
        entry=entry, by=committee_member, seen_version=1, category=Category.objects.get(code="landscaping")
    )
    assert complaint.photos.count() == 1


# --- two members at once (PostgreSQL) ----------------------------------------------


@postgresql_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")
def test_two_conversions_at_once_make_one_complaint(compound, owner, committee_member):
    second = factories.member_of(compound.committee, role="committee_member", username="second")
    entry = leave(owner, kind=Kind.INQUIRY, photos=[clean_photo()])
    category = Category.objects.get(code="facility_repair")

    def load():
        return FeedbackEntry.objects.select_related("compound", "unit", "author").get(pk=entry.pk)

    outcomes = race(
        (load, lambda e: services.feedback_convert(entry=e, by=committee_member, seen_version=1, category=category)),
        (load, lambda e: services.feedback_convert(entry=e, by=second, seen_version=1, category=category)),
    )
    winners = [o for o in outcomes if isinstance(o, Complaint)]
    losers = [o for o in outcomes if isinstance(o, ChangedMeanwhile)]
    assert (len(winners), len(losers)) == (1, 1), outcomes
    assert Complaint.objects.count() == 1
    entry.refresh_from_db()
    assert entry.complaint == winners[0]
    # The winner's photo copy and the owner's photo; the loser's copy was deleted.
    assert len(media_files()) == 2


@postgresql_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")
def test_acknowledge_and_answer_at_once_exactly_one_wins(compound, owner, committee_member):
    second = factories.member_of(compound.committee, role="committee_member", username="second")
    entry = leave(owner)

    def load():
        return FeedbackEntry.objects.select_related("compound", "author").get(pk=entry.pk)

    outcomes = race(
        (load, lambda e: services.feedback_acknowledge(entry=e, by=committee_member, seen_version=1)),
        (load, lambda e: services.feedback_answer(entry=e, by=second, seen_version=1, answer="已答复")),
    )
    assert sorted(type(o).__name__ for o in outcomes) == ["ChangedMeanwhile", "FeedbackEntry"], outcomes
    entry.refresh_from_db()
    assert entry.version == 2
    assert FeedbackEvent.objects.filter(entry=entry).count() == 2
