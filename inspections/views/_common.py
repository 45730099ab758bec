"""Shared by the views: small request and form helpers."""

from __future__ import annotations

from typing import Any

from committee_site.access import AuthedRequest

PER_PAGE = 25


def _is_htmx(request: AuthedRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _error_text(form: Any) -> str:
    return " ".join(str(message) for errors in form.errors.values() for message in errors)
