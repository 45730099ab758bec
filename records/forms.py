"""Validation of the archive's forms and query strings."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from committee_site.choices import fill_single_choices
from committee_site.forms import VersionForm
from committee_site.models import Compound

HEX64 = re.compile(r"[0-9a-f]{64}")


class CompoundForm(forms.Form):
    """Which of the user's compounds a page is about; the first when none is chosen."""

    compound = forms.ModelChoiceField(label=_("Compound"), queryset=Compound.objects.none(), required=False)

    def __init__(self, *args: Any, compound_ids: Iterable[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["compound"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Compound.objects.filter(pk__in=list(compound_ids)).order_by("pk")
        field.empty_label = None
        field.widget.attrs["class"] = "form-select"

    def chosen(self) -> Compound:
        """The valid choice, or the first of the user's compounds."""
        # A valid compound stands even when another field of the form is not.
        if self.is_bound and (self.is_valid() or "compound" not in self.errors) and self.cleaned_data.get("compound"):
            compound: Compound = self.cleaned_data["compound"]
            return compound
        field = self.fields["compound"]
        assert isinstance(field, forms.ModelChoiceField)
        assert field.queryset is not None
        first = field.queryset.first()
        assert first is not None
        return first


class HeadCheckForm(CompoundForm):
    hash = forms.CharField(
        label=_("Head hash"),
        max_length=200,
        help_text=_("The 64 characters (0–9, a–f) of a head hash you kept, e.g. from the owners' board."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["hash"].widget.attrs.update({"class": "form-control font-monospace", "autocomplete": "off"})
        fill_single_choices(self, "compound")

    def clean_hash(self) -> str:
        value = "".join(self.cleaned_data["hash"].split()).lower()
        if not HEX64.fullmatch(value):
            raise forms.ValidationError(
                _("A head hash is 64 characters, each 0–9 or a–f; you entered %(length)s characters."),
                params={"length": len(value)},
            )
        return value


class DisposalProposeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the disposal"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
        help_text=_("The committee's decision, e.g. the meeting and its minutes' number."),
    )


class DisposalDecisionForm(VersionForm):
    """Approve or cancel: the version of the proposal the member saw."""
