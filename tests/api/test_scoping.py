"""The API as a public interface: what a front may reach and what it may not."""

import pytest
from django.urls import reverse

from api.services import api_client_create, binding_code_issue, front_identity_bind
from complaints.models import Category, Complaint, Status
from tests import factories
from tests.complaints.conftest import drive, file_complaint

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(db):
    return factories.UserFactory.create(is_superuser=True, is_staff=True)


@pytest.fixture
def owner_of_both(compound, other_compound, owner):
    """The owner has a flat in X (the front's) and one in Y (not the front's)."""
    unit = factories.UnitFactory.create(
        building=factories.BuildingFactory.create(compound=other_compound, number="9"), number="909"
    )
    owner.owner_profile.units.add(unit)
    return owner


@pytest.fixture
def front_x(admin, compound, owner_of_both):
    issued = api_client_create(by=admin, name="X front", compounds=[compound])
    front_identity_bind(client=issued.client, openid="oOWNER", code=binding_code_issue(user=owner_of_both).code)
    return issued


def _h(token, openid="oOWNER", **extra):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_X_OPENID": openid, "HTTP_ACCEPT_LANGUAGE": "en", **extra}


def _replied_in(owner, compound, username):
    committee = factories.member_of(compound.committee, role="committee_chair", username=username)
    unit = owner.owner_profile.units.get(building__compound=compound)
    complaint = services_submit(owner, compound, unit)
    return drive(complaint, Status.RESOLVED, committee=committee)


def services_submit(owner, compound, unit):
    from complaints import services

    return services.complaint_submit(
        by=owner, compound=compound, category=Category.objects.get(code="facility_repair"),
        title="楼道灯坏了", description="九号楼楼道灯一直不亮。", unit=unit,
    )  # fmt: skip


def test_client_of_x_does_not_list_the_owners_complaints_in_y(client, front_x, owner_of_both, other_compound):
    in_y = _replied_in(owner_of_both, other_compound, "ychair")
    listed = client.get("/api/v1/complaints", **_h(front_x.token)).json()
    assert in_y.pk not in [item["id"] for item in listed["items"]]


def test_client_of_x_cannot_read_the_owners_complaint_in_y(client, front_x, owner_of_both, other_compound):
    in_y = _replied_in(owner_of_both, other_compound, "ychair")
    response = client.get(f"/api/v1/complaints/{in_y.pk}", **_h(front_x.token))
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "No such complaint."}


@pytest.mark.parametrize(
    ("step", "payload"),
    [("confirm", {"rating": 5}), ("dispute", {"reason": "还是不亮"})],
)
def test_client_of_x_cannot_confirm_or_dispute_in_y(client, front_x, owner_of_both, other_compound, step, payload):
    in_y = _replied_in(owner_of_both, other_compound, "ychair")
    response = client.post(
        f"/api/v1/complaints/{in_y.pk}/{step}",
        {"version": in_y.version, **payload},
        content_type="application/json",
        **_h(front_x.token),
    )
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    in_y.refresh_from_db()
    assert in_y.status == Status.RESOLVED


def test_client_of_x_cannot_file_in_y(client, front_x, owner_of_both, other_compound):
    unit_in_y = owner_of_both.owner_profile.units.get(building__compound=other_compound)
    response = client.post(
        "/api/v1/complaints",
        {
            "where": f"unit:{unit_in_y.pk}",
            "category": Category.objects.get(code="facility_repair").pk,
            "title": "楼道灯坏了",
            "description": "九号楼楼道灯一直不亮。",
        },
        content_type="application/json",
        **_h(front_x.token),
    )
    assert (response.status_code, response.json()["code"]) == (403, "compound_not_served")
    assert not Complaint.objects.exists()


def test_client_of_x_cannot_file_compound_wide_in_y(client, front_x, other_compound):
    response = client.post(
        "/api/v1/complaints",
        {
            "where": f"compound:{other_compound.pk}",
            "category": Category.objects.get(code="facility_repair").pk,
            "title": "楼道灯坏了",
            "description": "九号楼楼道灯一直不亮。",
            "location_text": "北门",
        },
        content_type="application/json",
        **_h(front_x.token),
    )
    assert (response.status_code, response.json()["code"]) == (403, "compound_not_served")
    assert not Complaint.objects.exists()


def test_me_names_only_the_compounds_the_front_serves(client, front_x, compound):
    assert client.get("/api/v1/me", **_h(front_x.token)).json()["compounds"] == [compound.pk]


# --- one owner, another owner -----------------------------------------------------


@pytest.fixture
def neighbours_complaint(compound):
    neighbour = factories.owner_in(compound, building="2", unit="202", username="neighbour")
    committee = factories.member_of(compound.committee, role="committee_chair", username="chair")
    return drive(file_complaint(neighbour), Status.RESOLVED, committee=committee)


def _answers_for(client, token, pk, version):
    return {
        "read": client.get(f"/api/v1/complaints/{pk}", **_h(token)),
        "confirm": client.post(
            f"/api/v1/complaints/{pk}/confirm", {"version": version, "rating": 1},
            content_type="application/json", **_h(token),
        ),
        "dispute": client.post(
            f"/api/v1/complaints/{pk}/dispute", {"version": version, "reason": "不行"},
            content_type="application/json", **_h(token),
        ),
    }  # fmt: skip


def test_bound_owner_cannot_reach_another_owners_complaint_same_as_a_missing_one(client, front_x, neighbours_complaint):
    theirs = _answers_for(client, front_x.token, neighbours_complaint.pk, neighbours_complaint.version)
    missing = _answers_for(client, front_x.token, 999_999, neighbours_complaint.version)
    for name in theirs:
        assert theirs[name].status_code == missing[name].status_code == 404, name
        assert theirs[name].json() == missing[name].json() == {"code": "not_found", "message": "No such complaint."}
    neighbours_complaint.refresh_from_db()
    assert neighbours_complaint.status == Status.RESOLVED
    listed = client.get("/api/v1/complaints", **_h(front_x.token)).json()
    assert listed["items"] == []


# --- the rate limit ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "message_start"), [("en", "Too many requests; try again in "), ("zh-hans", "请求过于频繁")]
)
def test_rate_limit_answers_429_with_retry_after_and_json_in_the_language(
    client, settings, front_x, language, message_start
):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "api": {"client": "3/h"}}
    answers = [client.get("/api/v1/me", **_h(front_x.token, HTTP_ACCEPT_LANGUAGE=language)) for _ in range(4)]
    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert refused["Content-Type"] == "application/json; charset=utf-8"
    assert 0 < int(refused["Retry-After"]) <= 3600
    assert refused.json()["code"] == "rate_limited"
    assert refused.json()["message"].startswith(message_start)
    assert refused["Retry-After"] in refused.json()["message"]


def test_rate_limit_counts_writes_and_refuses_them_before_they_run(client, settings, front_x, owner_of_both):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "api": {"client": "1/h"}}
    unit = owner_of_both.owner_profile.units.first()
    payload = {
        "where": f"unit:{unit.pk}",
        "category": Category.objects.get(code="facility_repair").pk,
        "title": "电梯门关不上",
        "description": "3号楼电梯门这周一直关不上。",
    }
    first = client.post("/api/v1/complaints", payload, content_type="application/json", **_h(front_x.token))
    second = client.post("/api/v1/complaints", payload, content_type="application/json", **_h(front_x.token))
    assert (first.status_code, second.status_code) == (201, 429)
    assert Complaint.objects.count() == 1


def _payload(owner):
    unit = owner.owner_profile.units.first()
    return {
        "where": f"unit:{unit.pk}",
        "category": Category.objects.get(code="facility_repair").pk,
        "title": "电梯门关不上",
        "description": "3号楼电梯门这周一直关不上。",
    }


def test_owners_filing_limit_counts_the_web_form_and_the_front_together(client, settings, front_x, owner_of_both):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "complaint": {"user": "2/h", "address": "100/h"}}
    client.force_login(owner_of_both)
    web = client.post(reverse("complaints:new"), _payload(owner_of_both))
    client.logout()
    assert web.status_code == 302
    first = client.post(
        "/api/v1/complaints", _payload(owner_of_both), content_type="application/json", **_h(front_x.token)
    )
    second = client.post(
        "/api/v1/complaints", _payload(owner_of_both), content_type="application/json", **_h(front_x.token)
    )
    assert (first.status_code, second.status_code) == (201, 429)
    assert second.json()["code"] == "rate_limited"
    assert 0 < int(second["Retry-After"]) <= 3600
    assert Complaint.objects.count() == 2


def test_one_owners_filing_limit_leaves_the_fronts_other_owners_alone(
    client, settings, admin, compound, front_x, owner_of_both
):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "complaint": {"user": "1/h", "address": "1/h"}}
    neighbour = factories.owner_in(compound, username="neighbour")
    front_identity_bind(client=front_x.client, openid="oNEIGHBOUR", code=binding_code_issue(user=neighbour).code)
    answers = [
        client.post(
            "/api/v1/complaints", _payload(owner_of_both), content_type="application/json", **_h(front_x.token)
        ),
        client.post(
            "/api/v1/complaints", _payload(owner_of_both), content_type="application/json", **_h(front_x.token)
        ),
        # The front's one address is not the owners' address: the per-address limit does not count here.
        client.post(
            "/api/v1/complaints",
            _payload(neighbour),
            content_type="application/json",
            **_h(front_x.token, "oNEIGHBOUR"),
        ),
    ]
    assert [answer.status_code for answer in answers] == [201, 429, 201]
    assert sorted(Complaint.objects.values_list("complainant__username", flat=True)) == sorted(
        [owner_of_both.username, neighbour.username]
    )


# --- an unbound openid ------------------------------------------------------------------

OWNER_OPERATIONS = [
    ("get", "/api/v1/me", None),
    ("get", "/api/v1/complaints", None),
    ("get", "/api/v1/complaints/1", None),
    ("post", "/api/v1/complaints", {"where": "compound:1", "category": 1, "title": "t", "description": "d"}),
    ("post", "/api/v1/complaints/1/confirm", {"version": 1, "rating": 5}),
    ("post", "/api/v1/complaints/1/dispute", {"version": 1, "reason": "r"}),
]


@pytest.mark.parametrize(("method", "path", "payload"), OWNER_OPERATIONS)
def test_unbound_openid_can_do_nothing_but_bind(client, front_x, method, path, payload):
    extra = {"content_type": "application/json", "data": payload} if payload else {}
    response = getattr(client, method)(path, **extra, **_h(front_x.token, openid="oSTRANGER"))
    assert response.status_code == 403
    assert response.json() == {"code": "openid_unbound", "message": "Bind this identity to an owner's account first."}
    assert not Complaint.objects.exists()


def test_unbound_openid_can_bind(client, front_x, compound):
    neighbour = factories.owner_in(compound, building="2", unit="202", username="neighbour")
    response = client.post(
        "/api/v1/bind",
        {"openid": "oSTRANGER", "code": binding_code_issue(user=neighbour).code},
        content_type="application/json",
        **_h(front_x.token, openid="oSTRANGER"),
    )
    assert response.status_code == 200
    assert client.get("/api/v1/me", **_h(front_x.token, openid="oSTRANGER")).json()["username"] == "neighbour"
