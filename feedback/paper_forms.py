"""Validation only, for the paper survey forms a committee member types in:
the unit by building and number as written on the form, then the owners'
own questions (SurveyAnswerForm's five levels per area, and the comment).
The service does the writing (and checks again)."""

from __future__ import annotations

import unicodedata
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from committee_site.choices import fill_single_choices
from committee_site.models import Building, ServiceArea, Unit
from feedback.models import Survey
from feedback.survey_forms import SurveyAnswerForm

UNIT_NUMBER_MAX = 20


def _buildings(survey: Survey) -> Any:
    return Building.objects.filter(compound_id=survey.compound_id).order_by("sort_key", "number")


def normalise_unit_number(value: str) -> str:
    """A unit number as typed from paper: full-width digits and letters
    (from a Chinese input method) become plain ones, spaces go."""
    return "".join(unicodedata.normalize("NFKC", value).split())


class SurveyPaperForm(SurveyAnswerForm):
    """One paper form: which unit (building, and the number as written), a
    level per service area asked about, and the owner's comment."""

    building = forms.ModelChoiceField(
        label=_("Building"),
        queryset=Building.objects.none(),
        error_messages={
            "required": _("Choose the building written on the form."),
            "invalid_choice": _("Choose one of the compound's buildings."),
        },
    )
    unit_number = forms.CharField(
        label=_("Unit number"),
        max_length=UNIT_NUMBER_MAX,
        error_messages={"required": _("Type the unit number written on the form.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )

    def __init__(self, *args: Any, survey: Survey, areas: list[ServiceArea], **kwargs: Any) -> None:
        # The committee enters any unit of the compound: no unit to choose from a list.
        super().__init__(*args, areas=areas, units=[], **kwargs)
        del self.fields["unit"]
        building = self.fields["building"]
        assert isinstance(building, forms.ModelChoiceField)
        building.queryset = _buildings(survey)
        fill_single_choices(self, "building")
        for field in self.area_fields():
            field.field.error_messages["required"] = _("Choose the level ticked on the form.")
        self.fields["comment"].help_text = _(
            "What the owner wrote on the form, if anything. Read by the committee only."
        )
        # Typing a stack of forms: the cursor waits where the next form starts.
        first = "unit_number" if self.initial.get("building") or building.initial else "building"
        self.fields[first].widget.attrs["autofocus"] = True

    def clean_unit_number(self) -> str:
        return normalise_unit_number(self.cleaned_data["unit_number"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        building, number = cleaned.get("building"), cleaned.get("unit_number")
        if building is not None and number:
            unit = Unit.objects.filter(building=building, number__iexact=number).select_related("building").first()
            if unit is None:
                self.add_error(
                    "unit_number",
                    _("%(building)s has no unit %(number)s.") % {"building": building, "number": number},
                )
            else:
                cleaned["unit"] = unit
        return cleaned

    def entered_unit(self) -> Unit:
        unit = self.cleaned_data["unit"]
        assert isinstance(unit, Unit)
        return unit


class PaperBuildingForm(forms.Form):
    """The query string of the paper form page: the building of the form
    entered last, chosen again for the next one (forms come building by
    building). Anything else is ignored."""

    building = forms.ModelChoiceField(queryset=Building.objects.none(), required=False)

    def __init__(self, *args: Any, survey: Survey, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        building = self.fields["building"]
        assert isinstance(building, forms.ModelChoiceField)
        building.queryset = _buildings(survey)

    def chosen(self) -> Building | None:
        if not self.is_valid():
            return None
        chosen = self.cleaned_data.get("building")
        return chosen if isinstance(chosen, Building) else None
