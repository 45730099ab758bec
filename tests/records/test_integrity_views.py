"""The verify page (committee and community office) and the head-check page
(anyone of the compound, owners included), and the chain-head partial."""

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from committee_site.models import Membership
from records.queries import chain_head
from tests.conftest import client_for
from tests.records.conftest import archive

pytestmark = pytest.mark.django_db

VERIFY = reverse("records:chain_verify")
CHECK = reverse("records:chain_head_check")


@pytest.fixture
def three(compound, committee_member):
    return [archive(compound, by=committee_member, title=f"纪要{n}", files=[(f"{n}.txt", b"x")]) for n in range(3)]


@pytest.mark.parametrize("who", ["committee_member", "officer"])
def test_verify_page_says_intact_with_count_and_head(request, who, compound, three):
    page = client_for(request.getfixturevalue(who)).get(VERIFY).content.decode()
    assert 'data-testid="chain-intact"' in page
    assert "完好：共 3 条记录，链头哈希" in page
    assert three[-1].hash in page


def test_verify_page_names_the_first_broken_record_and_why_in_english(compound, committee_member, three):
    default_storage.delete(three[1].files.get().stored_as)
    committee_member.language = "en"
    committee_member.save()
    client = client_for(committee_member)
    client.post(reverse("set_language"), {"language": "en"})
    page = client.get(VERIFY).content.decode()
    assert 'data-testid="chain-broken"' in page
    assert three[1].number in page
    assert "(position 2)" in page
    assert "its file “1.txt” is missing from the archive&#x27;s storage" in page
    assert three[0].hash in page


@pytest.mark.parametrize("who", ["property_staff", "owner", "other_committee_member"])
def test_verify_page_is_refused_or_shows_only_ones_own(request, who, compound, three):
    user = request.getfixturevalue(who)
    response = client_for(user).get(VERIFY, {"compound": compound.pk})
    if who == "other_committee_member":
        assert response.status_code == 200
        assert three[-1].hash not in response.content.decode()
        assert "0" * 64 in response.content.decode()
    else:
        assert response.status_code == 403


def test_verify_page_queries_do_not_grow_with_the_chain(compound, committee_member, monkeypatch):
    from records import chain

    monkeypatch.setattr(chain, "CHUNK", 2)
    archive(compound, by=committee_member, files=[("a.txt", b"a")])
    client = client_for(committee_member)
    client.get(VERIFY)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(VERIFY).status_code == 200
        return len(queries)

    few = count()
    for n in range(8):
        archive(compound, by=committee_member, title=f"纪要{n}", files=[("a.txt", b"a"), ("b.txt", b"b")])
    assert count() == few


def test_a_member_of_two_compounds_chooses_one(compound, committee_member, other_compound, three):
    Membership.objects.create(user=committee_member, organisation=other_compound.committee, role="committee_member")
    theirs = archive(other_compound, title="别处")
    client = client_for(committee_member)
    assert 'data-testid="compound-form"' in client.get(VERIFY).content.decode()
    assert theirs.hash in client.get(VERIFY, {"compound": other_compound.pk}).content.decode()
    forged = client.get(VERIFY, {"compound": "x" * 500}).content.decode()
    assert three[-1].hash in forged
    assert "您不能校验该小区的档案" in forged


# --- the head check -------------------------------------------------------------------


@pytest.mark.parametrize("who", ["owner", "property_staff", "officer", "committee_member"])
def test_head_check_finds_an_older_head_and_says_where(request, who, compound, three):
    page = client_for(request.getfixturevalue(who)).get(CHECK, {"hash": three[0].hash.upper()}).content.decode()
    assert 'data-testid="head-found"' in page
    assert three[0].number in page
    assert "位于哈希链第 1 条（共 3 条）" in page
    assert "此后又新增了 2 条记录" in page


def test_head_check_of_the_current_head_in_english(compound, owner, three):
    client = client_for(owner)
    client.post(reverse("set_language"), {"language": "en"})
    page = client.get(CHECK, {"hash": f"  {three[2].hash} "}).content.decode()
    assert "at position 3 of 3, archived at" in page
    assert "0 records were added after it." in page


def test_head_check_warns_when_the_hash_is_not_in_the_chain(compound, owner, other_compound, three):
    theirs = archive(other_compound, title="别处")
    page = client_for(owner).get(CHECK, {"hash": theirs.hash}).content.decode()
    assert 'data-testid="head-not-found"' in page
    assert "档案的历史可能被改写过" in page


@pytest.mark.parametrize("value", ["", "abc", "g" * 64, "a" * 63, "a" * 65, "\x00", "页" * 64, "a" * 5000])
def test_head_check_explains_a_malformed_hash(value, compound, owner, three):
    response = client_for(owner).get(CHECK, {"hash": value})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="hash-error"' in page
    assert 'data-testid="head-found"' not in page
    assert 'data-testid="head-not-found"' not in page


def test_head_check_without_a_hash_shows_the_form(compound, owner, three):
    page = client_for(owner).get(CHECK).content.decode()
    assert 'data-testid="head-check-form"' in page
    assert 'data-testid="hash-error"' not in page


def test_head_check_refuses_people_of_no_compound(other_committee_member, compound, three):
    page = client_for(other_committee_member).get(CHECK, {"hash": three[0].hash, "compound": compound.pk})
    assert 'data-testid="head-found"' not in page.content.decode()
    from tests import factories

    nobody = factories.UserFactory(username="nobody")
    assert client_for(nobody).get(CHECK).status_code == 403


def test_head_check_in_constant_queries(compound, owner, committee_member, django_assert_num_queries):
    record = archive(compound, by=committee_member)
    client = client_for(owner)
    client.get(CHECK)

    def count():
        with CaptureQueriesContext(connection) as queries:
            client.get(CHECK, {"hash": record.hash})
        return len(queries)

    few = count()
    for n in range(10):
        archive(compound, by=committee_member, title=f"纪要{n}")
    assert count() == few


# --- the partial ----------------------------------------------------------------------


def test_chain_head_partial_and_query(compound, three, django_assert_num_queries):
    with django_assert_num_queries(1):
        head = chain_head(compound.pk)
    assert head == (3, three[-1].hash)
    html = render_to_string("includes/chain_head.html", {"head": head, "compound_id": compound.pk})
    assert "档案：共 3 条记录，链头哈希" in html
    assert three[-1].hash in html
    assert f"{CHECK}?compound={compound.pk}" in html
