"""Two people acting on one inspection or notice at the same moment, each
through their own database connection: one wins, the other is told, and
nothing is half-written."""

import pytest

from committee_site.models import AuditEvent
from committee_site.services import ChangedMeanwhile
from inspections import services
from inspections.models import Inspection, RectificationEvent, RectificationNotice, SigningParty
from tests import factories
from tests.inspections.conftest import answer_all
from tests.races import postgresql_only, race

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_data"), postgresql_only]


def _audits(obj, action):
    return AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk), action=action).count()


def test_two_members_completing_one_inspection_at_once_exactly_one_wins(compound, random_check, committee_member):
    second = factories.member_of(compound.committee, role="committee_member", username="second")
    answer_all(random_check, committee_member)
    seen = random_check.version

    def load():
        return Inspection.objects.select_related("compound").get(pk=random_check.pk)

    outcomes = race(
        (
            load,
            lambda i: services.inspection_complete(inspection=i, by=committee_member, seen_version=seen, summary="甲"),
        ),
        (load, lambda i: services.inspection_complete(inspection=i, by=second, seen_version=seen, summary="乙")),
    )
    winners = [o for o in outcomes if isinstance(o, Inspection)]
    losers = [o for o in outcomes if isinstance(o, ChangedMeanwhile)]
    assert (len(winners), len(losers)) == (1, 1), outcomes
    random_check.refresh_from_db()
    assert (random_check.status, random_check.version) == ("completed", seen + 1)
    assert random_check.summary == winners[0].summary
    assert _audits(random_check, "inspection.complete") == 1


def test_the_last_two_parties_signing_at_once_both_sign_and_the_record_completes_once(
    joint, committee_member, property_staff, officer
):
    answer_all(joint, committee_member)
    joint = services.inspection_complete(inspection=joint, by=committee_member, seen_version=joint.version)
    committee_party = joint.parties.get(party="committee")
    services.signing_party_sign(party=committee_party, by=committee_member, seen_version=committee_party.version)

    def load(party):
        return lambda: SigningParty.objects.get(inspection=joint, party=party)

    outcomes = race(
        (load("property_company"), lambda p: services.signing_party_sign(party=p, by=property_staff, seen_version=1)),
        (load("community_office"), lambda p: services.signing_party_sign(party=p, by=officer, seen_version=1)),
    )
    assert [type(o).__name__ for o in outcomes] == ["SigningParty", "SigningParty"], outcomes
    joint.refresh_from_db()
    assert joint.status == "completed"
    assert set(joint.parties.values_list("status", flat=True)) == {"signed"}
    assert _audits(joint, "inspection.seal") == 1


def test_two_signers_of_one_party_at_once_exactly_one_signs(joint, compound, committee_member, property_staff):
    manager = factories.member_of(compound.property_company, role="property_manager", username="manager2")
    answer_all(joint, committee_member)
    services.inspection_complete(inspection=joint, by=committee_member, seen_version=joint.version)
    party = joint.parties.get(party="property_company")

    def load():
        return SigningParty.objects.get(pk=party.pk)

    outcomes = race(
        (load, lambda p: services.signing_party_sign(party=p, by=property_staff, seen_version=1, dissent="")),
        (load, lambda p: services.signing_party_sign(party=p, by=manager, seen_version=1, dissent="不同意扣分")),
    )
    winners = [o for o in outcomes if isinstance(o, SigningParty)]
    assert len(winners) == 1, outcomes
    assert any(isinstance(o, ChangedMeanwhile) for o in outcomes), outcomes
    party.refresh_from_db()
    assert (party.signed_by_id, party.dissent, party.version) == (winners[0].signed_by_id, winners[0].dissent, 2)
    assert _audits(party, "signing_party.sign") == 1


def test_staff_submitting_while_the_committee_fails_nothing_is_lost(notice, committee_member, property_staff):
    notice = services.rectification_submit(
        notice=notice, by=property_staff, seen_version=notice.version, note="已清理", photos=[]
    )
    seen = notice.version

    def load():
        return RectificationNotice.objects.select_related("compound").get(pk=notice.pk)

    outcomes = race(
        (load, lambda n: services.rectification_verify(notice=n, by=committee_member, seen_version=seen, note="合格")),
        (load, lambda n: services.rectification_fail(notice=n, by=committee_member, seen_version=seen, note="没清完")),
    )
    winners = [o for o in outcomes if isinstance(o, RectificationNotice)]
    assert len(winners) == 1, outcomes
    assert any(isinstance(o, ChangedMeanwhile) for o in outcomes), outcomes
    notice.refresh_from_db()
    assert (notice.status, notice.version) == (winners[0].status, seen + 1)
    # One event for the winning move after the submission, none for the loser.
    actions = list(RectificationEvent.objects.filter(notice=notice).values_list("action", flat=True))
    assert actions == ["issue", "submit", "verify" if notice.status == "verified" else "fail"]
