import functools
from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponseBase
from django.urls import URLPattern, URLResolver, re_path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from api.views import api, json_error, method_not_allowed, not_found

# Ninja's own pages: the document and the root it reverses paths from.
DOCUMENT_VIEWS = {"openapi-json", "api-root"}


def _json_only(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    # Ninja and require_safe answer a wrong method with a bare text page, and
    # ninja's root raises Django's 404; a front parses every answer as JSON.
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            return json_error(request, not_found())
        if response.status_code == 405 and not response.get("Content-Type", "").startswith("application/json"):
            return method_not_allowed(request, response.get("Allow", ""))
        return response

    return wrapped


def _open(patterns: list[Any]) -> list[URLPattern | URLResolver]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            _open(pattern.url_patterns)
            continue
        if pattern.name in DOCUMENT_VIEWS:
            pattern.callback = require_safe(pattern.callback)
        else:
            # Every operation checks the client's token and counts the request
            # against the client's limit (api.auth) before it runs.
            pattern.callback.rate_limit_group = "api"
        # The fronts sign in with their token, never with a session: the site's
        # LoginRequiredMiddleware must let them through to it.
        pattern.callback = login_not_required(_json_only(pattern.callback))
    return patterns


@csrf_exempt
@login_not_required
def unknown_path_view(request: HttpRequest, rest: str) -> HttpResponseBase:
    # Matched here, under the API's prefix, so that the site's HTML 404 page
    # (and its sign-in redirect) never answers a front.
    return json_error(request, not_found())


patterns, _app_name, app_name = api.urls  # reversed as "api-v1:<name>"
urlpatterns = [*_open(list(patterns)), re_path(r"^(?P<rest>.*)$", unknown_path_view, name="unknown_path")]
