"""The OpenAPI document holds against the running site: schemathesis makes
requests from it for every operation, sends them over HTTP to the live test
server as a bound owner's front, and checks that no answer is a 5xx and each
matches the document (status code declared, JSON body of its schema)."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.services import api_client_create, binding_code_issue, front_identity_bind
from api.views import api
from complaints.models import Status
from tests import factories
from tests.complaints.conftest import drive, file_complaint

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

# Each operation is its own test; pytest-9 and schemathesis' own pytest
# plugin do not agree, so the operations are listed from the document here.
OPERATIONS = [
    (method.upper(), path) for path, operations in api.get_openapi_schema()["paths"].items() for method in operations
]


@pytest.fixture
def owner_headers(reference_data):
    compound = factories.CompoundFactory.create()
    owner = factories.owner_in(compound, username="front-owner")
    admin = factories.UserFactory.create(is_superuser=True, is_staff=True)
    issued = api_client_create(by=admin, name="WeChat", compounds=[compound])
    front_identity_bind(client=issued.client, openid="oOWNER", code=binding_code_issue(user=owner).code)
    # Something to read, confirm and dispute where the generated ids hit it.
    committee = factories.member_of(compound.committee, role="committee_chair", username="schema-chair")
    drive(file_complaint(owner), Status.RESOLVED, committee=committee)
    file_complaint(owner, title="第二条")
    return {"Authorization": f"Bearer {issued.token}", "X-Openid": "oOWNER"}


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_every_operation_answers_as_its_document_says(live_server, owner_headers, method, path, mode):
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/v1/openapi.json")
    operation = schema[path][method]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def call(case):
        response = case.call(base_url=live_server.url, headers=owner_headers)
        case.validate_response(response, checks=CHECKS)

    call()
