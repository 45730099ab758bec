import pytest

from api.services import api_client_create, binding_code_issue, front_identity_bind
from complaints import services
from complaints.models import PublicationScope, Status
from tests import factories
from tests.complaints.conftest import drive, file_complaint

pytestmark = pytest.mark.django_db


@pytest.fixture
def front(compound, owner):
    admin = factories.UserFactory.create(is_superuser=True, is_staff=True)
    issued = api_client_create(by=admin, name="WeChat", compounds=[compound])
    front_identity_bind(client=issued.client, openid="oOWNER", code=binding_code_issue(user=owner).code)
    return issued


def _h(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_X_OPENID": "oOWNER", "HTTP_ACCEPT_LANGUAGE": "en"}


def _published(owner, committee, scope, summary="电梯门机已更换。", building=None):
    complaint = drive(file_complaint(owner), Status.RESOLVED, committee=committee)
    return services.complaint_publish(
        complaint=complaint, by=committee, summary=summary, scope=scope, building=building
    )


@pytest.fixture
def chair(compound):
    return factories.member_of(compound.committee, role="committee_chair", username="chair")


def test_results_list_the_compounds_published_summaries(client, front, compound, owner, chair):
    neighbour = factories.owner_in(compound, building="2", unit="202", username="neighbour")
    public = _published(neighbour, chair, PublicationScope.COMPOUND)
    _published(neighbour, chair, PublicationScope.COMPLAINANT, summary="只给投诉人看。")
    response = client.get("/api/v1/results", **_h(front.token))
    assert response.status_code == 200, response.json()
    items = response.json()["items"]
    assert [(item["id"], item["summary"]) for item in items] == [(public.pk, "电梯门机已更换。")]
    assert "title" not in items[0]


def test_results_of_another_compound_are_out_of_reach(client, front, other_compound, other_committee_member):
    elsewhere = factories.owner_in(other_compound, username="y-owner")
    _published(elsewhere, other_committee_member, PublicationScope.COMPOUND)
    assert client.get("/api/v1/results", **_h(front.token)).json()["items"] == []


def test_results_page_with_a_cursor_in_as_many_queries(client, front, compound, owner, chair):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from api import complaints_api

    def count(url="/api/v1/results"):
        with CaptureQueriesContext(connection) as queries:
            answer = client.get(url, **_h(front.token))
        return len(queries), answer.json()

    _published(owner, chair, PublicationScope.COMPOUND)
    count()
    few, _body = count()
    for number in range(complaints_api.PER_PAGE + 1):
        _published(owner, chair, PublicationScope.COMPOUND, summary=f"第{number}条已处理。")
    many, first = count()
    assert many == few
    assert len(first["items"]) == complaints_api.PER_PAGE
    _n, second = count(f"/api/v1/results?cursor={first['next_cursor']}")
    assert len(second["items"]) == 2
    bad = client.get("/api/v1/results?cursor=forged", **_h(front.token))
    assert (bad.status_code, bad.json()["code"]) == (400, "bad_cursor")
