"""Validation only: forms check what was typed; services do the writing."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from committee_site.choices import fill_single_choices, with_empty_choice
from committee_site.forms import BoundedDateField, BoundedDateTimeField, VersionForm
from committee_site.models import Compound, ServiceArea
from committee_site.uploads import PhotosField
from inspections.models import ChecklistTemplate, InspectionKind, InspectionPlan, RectificationNotice
from inspections.services import MAX_PHOTOS_PER_ITEM


class ItemRecordForm(forms.Form):
    deduction = forms.IntegerField(label=_("Deduction"), min_value=0, initial=0)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    photos = PhotosField(label=_("Photos"), max_count=MAX_PHOTOS_PER_ITEM)

    def __init__(self, *args: Any, points: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.points = points
        self.fields["deduction"].widget.attrs.update({"max": points, "inputmode": "numeric"})

    def clean_deduction(self) -> int:
        value: int = self.cleaned_data["deduction"]
        if value > self.points:
            raise forms.ValidationError(
                _("At most %(points)s points can be deducted for this item.") % {"points": self.points}
            )
        return value


class FindingForm(forms.Form):
    text = forms.CharField(label=_("Finding"), max_length=300)
    service_area = forms.ModelChoiceField(
        label=_("Service area"), queryset=ServiceArea.objects.filter(active=True), required=False
    )
    critical = forms.BooleanField(label=_("Critical hazard"), required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    photos = PhotosField(label=_("Photos"), max_count=MAX_PHOTOS_PER_ITEM)


class CompleteForm(VersionForm):
    summary = forms.CharField(
        label=_("Summary"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class CompoundTemplateForm(forms.Form):
    """A compound and a checklist template that fits it (its own or the site's)."""

    compound = forms.ModelChoiceField(label=_("Compound"), queryset=Compound.objects.none())
    template = forms.ModelChoiceField(label=_("Checklist template"), queryset=ChecklistTemplate.objects.none())

    def __init__(self, *args: Any, compounds: Any, templates: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["compound"].queryset = compounds  # type: ignore[attr-defined]
        self.fields["template"].queryset = templates  # type: ignore[attr-defined]
        fill_single_choices(self, "compound", "template")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        compound, template = data.get("compound"), data.get("template")
        if compound and template and template.compound_id not in (None, compound.pk):
            self.add_error("template", _("This template belongs to another compound."))
        return data


class InspectionCreateForm(CompoundTemplateForm):
    field_order = ["compound", "kind", "template", "planned_on", "title"]

    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=with_empty_choice(
            [
                (InspectionKind.AD_HOC, InspectionKind.AD_HOC.label),
                (InspectionKind.JOINT, _("Joint inspection (emergency)")),
            ]
        ),
    )
    planned_on = BoundedDateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    title = forms.CharField(label=_("Title"), required=False, max_length=200)

    def __init__(self, *args: Any, compounds: Any, templates: Any, **kwargs: Any) -> None:
        super().__init__(*args, compounds=compounds, templates=templates, **kwargs)
        self.fields["planned_on"].initial = timezone.localdate()


class PlanForm(CompoundTemplateForm):
    field_order = ["compound", "kind", "recurrence", "day_of_period", "template"]

    kind = forms.ChoiceField(label=_("Kind"), choices=with_empty_choice(InspectionPlan.Kind.choices))
    recurrence = forms.ChoiceField(label=_("Recurrence"), choices=with_empty_choice(InspectionPlan.Recurrence.choices))
    day_of_period = forms.IntegerField(label=_("Day of the month"), min_value=1, max_value=28, initial=15)


class TemplateItemForm(forms.Form):
    text = forms.CharField(label=_("Item (Chinese)"), max_length=300)
    text_en = forms.CharField(label=_("Item (English)"), max_length=300, required=False)
    points = forms.IntegerField(label=_("Points"), min_value=1, max_value=100)
    critical = forms.BooleanField(label=_("Critical"), required=False)
    service_area = forms.ModelChoiceField(
        label=_("Service area"), queryset=ServiceArea.objects.filter(active=True), required=False
    )
    guidance = forms.CharField(
        label=_("Guidance"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    clause = forms.CharField(label=_("Contract clause"), required=False, max_length=40)


class CopyTemplateForm(forms.Form):
    compound = forms.ModelChoiceField(label=_("For compound"), queryset=Compound.objects.none())

    def __init__(self, *args: Any, compounds: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["compound"].queryset = compounds  # type: ignore[attr-defined]
        fill_single_choices(self, "compound")


class SignForm(VersionForm):
    dissent = forms.CharField(
        label=_("Dissent note (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Sign the record and write here what your party disagrees with, if anything."),
    )


class AbsentForm(VersionForm):
    reason = forms.CharField(label=_("Reason for absence"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class AttendanceForm(forms.Form):
    attended = forms.TypedChoiceField(
        label=_("Attended"), choices=[("1", _("Present")), ("0", _("Absent"))], coerce=lambda value: value == "1"
    )


class NoticeIssueForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("What must be rectified"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    severity = forms.ChoiceField(label=_("Severity"), choices=RectificationNotice.Severity.choices)


class NoteForm(VersionForm):
    note = forms.CharField(label=_("Note"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))


class EvidenceForm(VersionForm):
    note = forms.CharField(label=_("What was done"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    photos = PhotosField(label=_("Evidence photos"), max_count=MAX_PHOTOS_PER_ITEM)


class FailForm(VersionForm):
    note = forms.CharField(label=_("What is still wrong"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))
    deadline = BoundedDateTimeField(
        label=_("New deadline"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )

    def clean_deadline(self) -> Any:
        deadline = self.cleaned_data.get("deadline")
        if deadline is not None and deadline <= timezone.now():
            raise forms.ValidationError(_("The deadline must be in the future."))
        return deadline


class InspectionFilterForm(forms.Form):
    """The inspection list's one filter: a kind, or every kind."""

    kind = forms.ChoiceField(choices=[("", _("All")), *InspectionKind.choices], required=False)


NOTICE_FILTERS = ("open", "overdue", "awaiting_review", "verified", "all")


class NoticeFilterForm(forms.Form):
    """The rectification notices list's one filter; those to act on by default."""

    show = forms.ChoiceField(choices=[(value, value) for value in NOTICE_FILTERS], required=False)

    def show_or_default(self) -> str:
        return (self.is_valid() and self.cleaned_data["show"]) or "open"
