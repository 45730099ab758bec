"""A list's filters as its query string gives them, for every app: what is
unknown or invalid is named in a message and left out, so a mistyped or old
link still shows a list; the pager's links keep the filters."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, QueryDict
from django.utils.translation import gettext as _

from committee_site import search


def valid_filters(
    request: HttpRequest, form: forms.Form, *, known_keys: Iterable[str], tell: bool = True
) -> dict[str, Any]:
    """The cleaned values of `form` (bound to request.GET, or unbound when the
    query string is empty) that passed; with `tell`, a warning for the rest.
    A download validates the same way but says nothing: its list page did."""
    known = set(known_keys)
    unknown = sorted(key for key in request.GET if key not in known)
    if unknown and tell:
        messages.warning(
            request,
            _("Unknown filter ignored: %(keys)s.") % {"keys": ", ".join(f"“{key[:40]}”" for key in unknown)},
        )
    if not form.is_bound:
        return {}
    form.is_valid()
    for name, errors in form.errors.items() if tell else ():
        label = form.fields[name].label if name in form.fields else name
        messages.warning(
            request,
            _("The filter “%(label)s” was ignored: %(error)s")
            % {"label": label, "error": " ".join(str(error) for error in errors)},
        )
    data = {key: value for key, value in form.cleaned_data.items() if key not in form.errors}
    if data.get("q") and not search.query_tokens(data["q"]):
        # Single Chinese characters are in almost every text: searching for them finds nothing useful.
        if tell:
            messages.warning(request, _("Search for a word of at least two characters, such as 电梯 or leak."))
        data.pop("q")
    return data


def query_without_cursor(request: HttpRequest, known_keys: Iterable[str]) -> str:
    """The list's filters as a query string, for the pager to add its cursor to."""
    query = QueryDict(mutable=True)
    for key in sorted(set(known_keys) - {"cursor"}):
        for value in request.GET.getlist(key):
            if value:
                query.appendlist(key, value)
    return query.urlencode()
