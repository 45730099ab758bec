"""The dashboard list's filters and its sort allow-list. Validation only: the
form says which values are acceptable; complaints.queries applies them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from committee_site.forms import BoundedDateField
from committee_site.models import Compound, ServiceArea, TimeLimits
from complaints.models import Category, Channel, ResponsibleParty, Status

# Each sort key maps to an ordering an index serves (see Complaint.Meta.indexes)
# and that ends in the primary key, as keyset pagination needs. A key not
# listed here is refused, so nobody can order by an unindexed column.
SORTS: dict[str, tuple[str, ...]] = {
    "newest": ("-submitted_at", "-id"),
    "oldest": ("submitted_at", "id"),
    "deadline": ("next_due_at", "id"),
    "updated": ("-updated_at", "-id"),
}
SORT_LABELS = {
    "newest": _("Newest first"),
    "oldest": _("Oldest first"),
    "deadline": _("Next deadline first"),
    "updated": _("Last changed first"),
}
DEFAULT_SORT = "newest"

OPEN = "open"
OVERDUE = "overdue"
DUE_SOON = "soon"

# Every query-string key the list understands; anything else gets a message.
KNOWN_KEYS = frozenset(
    {
        "q",
        "compound",
        "status",
        "category",
        "service_area",
        "responsible",
        "channel",
        "due",
        "submitted_from",
        "submitted_to",
        "sort",
        "cursor",
    }
)


def _due_soon_text() -> str:
    hours = TimeLimits.current().due_soon_hours
    return ngettext("Due within %(hours)s hour", "Due within %(hours)s hours", hours) % {"hours": hours}


_due_soon_label = lazy(_due_soon_text, str)


class ComplaintFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=100, required=False)
    compound = forms.ModelChoiceField(label=_("Compound"), queryset=Compound.objects.none(), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.all(), required=False)
    service_area = forms.ModelChoiceField(label=_("Service area"), queryset=ServiceArea.objects.all(), required=False)
    responsible = forms.ChoiceField(
        label=_("Responsible"), choices=[("", "---------"), *ResponsibleParty.choices], required=False
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=[("", "---------"), *Channel.choices], required=False)
    due = forms.ChoiceField(
        label=_("Deadline"),
        choices=[("", "---------"), (OVERDUE, _("Overdue")), (DUE_SOON, _("Due soon"))],
        required=False,
    )
    submitted_from = BoundedDateField(
        label=_("Submitted from"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    submitted_to = BoundedDateField(
        label=_("Submitted until"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    sort = forms.ChoiceField(label=_("Sort"), choices=list(SORT_LABELS.items()), required=False)

    def __init__(self, *args: Any, compound_ids: Iterable[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        compound_field = self.fields["compound"]
        assert isinstance(compound_field, forms.ModelChoiceField)
        compound_field.queryset = Compound.objects.filter(pk__in=list(compound_ids))
        status_field = self.fields["status"]
        assert isinstance(status_field, forms.ChoiceField)
        status_field.choices = [("", "---------"), (OPEN, _("All open")), *Status.choices]
        due_field = self.fields["due"]
        assert isinstance(due_field, forms.ChoiceField)
        # Lazy: a download validates the filters but never shows this label.
        due_field.choices = [("", "---------"), (OVERDUE, _("Overdue")), (DUE_SOON, _due_soon_label())]
        for bound_field in self.fields.values():
            widget = bound_field.widget
            widget.attrs["class"] = "form-select" if isinstance(widget, forms.Select) else "form-control"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start: date | None = data.get("submitted_from")
        end: date | None = data.get("submitted_to")
        if start and end and start > end:
            self.add_error("submitted_to", _("The end date is before the start date."))
            data.pop("submitted_to", None)
        return data


class AnalysisForm(forms.Form):
    """The compound and period to analyse; by default the last twelve months."""

    compound = forms.ModelChoiceField(label=_("Compound"), queryset=Compound.objects.none(), required=False)
    start = BoundedDateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    end = BoundedDateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    MAX_DAYS = 366 * 5

    def __init__(self, *args: Any, compound_ids: Iterable[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        compound_field = self.fields["compound"]
        assert isinstance(compound_field, forms.ModelChoiceField)
        compound_field.queryset = Compound.objects.filter(pk__in=list(compound_ids))
        compound_field.empty_label = None
        for bound_field in self.fields.values():
            widget = bound_field.widget
            widget.attrs["class"] = "form-select" if isinstance(widget, forms.Select) else "form-control"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start: date | None = data.get("start")
        end: date | None = data.get("end")
        if start and end and start > end:
            self.add_error("end", _("The end date is before the start date."))
        elif start and end and (end - start).days > self.MAX_DAYS:
            self.add_error("end", _("Choose a period of at most five years."))
        return data
