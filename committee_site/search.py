"""Search that finds Chinese words without a word list: text is indexed as
overlapping two-character pieces (电梯门坏 -> 电梯 梯门 门坏), so any Chinese
word of two or more characters is a run of pieces that must all be there;
other scripts are indexed as lower-case words."""

from __future__ import annotations

import re
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet

CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
WORD = re.compile(r"[^\W_]+", re.UNICODE)


def tokens(text: str) -> list[str]:
    found: list[str] = []
    for chunk in CJK_RUN.split(text):
        found += [word.lower() for word in WORD.findall(chunk)]
    for run in CJK_RUN.findall(text):
        if len(run) == 1:
            found.append(run)
        found += [run[i : i + 2] for i in range(len(run) - 1)]
    return found


def index_text(*parts: str) -> str:
    """What to store in search_tokens: unique tokens, space separated."""
    return " ".join(dict.fromkeys(token for part in parts for token in tokens(part)))


def query_tokens(query: str) -> list[str]:
    """The tokens a query needs; single Chinese characters are too common to search for."""
    return list(dict.fromkeys(t for t in tokens(query) if len(t) >= 2 or not CJK_RUN.fullmatch(t)))


# Up to this many matches are fetched by the index and ordered as a small set.
FEW_MATCHES = 1000


def search(queryset: QuerySet[Any], query: str, field: str = "search_tokens") -> QuerySet[Any]:
    """The rows of `queryset` holding every token of `query`, still in the
    caller's hands for ordering and keyset paging.

    A list page orders by date and takes 26 rows. For a common word PostgreSQL
    rightly walks the date index and stops at the 26th match; for a rare word it
    would walk the same way through a million rows finding none (12 s seen).
    So one query first asks for the matching ids alone, which the planner
    answers from the GIN index when the word is rare (or by a short scan when it
    is common): with few matches the page then orders just those; with many,
    the walk in date order finds its page quickly."""
    needed = query_tokens(query)
    if not needed:
        return queryset.none()
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchVector

        # Matches the GIN index of each searched table on PostgreSQL (complaints 0003, records 0002).
        vector = SearchVector(field, config="simple")
        matching = queryset.annotate(search_vector=vector).filter(
            search_vector=SearchQuery(" ".join(needed), config="simple", search_type="plain")
        )
    else:
        matching = queryset.filter(_whole_token_condition(field, needed))
    ids = list(matching.order_by().values_list("pk", flat=True)[: FEW_MATCHES + 1])
    if len(ids) <= FEW_MATCHES:
        return queryset.filter(pk__in=ids)
    return matching


def _whole_token_condition(field: str, needed: list[str]) -> Q:
    """Every token must be there as a whole, space-delimited token."""
    condition = Q()
    for token in needed:
        condition &= (
            Q(**{f"{field}__contains": f" {token} "})
            | Q(**{f"{field}__startswith": f"{token} "})
            | Q(**{f"{field}__endswith": f" {token}"})
            | Q(**{field: token})
        )
    return condition
