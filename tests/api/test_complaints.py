import pytest

from api.services import api_client_create, binding_code_issue, front_identity_bind
from complaints.models import Category, Channel, Complaint, Status
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def front(compound, owner):
    admin = factories.UserFactory.create(is_superuser=True, is_staff=True)
    issued = api_client_create(by=admin, name="WeChat", compounds=[compound])
    front_identity_bind(client=issued.client, openid="oOWNER", code=binding_code_issue(user=owner).code)
    return issued


def _headers(token, openid="oOWNER", **extra):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_X_OPENID": openid, **extra}


def _file(client, token, owner, **fields):
    unit = owner.owner_profile.units.get()
    payload = {
        "where": f"unit:{unit.pk}",
        "category": Category.objects.get(code="facility_repair").pk,
        "title": "电梯门关不上",
        "description": "3号楼电梯门这周一直关不上。",
        **fields,
    }
    return client.post("/api/v1/complaints", payload, content_type="application/json", **_headers(token))


def test_complaint_submit_files_for_the_bound_owner_and_reads_back_with_timeline(client, front, owner, compound):
    response = _file(client, front.token, owner)
    assert response.status_code == 201, response.json()
    body = response.json()
    complaint = Complaint.objects.get()
    assert body["reference"] == complaint.reference
    assert (complaint.complainant, complaint.compound, complaint.channel) == (owner, compound, Channel.WECHAT)
    detail = client.get(f"/api/v1/complaints/{complaint.pk}", **_headers(front.token)).json()
    assert detail["title"] == "电梯门关不上"
    assert detail["status"] == "submitted"
    assert [event["action"] for event in detail["events"]] == ["submit"]
    listed = client.get("/api/v1/complaints", **_headers(front.token)).json()
    assert [item["id"] for item in listed["items"]] == [complaint.pk]
    assert listed["next_cursor"] is None


def test_complaint_submit_refuses_what_the_web_form_refuses(client, front, owner):
    response = _file(client, front.token, owner, title="")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert not Complaint.objects.exists()


def test_complaint_list_pages_with_a_cursor(client, settings, front, owner):
    # More than an owner may file in an hour.
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "complaint": {"user": "100/h"}}
    for number in range(27):
        assert _file(client, front.token, owner, title=f"问题 {number}").status_code == 201
    first = client.get("/api/v1/complaints", **_headers(front.token)).json()
    assert len(first["items"]) == 25
    second = client.get(f"/api/v1/complaints?cursor={first['next_cursor']}", **_headers(front.token)).json()
    assert len(second["items"]) == 2
    assert second["next_cursor"] is None
    assert {i["id"] for i in first["items"]}.isdisjoint(i["id"] for i in second["items"])
    bad = client.get("/api/v1/complaints?cursor=forged", **_headers(front.token))
    assert (bad.status_code, bad.json()["code"]) == (400, "bad_cursor")


def test_complaint_read_refuses_another_owners_complaint(client, front, owner, compound):
    from tests.complaints.conftest import file_complaint

    theirs = file_complaint(factories.owner_in(compound, building="2", unit="202", username="neighbour"))
    response = client.get(f"/api/v1/complaints/{theirs.pk}", **_headers(front.token))
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert client.get("/api/v1/complaints", **_headers(front.token)).json()["items"] == []


def test_client_of_another_compound_cannot_reach_the_owners_complaints(client, front, owner, other_compound):
    _file(client, front.token, owner)
    complaint = Complaint.objects.get()
    elsewhere = api_client_create(by=front.client.created_by, name="Other", compounds=[other_compound])
    # The owner's openid is not bound on the other front ...
    answer = client.get(f"/api/v1/complaints/{complaint.pk}", **_headers(elsewhere.token))
    assert (answer.status_code, answer.json()["code"]) == (403, "openid_unbound")
    # ... and it cannot be bound there: the front does not serve the owner's compound.
    bind = client.post(
        "/api/v1/bind",
        {"openid": "oOWNER", "code": binding_code_issue(user=owner).code},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {elsewhere.token}",
    )
    assert bind.status_code == 400


def test_client_rescoped_away_from_the_compound_no_longer_reaches_its_complaints(client, front, owner, other_compound):
    from api.services import api_client_update

    _file(client, front.token, owner)
    complaint = Complaint.objects.get()
    api_client_update(
        by=front.client.created_by, client=front.client, name="WeChat", compounds=[other_compound], is_active=True
    )
    answer = client.get(f"/api/v1/complaints/{complaint.pk}", **_headers(front.token))
    assert (answer.status_code, answer.json()["code"]) == (404, "not_found")
    assert client.get("/api/v1/complaints", **_headers(front.token)).json()["items"] == []
    refused = _file(client, front.token, owner)
    assert (refused.status_code, refused.json()["code"]) == (403, "compound_not_served")


def test_complaint_read_not_found_message_in_zh_and_en(client, front):
    en = client.get("/api/v1/complaints/999", **_headers(front.token, HTTP_ACCEPT_LANGUAGE="en")).json()
    zh = client.get("/api/v1/complaints/999", **_headers(front.token, HTTP_ACCEPT_LANGUAGE="zh-hans")).json()
    assert en == {"code": "not_found", "message": "No such complaint."}
    assert zh == {"code": "not_found", "message": "没有这条投诉。"}


def _replied(owner, compound):
    from tests.complaints.conftest import drive, file_complaint

    committee = factories.member_of(compound.committee, role="committee_chair", username="chair")
    return drive(file_complaint(owner), Status.RESOLVED, committee=committee)


def test_complaint_confirm_closes_the_replied_complaint(client, front, owner, compound):
    complaint = _replied(owner, compound)
    response = client.post(
        f"/api/v1/complaints/{complaint.pk}/confirm",
        {"version": complaint.version, "rating": 5, "comment": "谢谢"},
        content_type="application/json",
        **_headers(front.token),
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "closed"
    complaint.refresh_from_db()
    assert (complaint.status, complaint.owner_rating) == (Status.CLOSED, 5)
    events = client.get(f"/api/v1/complaints/{complaint.pk}", **_headers(front.token)).json()["events"]
    assert events[-1]["action"] == "confirm"
    assert events[-1]["note"] == "谢谢"


def test_complaint_dispute_reopens_and_a_stale_version_is_a_conflict(client, front, owner, compound):
    complaint = _replied(owner, compound)
    stale = client.post(
        f"/api/v1/complaints/{complaint.pk}/dispute",
        {"version": complaint.version - 1, "reason": "还是关不上"},
        content_type="application/json",
        **_headers(front.token),
    )
    assert (stale.status_code, stale.json()["code"]) == (409, "changed_meanwhile")
    response = client.post(
        f"/api/v1/complaints/{complaint.pk}/dispute",
        {"version": complaint.version, "reason": "还是关不上"},
        content_type="application/json",
        **_headers(front.token),
    )
    assert response.status_code == 200, response.json()
    complaint.refresh_from_db()
    assert complaint.status == Status.IN_PROGRESS


def test_complaint_confirm_before_a_reply_is_not_allowed(client, front, owner):
    _file(client, front.token, owner)
    complaint = Complaint.objects.get()
    response = client.post(
        f"/api/v1/complaints/{complaint.pk}/confirm",
        {"version": complaint.version, "rating": 5},
        content_type="application/json",
        **_headers(front.token),
    )
    assert (response.status_code, response.json()["code"]) == (409, "step_not_open")
    complaint.refresh_from_db()
    assert complaint.status == Status.SUBMITTED


def test_complaint_confirm_of_another_owners_complaint_is_not_found(client, front, owner, compound):
    neighbour = factories.owner_in(compound, building="2", unit="202", username="neighbour")
    complaint = _replied(neighbour, compound)
    response = client.post(
        f"/api/v1/complaints/{complaint.pk}/confirm",
        {"version": complaint.version, "rating": 5},
        content_type="application/json",
        **_headers(front.token),
    )
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    complaint.refresh_from_db()
    assert complaint.status == Status.RESOLVED


def test_complaint_list_and_read_take_as_many_queries_for_few_rows_as_for_many(client, front, owner):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(url):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, **_headers(front.token)).status_code == 200
        return len(queries)

    _file(client, front.token, owner)
    first = Complaint.objects.get()
    few = (count("/api/v1/complaints"), count(f"/api/v1/complaints/{first.pk}"))
    for number in range(8):
        _file(client, front.token, owner, title=f"问题 {number}")
    assert (count("/api/v1/complaints"), count(f"/api/v1/complaints/{first.pk}")) == few
