"""The self-service feedback forms (自助反馈). Validation only: the services
do the writing."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from committee_site.choices import fill_single_choices, with_empty_choice
from committee_site.forms import VersionForm
from committee_site.models import Compound, ServiceArea, Unit, User
from committee_site.uploads import PhotosField
from complaints.models import Category, Satisfaction
from feedback.models import FeedbackEntry
from feedback.services.entries import MAX_PHOTOS

Kind = FeedbackEntry.Kind


class FeedbackEntryForm(forms.Form):
    """The owner's "leave feedback" form. The unit is asked only of an owner
    of several; the compound is the unit's."""

    unit = forms.ChoiceField(label=_("From my unit"))
    kind = forms.ChoiceField(label=_("What kind of feedback"), choices=Kind.choices, widget=forms.RadioSelect)
    service_area = forms.ModelChoiceField(
        label=_("About which service"), queryset=ServiceArea.objects.filter(active=True)
    )
    rating = forms.TypedChoiceField(
        label=_("How satisfied are you with this service?"),
        choices=Satisfaction.choices,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        help_text=_("For a rating only; the other kinds leave it empty."),
    )
    title = forms.CharField(label=_("Title"), max_length=120)
    body = forms.CharField(label=_("Your feedback"), max_length=3000, widget=forms.Textarea(attrs={"rows": 5}))
    photos = PhotosField(label=_("Photos"), max_count=MAX_PHOTOS)
    name_shown_to_company = forms.BooleanField(
        label=_("The property company may see my name, unit and photos"),
        required=False,
        help_text=_(
            "Otherwise the property company reads your text without them. The committee always sees who wrote it."
        ),
    )

    def __init__(self, *args: Any, owner: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = list(Unit.objects.filter(owners__user=owner).select_related("building__compound"))
        several_compounds = len({unit.building.compound_id for unit in units}) > 1
        self._units = {str(unit.pk): unit for unit in units}
        unit_field = self.fields["unit"]
        assert isinstance(unit_field, forms.ChoiceField)
        unit_field.choices = with_empty_choice(
            (str(unit.pk), f"{unit.building.compound} · {unit}" if several_compounds else str(unit)) for unit in units
        )
        self._only_unit = units[0] if len(units) == 1 else None
        if self._only_unit is not None:
            del self.fields["unit"]
        fill_single_choices(self, "service_area")
        self.fields["photos"].help_text = ngettext(
            "Up to %(count)s photo; location data is removed.",
            "Up to %(count)s photos; location data is removed.",
            MAX_PHOTOS,
        ) % {"count": MAX_PHOTOS}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        unit = self._only_unit or self._units.get(cleaned.get("unit") or "")
        cleaned["unit"] = unit
        cleaned["compound"] = unit.building.compound if unit is not None else None
        kind = cleaned.get("kind")
        if kind == Kind.RATING and cleaned.get("rating") is None and "rating" not in self.errors:
            self.add_error("rating", _("Choose how satisfied you are: a rating needs it."))
        elif kind and kind != Kind.RATING:
            # Chosen before the kind was changed: only a rating keeps it.
            cleaned["rating"] = None
        return cleaned


class AcknowledgeForm(VersionForm):
    pass


class AnswerForm(VersionForm):
    answer = forms.CharField(
        label=_("Answer to the owner"),
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The owner reads it on the feedback's page and is told."),
    )


class ConvertForm(VersionForm):
    """The committee turns an inquiry into a complaint it records for the owner."""

    category = forms.ModelChoiceField(label=_("Complaint category"), queryset=Category.objects.filter(active=True))
    location_text = forms.CharField(
        label=_("Where is it"),
        max_length=200,
        required=False,
        help_text=_("Leave empty when it is about the owner's unit."),
    )
    note = forms.CharField(
        label=_("Note to the owner (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


# --- the committee's list ------------------------------------------------------------

FEEDBACK_FILTER_KEYS = frozenset({"q", "compound", "kind", "status", "service_area", "cursor"})


class FeedbackFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=100, required=False)
    compound = forms.ModelChoiceField(label=_("Compound"), queryset=Compound.objects.none(), required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", "---------"), *Kind.choices], required=False)
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", "---------"), *FeedbackEntry.Status.choices], required=False
    )
    service_area = forms.ModelChoiceField(label=_("Service area"), queryset=ServiceArea.objects.all(), required=False)

    def __init__(self, *args: Any, compound_ids: Iterable[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        compound_field = self.fields["compound"]
        assert isinstance(compound_field, forms.ModelChoiceField)
        compound_field.queryset = Compound.objects.filter(pk__in=list(compound_ids))
        for bound_field in self.fields.values():
            widget = bound_field.widget
            widget.attrs["class"] = "form-select" if isinstance(widget, forms.Select) else "form-control"
