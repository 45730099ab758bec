from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from committee_site.forms import VersionForm


class ForewordForm(VersionForm):
    foreword = forms.CharField(
        label=_("Foreword"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("The committee's words to the owners, printed before the figures."),
    )
