"""Callbacks: the committee's list of calls to make, one callback's page
(record an attempt or the outcome; the owner answers online there too)."""

from __future__ import annotations

from django.http import HttpResponse
from django.views.decorators.http import require_GET

from committee_site.access import AuthedRequest


@require_GET
def callback_list_view(request: AuthedRequest) -> HttpResponse:
    raise NotImplementedError  # the callbacks helper writes this page


@require_GET
def callback_detail_view(request: AuthedRequest, pk: int) -> HttpResponse:
    raise NotImplementedError  # the callbacks helper writes this page
