from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.urls import URLPattern, URLResolver
from django.views.decorators.http import require_safe

from api.views import api

# Ninja's own pages: the document and the root it reverses paths from.
DOCUMENT_VIEWS = {"openapi-json", "api-root"}


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
        pattern.callback = login_not_required(pattern.callback)
    return patterns


patterns, _app_name, app_name = api.urls  # reversed as "api-v1:<name>"
urlpatterns = _open(list(patterns))
