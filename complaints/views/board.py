from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from committee_site.access import AuthedRequest, user_access
from committee_site.pagination import page_or_first
from complaints.models import Publication
from records.queries import chain_heads

PER_PAGE = 20


@require_GET
def board_view(request: AuthedRequest) -> HttpResponse:
    """Published results (投诉处理结果公开) an owner may read, newest first."""
    access = user_access(request.user)
    if not (access.owner_compound_ids or access.committee_compound_ids):
        raise PermissionDenied
    queryset = Publication.objects.visible_to(request.user).select_related(
        "complaint__category", "complaint__compound", "building"
    )
    ordering = ("-published_at", "-id")
    page = page_or_first(request, queryset, ordering=ordering, per_page=PER_PAGE)
    # The archive's head, published where every owner looks: whoever keeps it
    # can later check that no record before it was rewritten.
    heads = chain_heads(access.owner_compound_ids | access.committee_compound_ids)
    return render(request, "complaints/board.html", {"page": page, "heads": heads})
