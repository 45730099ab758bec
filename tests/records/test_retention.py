"""Retention: the records past their retention date, and their disposal by
two committee members, which deletes the files' content, keeps their hashes,
archives a disposal record and leaves the chain verifiable."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.urls import reverse

from committee_site.services import ChangedMeanwhile, ServiceError
from records import services
from records.chain import chain_verify
from records.models import ArchiveFile, ArchiveRecord, Disposal, RecordKind
from tests import factories
from tests.conftest import client_for
from tests.races import postgresql_only, race
from tests.records.conftest import archive

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
TEN_YEARS_ON = datetime(2037, 6, 1, 10, 0, tzinfo=SHANGHAI)
LIST = reverse("records:retention_list")


@pytest.fixture
def second_member(compound):
    return factories.member_of(compound.committee, role="committee_member", username="second", first_name="李娜")


@pytest.fixture
def old(compound, committee_member):
    """Minutes with two files and a quarterly report, both of October 2026."""
    minutes = archive(compound, by=committee_member, files=[("纪要.txt", b"minutes"), ("签到表.txt", b"names")])
    report = archive(compound, by=committee_member, kind=RecordKind.QUARTERLY_REPORT, title="2026年第三季度报告")
    return minutes, report


def _propose(client, record, reason="业委会第十次会议决定销毁"):
    return client.post(reverse("records:disposal_propose", args=[record.pk]), {"reason": reason}, follow=True)


def _decide(client, action, disposal):
    url = reverse(f"records:disposal_{action}", args=[disposal.pk])
    return client.post(url, {"version": disposal.version}, follow=True)


def test_nothing_is_past_retention_before_its_date(compound, committee_member, old):
    minutes, _report = old
    assert minutes.retention_until is not None
    page = client_for(committee_member).get(LIST).content.decode()
    assert minutes.number not in page
    with pytest.raises(ServiceError, match="保管至"):
        services.disposal_propose(record=minutes, by=committee_member, reason="太早")


def test_list_shows_records_past_retention_never_quarterly_reports(compound, committee_member, old):
    minutes, report = old
    assert report.retention_until is None
    with time_machine.travel(TEN_YEARS_ON, tick=False):
        page = client_for(committee_member).get(LIST).content.decode()
    assert minutes.number in page
    assert report.number not in page
    assert page.count('data-testid="retention-row"') == 1
    assert list(ArchiveRecord.objects.past_retention(TEN_YEARS_ON.date())) == [minutes]
    with pytest.raises(ServiceError, match="永久"):
        services.disposal_propose(record=report, by=committee_member, reason="不需要")


def test_proposer_cannot_approve_a_second_member_does(
    compound, committee_member, second_member, old, django_capture_on_commit_callbacks
):
    minutes, _report = old
    stored = list(minutes.files.values_list("stored_as", "sha256"))
    with time_machine.travel(TEN_YEARS_ON, tick=False):
        # Signed in ten years on: a session of today would have expired.
        proposer, approver = client_for(committee_member), client_for(second_member)
        assert "另一位业委会委员批准" in _propose(proposer, minutes).content.decode()
        disposal = Disposal.objects.get(record=minutes)
        page = proposer.get(LIST).content.decode()
        assert 'data-testid="pending-disposal"' in page
        assert reverse("records:disposal_approve", args=[disposal.pk]) not in page
        refused = _decide(proposer, "approve", disposal).content.decode()
        assert "另一位业委会委员" in refused
        disposal.refresh_from_db()
        assert disposal.status == Disposal.Status.PROPOSED
        assert reverse("records:disposal_approve", args=[disposal.pk]) in approver.get(LIST).content.decode()
        with django_capture_on_commit_callbacks(execute=True):
            done = _decide(approver, "approve", disposal).content.decode()
    disposal.refresh_from_db()
    assert disposal.status == Disposal.Status.APPROVED
    assert disposal.decided_by == second_member
    assert minutes.number in done
    # The content is gone, the rows and their hashes stay.
    for name, _sha in stored:
        assert not default_storage.exists(name)
    assert list(ArchiveFile.objects.filter(record=minutes).values_list("stored_as", "sha256")) == stored
    record = disposal.disposal_record
    assert record.number.startswith("DA-XH-")
    assert record.kind == RecordKind.DISPOSAL
    assert record.retention_until is None
    assert record.data["disposed"] == minutes.number
    assert [f["sha256"] for f in record.data["files"]] == [sha for _name, sha in stored]
    assert minutes.number in record.body
    assert "业委会第十次会议决定销毁" in record.body
    report = chain_verify(compound.pk)
    assert report.intact
    assert (report.count, report.head_hash) == (3, record.hash)
    # Disposed of: off the list.
    with time_machine.travel(TEN_YEARS_ON, tick=False):
        assert minutes.number not in approver.get(LIST).content.decode()


def test_a_disposed_records_missing_files_are_no_break(
    compound, committee_member, second_member, old, django_capture_on_commit_callbacks
):
    minutes, _report = old
    with time_machine.travel(TEN_YEARS_ON, tick=False):
        disposal = services.disposal_propose(record=minutes, by=committee_member, reason="决定")
        with django_capture_on_commit_callbacks(execute=True):
            services.disposal_approve(disposal=disposal, by=second_member, seen_version=disposal.version)
    assert chain_verify(compound.pk).intact
    # Not disposed of: a missing file is a break.
    other = archive(compound, by=committee_member, files=[("函件.txt", b"letter")])
    default_storage.delete(other.files.get().stored_as)
    assert chain_verify(compound.pk).reason == "file_missing:函件.txt"


def test_cancel_keeps_the_record_and_allows_a_new_proposal(compound, committee_member, second_member, old):
    minutes, _report = old
    with time_machine.travel(TEN_YEARS_ON, tick=False):
        _propose(client_for(committee_member), minutes)
        disposal = Disposal.objects.get(record=minutes)
        page = _decide(client_for(second_member), "cancel", disposal).content.decode()
        assert "已取消" in page or "保留" in page
        disposal.refresh_from_db()
        assert disposal.status == Disposal.Status.CANCELLED
        assert all(default_storage.exists(f.stored_as) for f in minutes.files.all())
        assert minutes.number in client_for(committee_member).get(LIST).content.decode()
        _propose(client_for(second_member), minutes, reason="再次提议")
    assert Disposal.objects.filter(record=minutes, status=Disposal.Status.PROPOSED).count() == 1


def test_a_second_proposal_and_an_empty_reason_are_refused(compound, committee_member, second_member, old):
    minutes, _report = old
    with time_machine.travel(TEN_YEARS_ON, tick=False):
        assert "未保存" in _propose(client_for(committee_member), minutes, reason=" ").content.decode()
        _propose(client_for(committee_member), minutes)
        again = _propose(client_for(second_member), minutes).content.decode()
    assert "已有人提议" in again
    assert Disposal.objects.filter(record=minutes).count() == 1


def test_stale_version_is_changed_meanwhile(compound, committee_member, second_member, old):
    minutes, _report = old
    third = factories.member_of(compound.committee, role="committee_member", username="third")
    with time_machine.travel(TEN_YEARS_ON, tick=False):
        disposal = services.disposal_propose(record=minutes, by=committee_member, reason="决定")
        seen = disposal.version
        services.disposal_cancel(disposal=disposal, by=third, seen_version=seen)
        stale = Disposal.objects.get(pk=disposal.pk)
        with pytest.raises(ChangedMeanwhile):
            services.disposal_approve(disposal=stale, by=second_member, seen_version=seen)
    assert not ArchiveRecord.objects.filter(kind=RecordKind.DISPOSAL).exists()


@pytest.mark.parametrize("who", ["property_staff", "owner", "officer", "other_committee_member"])
def test_only_the_compounds_committee_sees_the_list_and_disposes(request, who, compound, committee_member, old):
    minutes, _report = old
    user = request.getfixturevalue(who)
    with time_machine.travel(TEN_YEARS_ON, tick=False):
        client = client_for(user)
        disposal = services.disposal_propose(record=minutes, by=committee_member, reason="决定")
        if who == "other_committee_member":
            # Their own compound's list, never ours, even when they ask for it.
            page = client.get(LIST, {"compound": compound.pk})
            assert page.status_code == 200
            assert minutes.number not in page.content.decode()
        else:
            assert client.get(LIST).status_code == 403
        assert _propose(client, minutes).status_code in (403, 404)
        for action in ("approve", "cancel"):
            assert _decide(client, action, disposal).status_code == 404
        with pytest.raises(ServiceError):
            services.disposal_approve(disposal=disposal, by=user, seen_version=disposal.version)
    disposal.refresh_from_db()
    assert disposal.status == Disposal.Status.PROPOSED


def test_a_member_of_two_committees_chooses_the_compound(compound, committee_member, other_compound, old):
    from committee_site.models import Membership

    Membership.objects.create(user=committee_member, organisation=other_compound.committee, role="committee_member")
    theirs = archive(other_compound, by=committee_member, title="别的小区的纪要")
    with time_machine.travel(TEN_YEARS_ON, tick=False):
        client = client_for(committee_member)
        first = client.get(LIST).content.decode()
        chosen = client.get(LIST, {"compound": other_compound.pk}).content.decode()
        forged = client.get(LIST, {"compound": "999999"}).content.decode()
    assert 'data-testid="compound-form"' in first
    assert old[0].number in first
    assert theirs.number not in first
    assert theirs.number in chosen
    assert old[0].number not in chosen
    assert old[0].number in forged


def test_list_pages_by_key_in_constant_queries(compound, committee_member, second_member):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count():
        with time_machine.travel(TEN_YEARS_ON, tick=False):
            client = client_for(committee_member)
            with CaptureQueriesContext(connection) as queries:
                response = client.get(LIST)
        assert response.status_code == 200
        return len(queries), response.content.decode()

    archive(compound, by=committee_member)
    few, _ = count()
    with time_machine.travel(TEN_YEARS_ON, tick=False):
        for n in range(30):
            record = archive(compound, by=committee_member, title=f"旧纪要{n}")
            if n % 3 == 0:
                services.disposal_propose(record=record, by=second_member if n % 2 else committee_member, reason="决定")
    many, page = count()
    assert few == many
    assert page.count('data-testid="retention-row"') == 25
    assert 'data-testid="page-next"' in page


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_members_approving_at_once_one_wins(reference_data):
    compound = factories.CompoundFactory()
    proposer = factories.member_of(compound.committee, role="committee_chair", username="p")
    first = factories.member_of(compound.committee, role="committee_member", username="a")
    second = factories.member_of(compound.committee, role="committee_member", username="b")
    minutes = archive(compound, by=proposer, files=[("纪要.txt", b"x")])
    with time_machine.travel(TEN_YEARS_ON, tick=False):
        disposal = services.disposal_propose(record=minutes, by=proposer, reason="决定")

        def load():
            return Disposal.objects.select_related("record__compound", "proposed_by").get(pk=disposal.pk)

        def approve(by):
            return lambda seen: services.disposal_approve(disposal=seen, by=by, seen_version=seen.version)

        outcomes = race((load, approve(first)), (load, approve(second)))
    assert sorted(type(o).__name__ for o in outcomes) == ["ArchiveRecord", "ChangedMeanwhile"], outcomes
    loser = next(o for o in outcomes if isinstance(o, ChangedMeanwhile))
    assert "批准了销毁" in str(loser.message)
    assert ArchiveRecord.objects.filter(compound=compound, kind=RecordKind.DISPOSAL).count() == 1
    assert chain_verify(compound.pk).intact
    assert not default_storage.exists(minutes.files.get().stored_as)
