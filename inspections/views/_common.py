"""Shared by the views: small request and form helpers."""

from __future__ import annotations

from committee_site.access import AuthedRequest

PER_PAGE = 25


def _is_htmx(request: AuthedRequest) -> bool:
    return request.headers.get("HX-Request") == "true"
