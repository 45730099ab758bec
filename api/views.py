"""The JSON API for the committee's new-media fronts, version 1. The
endpoints call the same access helpers and services as the web pages."""

from __future__ import annotations

import logging

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from api.auth import ClientToken, bound_owner
from api.complaints_api import router as complaints_router
from api.errors import ApiError
from api.feedback_api import router as feedback_router
from api.models import ApiClient
from api.schemas import Error
from api.services import front_identity_bind
from committee_site.access import user_access
from committee_site.models import User
from committee_site.services import ServiceError

# Where Django reports its own 500s (and the admins get their mail from).
log = logging.getLogger("django.request")

api = NinjaAPI(
    title="Committee site API",
    version="1",
    urls_namespace="api-v1",
    openapi_url="/openapi.json",
    docs_url=None,
    auth=ClientToken(),
)


def json_error(request: HttpRequest, error: ApiError) -> HttpResponse:
    response = api.create_response(request, error.body(), status=error.status)
    for name, value in error.headers.items():
        response[name] = value
    return response


def not_found() -> ApiError:
    return ApiError(404, "unknown_path", _("There is no such address in the API."))


def method_not_allowed(request: HttpRequest, allow: str) -> HttpResponse:
    return json_error(
        request,
        ApiError(405, "method_not_allowed", _("This address does not take this method."), headers={"Allow": allow}),
    )


@api.exception_handler(ApiError)
def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return json_error(request, exc)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return json_error(request, ApiError(401, "auth_invalid", _("The client's token is not valid.")))


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return json_error(request, ApiError(422, "invalid", _("The request is not valid.")))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return json_error(request, not_found())


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # Ninja's only own HttpError is the body it cannot parse.
    if exc.status_code == 400:
        return json_error(request, ApiError(400, "malformed_body", _("The request body is not valid JSON.")))
    return json_error(request, ApiError(exc.status_code, "http_error", str(exc)))


@api.exception_handler(Exception)
def _server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    # A bug is still a 500 (and logged with its traceback, for the error
    # mails), but a front gets the API's JSON instead of Django's HTML page.
    log.exception("API error on %s %s", request.method, request.path)
    return json_error(request, ApiError(500, "server_error", _("Something went wrong on the site.")))


class ClientOut(Schema):
    name: str
    compounds: list[int]


@api.get("/client", response={200: ClientOut, 401: Error, 422: Error, 429: Error}, operation_id="client_read")
def client_read(request: HttpRequest) -> dict[str, object]:
    """The calling client and the compounds it may reach."""
    client: ApiClient = request.auth  # type: ignore[attr-defined]
    return {"name": client.name, "compounds": sorted(client.compounds.values_list("pk", flat=True))}


class BindIn(Schema):
    openid: str = Field(min_length=1, max_length=128)
    code: str = Field(min_length=6, max_length=8)


class OwnerOut(Schema):
    username: str
    name: str
    compounds: list[int]


@api.post(
    "/bind",
    response={200: OwnerOut, 400: Error, 401: Error, 422: Error, 429: Error},
    operation_id="front_identity_bind",
)
def bind(request: HttpRequest, payload: BindIn) -> dict[str, object]:
    """Bind an openid to the owner who got the one-time code on their account page."""
    client: ApiClient = request.auth  # type: ignore[attr-defined]
    try:
        identity = front_identity_bind(client=client, openid=payload.openid, code=payload.code)
    except ServiceError as error:
        raise ApiError(400, "code_invalid", error.message) from error
    return _owner(client, identity.user)


@api.get("/me", response={200: OwnerOut, 401: Error, 403: Error, 422: Error, 429: Error}, operation_id="owner_read")
def me(request: HttpRequest) -> dict[str, object]:
    """The owner the openid is bound to, and the compounds of theirs this front serves."""
    return _owner(request.auth, bound_owner(request))  # type: ignore[attr-defined]


def _owner(client: ApiClient, user: User) -> dict[str, object]:
    served = set(client.compounds.values_list("pk", flat=True))
    return {
        "username": user.username,
        "name": user.get_full_name(),
        "compounds": sorted(served & user_access(user).owner_compound_ids),
    }


api.add_router("/", complaints_router)
api.add_router("/", feedback_router)
