"""Keyset pagination: a page is found by the key of the row next to it, never
by an OFFSET, so the last page of a million rows costs what the first does."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _

T = TypeVar("T", bound=Model)


# A cursor _encode writes is well under this; a longer one is forged.
MAX_CURSOR_LENGTH = 400
# Far outside any row's date, and far from Python's years 1 and 9999, where
# converting between time zones overflows.
CURSOR_EARLIEST = date(1000, 1, 1)
CURSOR_LATEST = date(9000, 12, 31)


class BadCursor(ValueError):
    """The page link was tampered with or belongs to another list."""


@dataclass
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None
    previous_cursor: str | None

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None

    @property
    def has_previous(self) -> bool:
        return self.previous_cursor is not None


def _field_name(term: str) -> str:
    return term.lstrip("-")


def _encode(values: list[Any], direction: str) -> str:
    raw = json.dumps({"k": [v.isoformat() if hasattr(v, "isoformat") else v for v in values], "d": direction})
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str, model: type[Model], ordering: tuple[str, ...]) -> tuple[list[Any], str]:
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise BadCursor(cursor[:MAX_CURSOR_LENGTH])
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
        raw_values, direction = data["k"], data["d"]
        if direction not in ("n", "p") or not isinstance(raw_values, list) or len(raw_values) != len(ordering):
            raise BadCursor(cursor)
        values = [
            model._meta.get_field(_field_name(term)).to_python(raw)  # type: ignore[union-attr]
            for term, raw in zip(ordering, raw_values, strict=True)
        ]
    except (
        ValueError,
        KeyError,
        TypeError,
        binascii.Error,
        ValidationError,
        UnicodeDecodeError,
        OverflowError,
        RecursionError,
    ) as exc:
        raise BadCursor(cursor) from exc
    if not all(_plausible(value) for value in values):
        raise BadCursor(cursor)
    return values, direction


def _plausible(value: Any) -> bool:
    """A key some row could have: what the database and the time-zone
    arithmetic take without overflowing, and what _encode writes (an aware
    time, never a naive one)."""
    if isinstance(value, datetime):
        return value.tzinfo is not None and CURSOR_EARLIEST <= value.date() <= CURSOR_LATEST
    if isinstance(value, date):
        return CURSOR_EARLIEST <= value <= CURSOR_LATEST
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return -(2**63) <= value < 2**63
    if isinstance(value, str):
        return len(value) <= 200 and "\x00" not in value
    return False


def _after(ordering: tuple[str, ...], values: list[Any], *, forward: bool) -> Q:
    """Rows strictly after the key in the list's order (before it when not forward)."""
    condition = Q()
    for position in range(len(ordering) - 1, -1, -1):
        term = ordering[position]
        descending = term.startswith("-")
        lookup = "lt" if descending == forward else "gt"
        step = Q(**{f"{_field_name(term)}__{lookup}": values[position]})
        equal = Q(**{_field_name(t): v for t, v in zip(ordering[:position], values[:position], strict=True)})
        condition = (equal & step) if position == len(ordering) - 1 else (equal & step) | condition
    return condition


def _flip(term: str) -> str:
    return term[1:] if term.startswith("-") else f"-{term}"


def keyset_page(queryset: QuerySet[T], *, ordering: tuple[str, ...], cursor: str | None, per_page: int) -> Page[T]:
    """One page of the queryset in `ordering`, which must end with a unique
    column (the primary key) so every row has exactly one place."""
    model = queryset.model
    if not cursor:
        rows = list(queryset.order_by(*ordering)[: per_page + 1])
        return _page(rows, ordering, per_page, has_before=False, forward=True)
    values, direction = _decode(cursor, model, ordering)
    forward = direction == "n"
    if forward:
        rows = list(queryset.filter(_after(ordering, values, forward=True)).order_by(*ordering)[: per_page + 1])
    else:
        rows = list(
            queryset.filter(_after(ordering, values, forward=False)).order_by(*map(_flip, ordering))[: per_page + 1]
        )
    return _page(rows, ordering, per_page, has_before=True, forward=forward)


def page_or_first(request: HttpRequest, queryset: QuerySet[T], *, ordering: tuple[str, ...], per_page: int) -> Page[T]:
    """The page the request's cursor points at; the first page, with a
    message, when the cursor is not valid (any more)."""
    try:
        return keyset_page(queryset, ordering=ordering, cursor=request.GET.get("cursor"), per_page=per_page)
    except BadCursor:
        messages.warning(request, _("That page link is not valid (any more); here is the first page."))
        return keyset_page(queryset, ordering=ordering, cursor=None, per_page=per_page)


def _key(row: Model, ordering: tuple[str, ...]) -> list[Any]:
    return [getattr(row, _field_name(term)) for term in ordering]


def _page(rows: list[T], ordering: tuple[str, ...], per_page: int, *, has_before: bool, forward: bool) -> Page[T]:
    more = len(rows) > per_page
    rows = rows[:per_page]
    if not forward:
        rows.reverse()
    if not rows:
        return Page(items=[], next_cursor=None, previous_cursor=None)
    # Going forward, `more` says whether a next page exists and we came from
    # an earlier one; going back, the other way round.
    has_next = more if forward else has_before
    has_previous = has_before if forward else more
    return Page(
        items=rows,
        next_cursor=_encode(_key(rows[-1], ordering), "n") if has_next else None,
        previous_cursor=_encode(_key(rows[0], ordering), "p") if has_previous else None,
    )
