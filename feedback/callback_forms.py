"""The callbacks' forms: the list's filters and the three ways to answer a
callback. Validation only; feedback.services.callbacks writes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from committee_site.forms import VersionForm
from committee_site.models import Compound
from complaints.models import Satisfaction
from feedback.models import Callback

# --- the list ---------------------------------------------------------------------------

# The list's own choices besides each status: what it shows without a filter,
# and every callback the committee did make.
TO_CALL = "pending"
DONE = "done"
KNOWN_KEYS = frozenset({"compound", "status", "mine", "cursor"})


class CallbackFilterForm(forms.Form):
    compound = forms.ModelChoiceField(label=_("Compound"), queryset=Compound.objects.none(), required=False)
    status = forms.ChoiceField(label=_("Show"), required=False)
    mine = forms.BooleanField(label=_("Only the ones assigned to me"), required=False)

    def __init__(self, *args: Any, compound_ids: Iterable[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        compound_field = self.fields["compound"]
        assert isinstance(compound_field, forms.ModelChoiceField)
        compound_field.queryset = Compound.objects.filter(pk__in=list(compound_ids))
        compound_field.empty_label = _("All my compounds")
        status_field = self.fields["status"]
        assert isinstance(status_field, forms.ChoiceField)
        status_field.choices = [
            ("", _("To call back, then the latest done")),
            (DONE, _("Called back (any outcome)")),
            *Callback.Status.choices,
        ]
        for name in ("compound", "status"):
            self.fields[name].widget.attrs["class"] = "form-select"
        self.fields["mine"].widget.attrs["class"] = "form-check-input"


# --- answering a callback ----------------------------------------------------------------

YES, NO = "yes", "no"
CALLED = [
    (Callback.Channel.PHONE, pgettext_lazy("callback channel", "Phone")),
    (Callback.Channel.VISIT, pgettext_lazy("callback channel", "Visit")),
]


def _yes_no(value: str) -> bool:
    return value == YES


class AttemptForm(VersionForm):
    """A call or visit that did not reach the owner."""

    channel = forms.ChoiceField(label=_("How you tried"), choices=CALLED, widget=forms.RadioSelect, initial="phone")
    note = forms.CharField(
        label=_("Note (internal)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("E.g. no answer, phone switched off, nobody at home."),
    )


class _Outcome(VersionForm):
    solved = forms.TypedChoiceField(
        label=_("Is the problem solved?"),
        choices=[(YES, _("Yes, solved")), (NO, _("No, not solved"))],
        coerce=_yes_no,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    unsolved_message: Any = _("Say what is still not solved: it goes on the complaint's timeline.")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("solved") is False and not (cleaned.get("comment") or "").strip():
            self.add_error("comment", self.unsolved_message)
        return cleaned


class OutcomeForm(_Outcome):
    """What a committee member who reached the owner records."""

    field_order = ["channel", "solved", "satisfaction", "comment", "version"]

    channel = forms.ChoiceField(
        label=_("How you reached the owner"), choices=CALLED, widget=forms.RadioSelect, initial="phone"
    )
    satisfaction = forms.TypedChoiceField(
        label=_("The owner's satisfaction"),
        choices=[("", _("The owner would not say")), *Satisfaction.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )


class AnswerForm(_Outcome):
    """The owner's own answer, online."""

    field_order = ["solved", "satisfaction", "comment", "version"]

    satisfaction = forms.TypedChoiceField(
        label=_("How satisfied are you with how it was handled?"),
        choices=Satisfaction.choices,
        coerce=int,
        widget=forms.RadioSelect,
    )
    unsolved_message = _("Tell us what is still not solved: the complaint is reopened with your words.")
