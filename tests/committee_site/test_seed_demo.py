import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from api import demo as api_demo
from api.models import ApiClient, FrontIdentity
from committee_site.access import user_access
from committee_site.models import (
    Building,
    Compound,
    Membership,
    Notification,
    OutgoingEmail,
    OwnerApplication,
    OwnerProfile,
    Unit,
    User,
)
from complaints import demo as complaints_demo
from complaints.models import (
    Action,
    Category,
    Channel,
    Complaint,
    ComplaintEvent,
    Publication,
    PublicationScope,
    Status,
    StatusCount,
)
from complaints.services import next_due
from feedback.models import Callback, Survey

pytestmark = pytest.mark.django_db

MODELS = (Compound, Building, Unit, User, Membership, OwnerProfile, OwnerApplication, Complaint, ComplaintEvent)


def _counts():
    return {model.__name__: model.objects.count() for model in MODELS}


def test_seed_demo_twice_adds_nothing_the_second_time(capsys):
    call_command("seed_demo")
    first = _counts()
    call_command("seed_demo")
    assert _counts() == first
    assert first["Compound"] == 1
    assert first["Unit"] == 6 * 18 * 2
    assert "0 new objects" in capsys.readouterr().out
    # 200 filed as complaints, one owner's inquiry the committee turned into
    # one, and two owners' e-mails to the complaint mailbox.
    assert first["Complaint"] == 203
    assert Complaint.objects.filter(channel=Channel.FEEDBACK).count() == 1


def test_seed_demo_files_the_demo_owner_s_later_complaints_through_the_wechat_account():
    call_command("seed_demo", stdout=io.StringIO())
    front = ApiClient.objects.get(key=api_demo.DEMO_KEY)
    bound = FrontIdentity.objects.get(client=front, openid=api_demo.DEMO_OPENID)
    wechat = list(Complaint.objects.filter(channel=Channel.WECHAT).order_by("submitted_at"))
    assert len(wechat) == 4
    assert {c.complainant.username for c in wechat} == {"owner"}
    # The account went live, the owner bound it, then filed through it: all in the past.
    assert front.created_at < bound.bound_at < wechat[0].submitted_at < wechat[-1].submitted_at < timezone.now()
    # Filed by the owner, as the API files; then handled like any other, some of them to the end.
    firsts = ComplaintEvent.objects.filter(complaint__in=wechat, action__in=[Action.SUBMIT, Action.RECORD])
    assert {(event.action, event.actor.username) for event in firsts} == {(Action.SUBMIT, "owner")}
    assert Status.CLOSED in {c.status for c in wechat}
    assert Status.SUBMITTED in {c.status for c in wechat}
    texts = {chinese for pairs in complaints_demo.TEXTS.values() for (chinese, _english) in pairs}
    assert all((c.title, c.description) in texts for c in wechat)
    # The references follow the dates, WeChat ones among the rest.
    ordered = list(Complaint.objects.exclude(channel=Channel.FEEDBACK).order_by("submitted_at", "pk"))
    assert [c.reference for c in ordered] == sorted(c.reference for c in ordered)


def test_seed_demo_adds_a_year_of_complaints_in_every_status_channel_and_category():
    call_command("seed_demo", stdout=io.StringIO())
    now = timezone.now()
    complaints = list(Complaint.objects.all())
    assert {c.status for c in complaints} == set(Status.values)
    # Every way a complaint reaches this site but a third-party app (API): the demo owner's
    # later ones through the WeChat account 业主之家公众号.
    assert {c.channel for c in complaints} == {
        Channel.WEB,
        Channel.FEEDBACK,
        Channel.PHONE,
        Channel.EMAIL,
        Channel.LETTER,
        Channel.VISIT,
        Channel.WECHAT,
    }
    assert {c.category_id for c in complaints} == set(Category.objects.filter(active=True).values_list("pk", flat=True))
    ages = [(now - c.submitted_at).days for c in complaints]
    assert max(ages) >= 330
    assert min(ages) == 0
    assert all(0 <= age <= 366 for age in ages)
    assert Complaint.objects.overdue().exists()
    assert Complaint.objects.due_within(48).exists()
    # The kept counts are the real counts.
    kept = dict(StatusCount.objects.values_list("status", "count"))
    assert {status: kept.get(status, 0) for status in Status.values} == {
        status: sum(c.status == status for c in complaints) for status in Status.values
    }
    # Back-dated consistently: the events tell the story in the past, and the deadlines follow it.
    for complaint in complaints:
        times = list(ComplaintEvent.objects.filter(complaint=complaint).values_list("at", flat=True))
        assert times[0] == complaint.submitted_at
        assert times == sorted(times)
        assert times[-1] <= now
        # Publishing a result or a note (a callback that reached nobody) adds to
        # the record but does not change the complaint.
        changes = ComplaintEvent.objects.filter(complaint=complaint).exclude(action__in=[Action.PUBLISH, Action.NOTE])
        assert complaint.updated_at == changes.latest("at").at
        assert complaint.next_due_at == next_due(complaint)
        assert complaint.reference.startswith(f"TS-{timezone.localtime(complaint.submitted_at).year}-")
    # Told in the site, never by e-mail: nobody's inbox receives made-up history.
    assert OutgoingEmail.objects.count() == 0


def test_seed_demo_accounts_sign_in_with_the_demo_password_and_hold_their_roles():
    call_command("seed_demo")
    compound = Compound.objects.get(name="阳光花园")
    assert compound.name_en == "Sunny Garden"
    expected = {
        "owner": {"owner"},
        "owner2": {"owner"},
        "committee": {"committee_chair"},
        "staff": {"property_staff"},
        "officer": {"community_officer"},
        "admin": set(),
    }
    for username, roles in expected.items():
        client = Client()
        response = client.post(reverse("login"), {"username": username, "password": "committee-demo"})
        assert response.status_code == 302, username
        user = User.objects.get(username=username)
        assert user_access(user).roles_in(compound.pk) == roles
    assert User.objects.get(username="admin").is_superuser


def test_no_account_exists_without_demo_data():
    assert User.objects.count() == 0


def test_seed_demo_tells_one_coherent_story():
    call_command("seed_demo", stdout=io.StringIO())
    now = timezone.now()

    # About half of what was closed is published, to the compound or a building, after closing.
    closed = Complaint.objects.filter(status=Status.CLOSED).count()
    publications = list(Publication.objects.select_related("complaint"))
    assert 0.4 <= len(publications) / closed <= 0.6
    assert {p.scope for p in publications} == {PublicationScope.COMPOUND, PublicationScope.BUILDING}
    assert all(p.complaint.status == Status.CLOSED for p in publications)
    assert all(p.complaint.closed_at < p.published_at <= now for p in publications)
    # So an owner's board has results on it.
    board = Publication.objects.visible_to(User.objects.get(username="owner"))
    assert board.filter(scope=PublicationScope.COMPOUND).exists()
    assert board.filter(scope=PublicationScope.BUILDING).exists()

    # Everybody in the story has been told what happened to them, and has something new.
    for username in ("owner", "owner2", "committee", "staff", "officer"):
        mine = Notification.objects.filter(recipient__username=username)
        assert mine.count() >= 5, username
        assert mine.filter(read_at__isnull=True).count() >= 2, username
        assert not mine.filter(created_at__gt=now).exists(), username

    # People act in the day: what anyone did on the cases older than a fortnight
    # (filing, recording, handling, calling back, publishing) falls between 8:00 and 22:00.
    older = ComplaintEvent.objects.filter(complaint__submitted_at__lt=now - timedelta(days=14), actor__isnull=False)
    hours = {timezone.localtime(at).hour for at in older.values_list("at", flat=True)}
    assert hours <= set(range(8, 22))
    assert len(hours) >= 12
    called = Callback.objects.filter(done_by__isnull=False, done_at__lt=now - timedelta(days=14))
    assert {timezone.localtime(at).hour for at in called.values_list("done_at", flat=True)} <= set(range(8, 22))
    # The open survey's first answers came in online, from owners the opening notice reached.
    survey = Survey.objects.latest("opens_at")
    assert survey.answers.filter(on_paper=False).exists()

    # Each owner writes in their own language.
    owner_titles = list(Complaint.objects.filter(complainant__username="owner").values_list("title", flat=True))
    owner2_titles = list(Complaint.objects.filter(complainant__username="owner2").values_list("title", flat=True))
    assert owner_titles
    assert owner2_titles
    assert all(not title.isascii() for title in owner_titles)
    assert all(title.isascii() for title in owner2_titles)


def test_seed_demo_archives_every_ended_case_and_keeps_an_intact_chain():
    from complaints.models import FINAL_STATUSES
    from inspections.models import Inspection, RectificationNotice
    from records.chain import chain_verify
    from records.models import ArchiveRecord, RecordKind, RecordPublication

    call_command("seed_demo", stdout=io.StringIO())
    now = timezone.now()
    compound = Compound.objects.get(name="阳光花园")

    def archived(source_type, ids):
        found = ArchiveRecord.objects.filter(source_type=source_type, source_id__in=[str(pk) for pk in ids])
        return set(found.values_list("source_id", flat=True))

    ended = list(Complaint.objects.filter(status__in=FINAL_STATUSES).values_list("pk", flat=True))
    assert len(ended) > 100
    assert archived("complaints.complaint", ended) == {str(pk) for pk in ended}
    # Only what ended is archived: an open complaint has no record yet.
    still_open = Complaint.objects.exclude(status__in=FINAL_STATUSES).values_list("pk", flat=True)
    assert not archived("complaints.complaint", still_open)
    completed = list(Inspection.objects.filter(completed_at__isnull=False).values_list("pk", flat=True))
    assert len(completed) >= 16
    assert archived("inspections.inspection", completed) == {str(pk) for pk in completed}
    verified = list(
        RectificationNotice.objects.filter(status=RectificationNotice.Status.VERIFIED).values_list("pk", flat=True)
    )
    assert verified
    assert archived("inspections.rectificationnotice", verified) == {str(pk) for pk in verified}
    # Published complaints reach their owners through their records as well.
    published = Publication.objects.values_list("complaint_id", flat=True)
    assert RecordPublication.objects.filter(
        record__source_type="complaints.complaint", record__source_id__in=[str(pk) for pk in published]
    ).count() == len(published)

    # The committee's own minutes and letters, with their files, and one correction.
    minutes = ArchiveRecord.objects.filter(compound=compound, kind=RecordKind.MINUTES, amends__isnull=True)
    letters = ArchiveRecord.objects.filter(compound=compound, kind=RecordKind.LETTER)
    assert minutes.count() == 3
    assert letters.count() == 3
    assert all(record.files.count() == 1 for record in [*minutes, *letters])
    assert all("纪要" in record.title for record in minutes)
    assert all(record.title.startswith("致物业公司") for record in letters)
    assert {file.content_type for record in [*minutes, *letters] for file in record.files.all()} == {"text/plain"}
    correction = ArchiveRecord.objects.get(amends__isnull=False)
    assert correction.kind == RecordKind.MINUTES
    assert correction.amends in minutes
    assert "10 日内书面回复" in correction.body
    assert all(record.publications.exists() for record in [*minutes, correction])

    # Everything happened and was archived in the past, and the chain holds.
    records = ArchiveRecord.objects.filter(compound=compound)
    assert not records.filter(created_at__gt=now).exists()
    assert not records.filter(happened_at__gt=now).exists()
    assert set(records.values_list("kind", flat=True)) >= {
        RecordKind.COMPLAINT,
        RecordKind.INSPECTION,
        RecordKind.RECTIFICATION,
        RecordKind.MINUTES,
        RecordKind.LETTER,
    }
    report = chain_verify(compound.pk)
    assert report.intact, report
    assert report.count == records.count()
    # A second run archives nothing again.
    call_command("seed_demo", stdout=io.StringIO())
    assert ArchiveRecord.objects.count() == report.count


def test_seed_demo_leaves_the_committee_reminders_sent_and_upcoming():
    from committee_site.models import Reminder
    from tests.conftest import client_for

    call_command("seed_demo", stdout=io.StringIO())
    now = timezone.now()
    chair = User.objects.get(username="committee")
    client = client_for(chair)

    upcoming = client.get(reverse("reminder_list")).context["page"].items
    sent = client.get(reverse("reminder_list"), {"state": "sent"}).context["page"].items
    # Some about to go out, some sent over the last days by the beat, none late or doubled.
    assert upcoming
    assert all(now < r.send_at <= now + timedelta(days=2) for r in upcoming)
    assert sent
    assert all(now - timedelta(days=3, minutes=1) <= r.sent_at <= now for r in sent)
    assert not Reminder.objects.filter(status="cancelled", cancel_reason="too_late").exists()
    # Each sent reminder is the chair's notification, unread since it came after their last look.
    mine = client.get(reverse("notification_list"), {"show": "reminders"}).context["page"].items
    assert mine
    assert all(n.kind.startswith("reminder_") and n.read_at is None for n in mine)
    chairs = set(Reminder.objects.filter(recipient=chair).values_list("notification", flat=True))
    assert {n.pk for n in mine} <= chairs
    # Seeding mails nobody.
    assert not OutgoingEmail.objects.exists()


def test_seed_demo_publishes_the_report_two_quarters_back_and_leaves_the_last_as_a_draft():
    from records.analysis import Quarter
    from records.models import RecordKind
    from reports.models import QuarterlyReport

    call_command("seed_demo", stdout=io.StringIO())
    last = Quarter.containing(timezone.localdate()).previous()
    before = last.previous()
    reports = {(r.year, r.number): r for r in QuarterlyReport.objects.select_related("approved_by", "record")}
    assert set(reports) == {(before.year, before.number), (last.year, last.number)}
    published, draft = reports[(before.year, before.number)], reports[(last.year, last.number)]
    assert published.status == "published"
    assert published.approved_by.username == "committee"
    for moment in (published.approved_at, published.published_at):
        local = timezone.localtime(moment)
        assert last.first_day <= local.date() <= last.first_day + timedelta(days=6)
        assert 8 <= local.hour < 22
    assert published.record.kind == RecordKind.QUARTERLY_REPORT
    assert published.record.files.get().content_type == "application/pdf"
    assert published.figures["complaints"]["received"] > 0
    assert draft.status == "draft"
    assert draft.approved_by is None
    # The committee was told a draft waits; the owners that a report was published.
    assert Notification.objects.filter(kind="report_draft", recipient__username="committee").count() == 2
    assert Notification.objects.filter(kind="report_published", recipient__username="owner").count() == 1


def test_seed_demo_fills_the_intake_list_of_the_complaint_mailbox_without_mailing_anyone():
    from mailintake.models import InboundMessage
    from mailintake.models import Status as InboundStatus
    from tests.conftest import client_for

    call_command("seed_demo", stdout=io.StringIO())
    now = timezone.now()
    messages = {m.subject: m for m in InboundMessage.objects.exclude(key__startswith="demo-mail-")}
    assert {subject: m.status for subject, m in messages.items()} == {
        "2号楼楼上深夜噪音": InboundStatus.WAITING,
        "地下车库B2-017车位被长期占用": InboundStatus.WAITING,
        "电梯维保记录": InboundStatus.REFUSED,
        "自动回复：休假中": InboundStatus.IGNORED,
    }
    compound = Compound.objects.get(name="阳光花园")
    # One to the shared address, whose compound is not known yet.
    assert messages["地下车库B2-017车位被长期占用"].compound is None
    assert messages["2号楼楼上深夜噪音"].compound == compound
    assert "租户" in messages["2号楼楼上深夜噪音"].preview
    assert messages["电梯维保记录"].preview == ""
    assert all(now - timedelta(days=4) < m.received_at < now for m in messages.values())
    # The unknown senders were not answered: the demo mails nobody.
    assert all(m.replied_at is None for m in messages.values())
    assert not OutgoingEmail.objects.exists()
    page = client_for(User.objects.get(username="committee")).get(reverse("mailintake:intake_list"))
    assert [m.subject for m in page.context["page"].items] == ["地下车库B2-017车位被长期占用", "2号楼楼上深夜噪音"]
    call_command("seed_demo", stdout=io.StringIO())
    assert InboundMessage.objects.count() == 7


def test_seed_demo_has_owners_mail_filed_as_complaints_and_a_reply_as_a_note():
    from mailintake.models import InboundMessage
    from mailintake.models import Status as InboundStatus

    call_command("seed_demo", stdout=io.StringIO())
    filed = {
        m.subject: m.complaint
        for m in InboundMessage.objects.filter(status=InboundStatus.COMPLAINT_CREATED).select_related("complaint")
    }
    assert {subject: (c.channel, c.status, c.complainant.username) for subject, c in filed.items()} == {
        "1号楼地下室积水": (Channel.EMAIL, Status.SUBMITTED, "wang_jun"),
        "3号楼门口垃圾桶满了没人清运": (Channel.EMAIL, Status.SUBMITTED, "he_yan"),
    }
    # Filed under 建议与咨询 until the committee accepts them and says what they are about.
    assert {c.category.code for c in filed.values()} == {"suggestion"}
    assert "排水泵" in filed["1号楼地下室积水"].description
    reply = InboundMessage.objects.get(status=InboundStatus.NOTE_ADDED)
    assert reply.sender == "owner2@example.org"
    assert reply.subject == f"Re: {reply.complaint.reference} {reply.complaint.title}"
    note = reply.note_event
    assert (note.action, note.actor.username, note.visible_to_owner) == (Action.NOTE, "owner2", True)
    assert note.note.startswith("Thank you for the update.")
    assert note.at == ComplaintEvent.objects.filter(complaint=reply.complaint).latest("at").at < timezone.now()
