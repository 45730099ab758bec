"""Choice fields that choose nothing for the user: an empty first option
unless there is only one thing to choose, which is then filled in."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

EMPTY_LABEL = _("Choose…")


def with_empty_choice(choices: Any) -> list[tuple[Any, Any]]:
    """Static choices behind an empty option, so a select starts unchosen."""
    return [("", EMPTY_LABEL), *choices]


def fill_single_choices(form: forms.Form, *names: str) -> None:
    """Where a choice has exactly one option, take it; otherwise leave the
    empty option first. One query per model field, at most two rows each."""
    for name in names:
        field = form.fields[name]
        if isinstance(field, forms.ModelChoiceField):
            assert field.queryset is not None
            rows = list(field.queryset[:2])
            if len(rows) == 1:
                field.empty_label = None
                field.initial = rows[0].pk
            elif field.empty_label is None or field.empty_label == "---------":
                field.empty_label = EMPTY_LABEL
        elif isinstance(field, forms.ChoiceField):
            choices: list[tuple[Any, Any]] = list(field.choices)  # type: ignore[arg-type]
            options = [(value, label) for value, label in choices if value != ""]
            if len(options) == 1:
                field.choices = options
                field.initial = options[0][0]
