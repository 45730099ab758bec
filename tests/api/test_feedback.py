import pytest
import time_machine

from api.services import api_client_create, binding_code_issue, front_identity_bind
from complaints.models import Status
from feedback.models import Callback, SurveyAnswer
from tests import factories
from tests.feedback.test_callbacks import fresh, replied
from tests.feedback.test_surveys import NOW, open_survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def front(compound, owner):
    admin = factories.UserFactory.create(is_superuser=True, is_staff=True)
    issued = api_client_create(by=admin, name="WeChat", compounds=[compound])
    front_identity_bind(client=issued.client, openid="oOWNER", code=binding_code_issue(user=owner).code)
    return issued


def _h(token, openid="oOWNER"):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_X_OPENID": openid, "HTTP_ACCEPT_LANGUAGE": "en"}


def _post(client, token, path, payload, openid="oOWNER"):
    return client.post(path, payload, content_type="application/json", **_h(token, openid))


# --- callbacks ---------------------------------------------------------------------------


def test_callback_list_shows_the_owners_waiting_callback(client, front, owner, committee_member, property_staff):
    complaint, callback = replied(owner, committee_member, property_staff)
    listed = client.get("/api/v1/callbacks", **_h(front.token)).json()
    assert [(row["id"], row["complaint"], row["version"]) for row in listed["items"]] == [
        (callback.pk, complaint.pk, callback.version)
    ]
    assert listed["items"][0]["complaint_reference"] == complaint.reference
    assert listed["next_cursor"] is None


def test_callback_list_pages_first_due_first(client, front, owner, committee_member, property_staff, monkeypatch):
    monkeypatch.setattr("api.feedback_api.CALLBACKS_PER_PAGE", 1)
    first = replied(owner, committee_member, property_staff)[1]
    second = replied(owner, committee_member, property_staff)[1]
    page = client.get("/api/v1/callbacks", **_h(front.token)).json()
    assert [row["id"] for row in page["items"]] == [first.pk]
    rest = client.get(f"/api/v1/callbacks?cursor={page['next_cursor']}", **_h(front.token)).json()
    assert ([row["id"] for row in rest["items"]], rest["next_cursor"]) == ([second.pk], None)
    bad = client.get("/api/v1/callbacks?cursor=forged", **_h(front.token))
    assert (bad.status_code, bad.json()["code"]) == (400, "bad_cursor")


def test_callback_list_leaves_out_a_neighbours_callback(client, front, compound, committee_member, property_staff):
    neighbour = factories.owner_in(compound, building="2", unit="202", username="neighbour")
    replied(neighbour, committee_member, property_staff)
    assert client.get("/api/v1/callbacks", **_h(front.token)).json()["items"] == []


def test_callback_answer_solved_closes_the_complaint(client, front, owner, committee_member, property_staff):
    complaint, callback = replied(owner, committee_member, property_staff)
    response = _post(
        client, front.token, f"/api/v1/callbacks/{callback.pk}/answer",
        {"version": callback.version, "solved": True, "satisfaction": 5},
    )  # fmt: skip
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "solved"
    callback = fresh(callback)
    assert (callback.status, callback.channel) == (Callback.Status.SOLVED, Callback.Channel.ONLINE)
    complaint.refresh_from_db()
    assert complaint.status == Status.CLOSED
    assert client.get("/api/v1/callbacks", **_h(front.token)).json()["items"] == []


def test_callback_answer_not_solved_needs_a_comment_and_reopens(client, front, owner, committee_member, property_staff):
    complaint, callback = replied(owner, committee_member, property_staff)
    path = f"/api/v1/callbacks/{callback.pk}/answer"
    bare = _post(client, front.token, path, {"version": callback.version, "solved": False, "satisfaction": 2})
    assert (bare.status_code, bare.json()["code"]) == (400, "invalid")
    assert fresh(callback).status == Callback.Status.PENDING
    response = _post(
        client, front.token, path,
        {"version": callback.version, "solved": False, "satisfaction": 2, "comment": "门还是关不上"},
    )  # fmt: skip
    assert response.status_code == 200, response.json()
    complaint.refresh_from_db()
    assert complaint.status == Status.IN_PROGRESS


def test_callback_answer_with_a_stale_version_is_a_conflict(client, front, owner, committee_member, property_staff):
    _complaint, callback = replied(owner, committee_member, property_staff)
    response = _post(
        client, front.token, f"/api/v1/callbacks/{callback.pk}/answer",
        {"version": callback.version + 1, "solved": True, "satisfaction": 5},
    )  # fmt: skip
    assert (response.status_code, response.json()["code"]) == (409, "changed_meanwhile")


def test_callback_answer_for_a_neighbours_callback_is_not_found_like_a_missing_one(
    client, front, compound, committee_member, property_staff
):
    neighbour = factories.owner_in(compound, building="2", unit="202", username="neighbour")
    _complaint, callback = replied(neighbour, committee_member, property_staff)
    payload = {"version": callback.version, "solved": True, "satisfaction": 5}
    theirs = _post(client, front.token, f"/api/v1/callbacks/{callback.pk}/answer", payload)
    missing = _post(client, front.token, "/api/v1/callbacks/999999/answer", payload)
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json() == {"code": "not_found", "message": "No such callback."}
    assert fresh(callback).status == Callback.Status.PENDING


def test_callback_of_a_compound_the_front_does_not_serve_is_out_of_reach(
    client, front, owner, other_compound, committee_member, property_staff
):
    _complaint, callback = replied(owner, committee_member, property_staff)
    elsewhere = api_client_create(by=front.client.created_by, name="Other", compounds=[other_compound])
    front_identity_bind(client=elsewhere.client, openid="oOWNER", code=_code_for_both(owner, other_compound))
    assert client.get("/api/v1/callbacks", **_h(elsewhere.token)).json()["items"] == []
    response = _post(
        client, elsewhere.token, f"/api/v1/callbacks/{callback.pk}/answer",
        {"version": callback.version, "solved": True, "satisfaction": 5},
    )  # fmt: skip
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def _code_for_both(owner, other_compound):
    unit = factories.UnitFactory.create(
        building=factories.BuildingFactory.create(compound=other_compound, number="9"), number="909"
    )
    owner.owner_profile.units.add(unit)
    return binding_code_issue(user=owner).code


# --- surveys -----------------------------------------------------------------------------


@pytest.fixture
def survey(compound, committee_member):
    with time_machine.travel(NOW, tick=False):
        return open_survey(committee_member, compound)


def test_survey_list_and_read_show_what_the_owner_has_to_answer(client, front, owner, survey):
    unit = owner.owner_profile.units.get()
    with time_machine.travel(NOW, tick=False):
        listed = client.get("/api/v1/surveys", **_h(front.token)).json()
        detail = client.get(f"/api/v1/surveys/{survey.pk}", **_h(front.token)).json()
    assert [(row["id"], [u["id"] for u in row["to_answer"]]) for row in listed] == [(survey.pk, [unit.pk])]
    assert detail["is_open"] is True
    assert [area["id"] for area in detail["areas"]] == list(
        survey.service_areas.order_by("order", "code").values_list("pk", flat=True)
    )
    assert sorted(level["id"] for level in detail["levels"]) == [1, 2, 3, 4, 5]


def test_survey_answer_records_the_units_answer_once(client, front, owner, survey):
    unit = owner.owner_profile.units.get()
    scores = {str(area.pk): 4 for area in survey.service_areas.all()}
    path = f"/api/v1/surveys/{survey.pk}/answer"
    with time_machine.travel(NOW, tick=False):
        first = _post(client, front.token, path, {"unit": unit.pk, "scores": scores, "comment": "保洁不错"})
        again = _post(client, front.token, path, {"unit": unit.pk, "scores": scores})
        listed = client.get("/api/v1/surveys", **_h(front.token)).json()
    assert first.status_code == 201, first.json()
    assert first.json()["unit"]["id"] == unit.pk
    assert (again.status_code, again.json()["code"]) == (409, "already_answered")
    answer = SurveyAnswer.objects.get()
    assert (answer.unit, answer.answered_by, answer.comment) == (unit, owner, "保洁不错")
    assert listed[0]["to_answer"] == []


def test_survey_answer_missing_an_area_is_refused(client, front, owner, survey):
    unit = owner.owner_profile.units.get()
    first_area = survey.service_areas.order_by("order").first()
    with time_machine.travel(NOW, tick=False):
        response = _post(
            client, front.token, f"/api/v1/surveys/{survey.pk}/answer",
            {"unit": unit.pk, "scores": {str(first_area.pk): 4}},
        )  # fmt: skip
    assert (response.status_code, response.json()["code"]) == (400, "invalid")
    assert not SurveyAnswer.objects.exists()


def test_survey_of_another_compound_is_not_found(client, front, owner, other_compound, other_committee_member):
    factories.owner_in(other_compound, username="y-owner")
    with time_machine.travel(NOW, tick=False):
        theirs = open_survey(other_committee_member, other_compound)
        read = client.get(f"/api/v1/surveys/{theirs.pk}", **_h(front.token))
        answered = _post(
            client, front.token, f"/api/v1/surveys/{theirs.pk}/answer",
            {"unit": owner.owner_profile.units.get().pk, "scores": {}},
        )  # fmt: skip
        listed = client.get("/api/v1/surveys", **_h(front.token)).json()
    assert (read.status_code, read.json()["code"]) == (404, "not_found")
    assert (answered.status_code, answered.json()["code"]) == (404, "not_found")
    assert listed == []


def test_survey_of_the_owners_other_compound_is_out_of_a_front_that_does_not_serve_it(
    client, front, owner, other_compound, other_committee_member
):
    _code_for_both(owner, other_compound)
    with time_machine.travel(NOW, tick=False):
        theirs = open_survey(other_committee_member, other_compound)
        read = client.get(f"/api/v1/surveys/{theirs.pk}", **_h(front.token))
        listed = client.get("/api/v1/surveys", **_h(front.token)).json()
    assert (read.status_code, read.json()["code"]) == (404, "not_found")
    assert listed == []


@pytest.mark.parametrize(
    ("method", "path", "payload"),
    [
        ("get", "/api/v1/callbacks", None),
        ("post", "/api/v1/callbacks/1/answer", {"version": 1, "solved": True, "satisfaction": 5}),
        ("get", "/api/v1/surveys", None),
        ("get", "/api/v1/surveys/1", None),
        ("post", "/api/v1/surveys/1/answer", {"unit": 1, "scores": {"1": 5}}),
    ],
)
def test_unbound_openid_reaches_no_callback_or_survey(client, front, method, path, payload):
    extra = {"content_type": "application/json", "data": payload} if payload else {}
    response = getattr(client, method)(path, **extra, **_h(front.token, openid="oSTRANGER"))
    assert (response.status_code, response.json()["code"]) == (403, "openid_unbound")


def test_survey_list_takes_as_many_queries_for_few_surveys_as_for_many(
    client, front, owner, compound, committee_member
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/v1/surveys", **_h(front.token)).status_code == 200
        return len(queries)

    with time_machine.travel(NOW, tick=False):
        open_survey(committee_member, compound, title="一")
        count()  # the client's rate-limit counter is created on the first request
        few = count()
        for number in range(3):
            open_survey(committee_member, compound, title=f"测评 {number}", codes=("cleaning",))
        assert count() == few
