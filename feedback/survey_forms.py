"""Validation only, for satisfaction surveys: the committee's new survey and
an owner's answer. The services do the writing (and check again)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from committee_site.choices import fill_single_choices
from committee_site.forms import BoundedDateField
from committee_site.models import Compound, ServiceArea, Unit
from complaints.models import Satisfaction
from feedback.queries import unit_label
from feedback.services.surveys import COMMENT_MAX, TITLE_MAX

# How long a new survey stays open unless the committee says otherwise.
DEFAULT_DAYS_OPEN = 14


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def previous_quarter(today: date) -> tuple[date, date, int, int]:
    """The first and last day, year and number of the quarter before `today`'s."""
    quarter = (today.month - 1) // 3
    year = today.year
    if quarter == 0:
        year, quarter = year - 1, 4
    first = date(year, 3 * quarter - 2, 1)
    last = (date(year, 3 * quarter, 28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return first, last, year, quarter


class AreasField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: ServiceArea) -> str:
        return obj.display_name


class SurveyOpenForm(forms.Form):
    compound = forms.ModelChoiceField(label=_("Compound"), queryset=Compound.objects.none())
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    period_start = BoundedDateField(label=_("Period from"), widget=_date_widget())
    period_end = BoundedDateField(label=_("Period to"), widget=_date_widget())
    opens_on = BoundedDateField(
        label=_("First day to answer"),
        widget=_date_widget(),
        help_text=_(
            "A survey that opens today is announced to the compound's owners at once; one that opens later is not "
            "announced automatically."
        ),
    )
    closes_on = BoundedDateField(
        label=_("Last day to answer"),
        widget=_date_widget(),
        help_text=_("Answers are taken until the end of this day."),
    )
    service_areas = AreasField(
        label=_("Service areas asked about"),
        queryset=ServiceArea.objects.filter(active=True).order_by("order", "code"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "One question per service area, answered on the five levels from very satisfied to very dissatisfied."
        ),
        error_messages={"required": _("Choose at least one service area to ask about.")},
    )

    def __init__(self, *args: Any, compound_ids: frozenset[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        compound = self.fields["compound"]
        assert isinstance(compound, forms.ModelChoiceField)
        compound.queryset = Compound.objects.filter(pk__in=list(compound_ids)).order_by("name")
        fill_single_choices(self, "compound")
        today = timezone.localdate()
        first, last, year, quarter = previous_quarter(today)
        self.fields["period_start"].initial = first
        self.fields["period_end"].initial = last
        self.fields["opens_on"].initial = today
        self.fields["closes_on"].initial = today + timedelta(days=DEFAULT_DAYS_OPEN - 1)
        self.fields["title"].initial = _("Satisfaction survey, %(year)s Q%(quarter)s") % {
            "year": year,
            "quarter": quarter,
        }
        # Every area is asked about unless the committee unticks it.
        self.fields["service_areas"].initial = [area.pk for area in self.fields["service_areas"].queryset]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("period_start"), cleaned.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("The period ends before it starts."))
        opens, closes = cleaned.get("opens_on"), cleaned.get("closes_on")
        if opens and opens < timezone.localdate():
            self.add_error("opens_on", _("A survey cannot open on a day that has passed: choose today or a later day."))
        if opens and closes and closes < opens:
            self.add_error("closes_on", _("The last day to answer comes before the first."))
        return cleaned


class SurveyAnswerForm(forms.Form):
    """One unit's answer: a level per service area asked about, and a comment.
    The unit is chosen only by an owner of several not yet answered."""

    unit = forms.TypedChoiceField(
        label=_("For the unit"),
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose the unit you answer for."),
            "invalid_choice": _("Choose one of your units that has not answered yet."),
        },
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Read by the committee only; the property company sees the figures, never the comments."),
    )

    def __init__(self, *args: Any, areas: list[ServiceArea], units: list[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.units = {unit.pk: unit for unit in units}
        unit_field = self.fields["unit"]
        assert isinstance(unit_field, forms.TypedChoiceField)
        unit_field.choices = [(unit.pk, unit_label(unit)) for unit in units]
        if len(units) == 1:
            unit_field.initial = units[0].pk
        self.areas = areas
        levels = [(value, label) for value, label in Satisfaction.choices]
        for area in areas:
            self.fields[self.area_field(area)] = forms.TypedChoiceField(
                label=area.display_name,
                coerce=int,
                choices=levels,
                widget=forms.RadioSelect(attrs={"class": "btn-check"}),
                error_messages={
                    "required": _("Choose how satisfied you are with this service area."),
                    "invalid_choice": _("Choose one of the five levels."),
                },
            )

    @staticmethod
    def area_field(area: ServiceArea) -> str:
        return f"area_{area.pk}"

    def area_fields(self) -> list[forms.BoundField]:
        return [self[self.area_field(area)] for area in self.areas]

    def posted_unit(self) -> Unit | None:
        """The unit the POST names, before any validation; None if it names none of the owner's."""
        try:
            return self.units.get(int(str(self.data.get("unit", ""))))
        except (TypeError, ValueError, OverflowError):
            return None

    def chosen_unit(self) -> Unit:
        return self.units[self.cleaned_data["unit"]]

    def scores(self) -> dict[int, int]:
        return {area.pk: self.cleaned_data[self.area_field(area)] for area in self.areas}


class SurveyCloseForm(forms.Form):
    """Closing early asks nothing: the button is the whole form."""
