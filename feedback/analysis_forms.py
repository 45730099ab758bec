"""Validation only: the compound and the quarters the feedback analysis
covers. Whatever is missing or refused falls back to the defaults (the
current quarter and the three before it); the view says what was left out."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from committee_site.forms import DATE_MIN
from committee_site.models import Compound
from feedback.analysis import DEFAULT_QUARTERS, MAX_QUARTERS, Quarter, default_quarters, quarter_shift, quarters_between

QUARTER_VALUE = re.compile(r"(\d{4})Q([1-4])")


def quarter_value(quarter: Quarter) -> str:
    """How a quarter is written in the query string: 2026Q1."""
    return f"{quarter.year}Q{quarter.number}"


def _quarter(value: str) -> Quarter:
    # Only ever called with one of the choices, which all match.
    matched = QUARTER_VALUE.fullmatch(value)
    assert matched is not None
    return Quarter(int(matched[1]), int(matched[2]))


class FeedbackAnalysisForm(forms.Form):
    compound = forms.ModelChoiceField(label=_("Compound"), queryset=Compound.objects.none(), required=False)
    start = forms.TypedChoiceField(label=_("From quarter"), coerce=_quarter, required=False, empty_value=None)
    end = forms.TypedChoiceField(label=_("To quarter"), coerce=_quarter, required=False, empty_value=None)

    def __init__(self, *args: Any, compound_ids: frozenset[int], today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        compound_field = self.fields["compound"]
        assert isinstance(compound_field, forms.ModelChoiceField)
        compound_field.queryset = Compound.objects.filter(pk__in=list(compound_ids)).order_by("pk")
        compound_field.empty_label = None
        # From this quarter back to the first the site knows dates in; the latest first.
        choices = [
            (quarter_value(quarter), quarter.label)
            for quarter in reversed(quarters_between(Quarter(DATE_MIN.year, 1), Quarter.containing(today)))
        ]
        for name in ("start", "end"):
            quarter_field = self.fields[name]
            assert isinstance(quarter_field, forms.TypedChoiceField)
            quarter_field.choices = choices
        for bound_field in self.fields.values():
            bound_field.widget.attrs["class"] = "form-select"

    def clean(self) -> dict[str, Any]:
        """Sets `first` and `last`: the quarters asked for as far as they are
        valid, the defaults for the rest."""
        data = super().clean() or {}
        first: Quarter | None = data.get("start")
        last: Quarter | None = data.get("end")
        if first and last and first > last:
            self.add_error("end", _("The last quarter is before the first."))
            last = None
        elif first and last and len(quarters_between(first, last)) > MAX_QUARTERS:
            self.add_error("end", _("Choose at most twenty quarters (five years)."))
            last = None
        if first is None and last is None:
            first, last = default_quarters(self.today)
        elif last is None:
            assert first is not None
            last = min(quarter_shift(first, DEFAULT_QUARTERS - 1), Quarter.containing(self.today))
        elif first is None:
            first = max(quarter_shift(last, 1 - DEFAULT_QUARTERS), Quarter(DATE_MIN.year, 1))
        data["first"], data["last"] = first, last
        return data
