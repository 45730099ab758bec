"""Shared by the views: paging and small request and form helpers."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from committee_site.access import AuthedRequest
from committee_site.pagination import BadCursor, Page, keyset_page

PER_PAGE = 25


def _page_or_first(request: AuthedRequest, queryset: QuerySet[Any], ordering: tuple[str, ...]) -> Page[Any]:
    try:
        return keyset_page(queryset, ordering=ordering, cursor=request.GET.get("cursor"), per_page=PER_PAGE)
    except BadCursor:
        messages.warning(request, _("That page link is not valid (any more); here is the first page."))
        return keyset_page(queryset, ordering=ordering, cursor=None, per_page=PER_PAGE)


def _is_htmx(request: AuthedRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _error_text(form: Any) -> str:
    return " ".join(str(message) for errors in form.errors.values() for message in errors)
