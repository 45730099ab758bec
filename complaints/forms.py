"""Validation only: forms check what was typed; services do the writing."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from committee_site.choices import fill_single_choices, with_empty_choice
from committee_site.forms import VersionForm
from committee_site.models import Building, Compound, Organisation, ServiceArea, TimeLimits, Unit, User, phone_validator
from committee_site.queries import OwnerMatch, owners_matching
from committee_site.uploads import PhotosField
from complaints.models import Category, Channel, Priority, PublicationScope, ResponsibleParty, Satisfaction

# What a committee member does not record by hand: the web form, the API, and
# an owner's inquiry turned into a complaint from its own page.
NOT_RECORDED_CHANNELS = (Channel.WEB, Channel.API, Channel.FEEDBACK)


class PhotosLimited(forms.Form):
    """Its photos field takes as many photos as the site's settings allow
    (TimeLimits.complaint_photos), read once per request."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        count = TimeLimits.current().complaint_photos
        photos = self.fields["photos"]
        assert isinstance(photos, PhotosField)
        photos.max_count = count
        photos.help_text = ngettext(
            "Up to %(count)s photo; location data is removed.",
            "Up to %(count)s photos; location data is removed.",
            count,
        ) % {"count": count}


class ComplaintForm(PhotosLimited):
    """The owner's web form."""

    where = forms.ChoiceField(label=_("Where"), widget=forms.RadioSelect)
    location_text = forms.CharField(
        label=_("Describe the place"),
        max_length=200,
        required=False,
        help_text=_("For example: east gate, underground garage B2, the playground."),
    )
    category = forms.ModelChoiceField(label=_("What is it about"), queryset=Category.objects.filter(active=True))
    title = forms.CharField(label=_("Title"), max_length=120)
    description = forms.CharField(label=_("What happened"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5}))
    photos = PhotosField(label=_("Photos"))

    def __init__(self, *args: Any, owner: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = list(Unit.objects.filter(owners__user=owner).select_related("building__compound"))
        compound_ids = {unit.building.compound_id for unit in units}
        buildings = list(Building.objects.filter(compound_id__in=compound_ids).select_related("compound"))
        compounds = list(Compound.objects.filter(pk__in=compound_ids))
        several = len(compounds) > 1
        choices: list[tuple[str, str]] = []
        for unit in units:
            label = _("My unit: %(unit)s") % {"unit": unit}
            choices.append((f"unit:{unit.pk}", f"{label} ({unit.building.compound})" if several else label))
        for building in buildings:
            label = _("%(building)s (common parts)") % {"building": building}
            choices.append((f"building:{building.pk}", f"{building.compound} · {label}" if several else label))
        for compound in compounds:
            label = _("A common area of %(compound)s") % {"compound": compound}
            choices.append((f"compound:{compound.pk}", label))
        where = self.fields["where"]
        assert isinstance(where, forms.ChoiceField)
        where.choices = choices
        fill_single_choices(self, "where", "category")
        self._places: dict[str, tuple[str, Any]] = {
            **{f"unit:{u.pk}": ("unit", u) for u in units},
            **{f"building:{b.pk}": ("building", b) for b in buildings},
            **{f"compound:{c.pk}": ("compound", c) for c in compounds},
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        place = self._places.get(cleaned.get("where", ""))
        if place is None:
            return cleaned
        kind, obj = place
        cleaned["unit"] = obj if kind == "unit" else None
        cleaned["building"] = obj if kind == "building" else None
        cleaned["compound"] = obj.building.compound if kind == "unit" else obj.compound if kind == "building" else obj
        if kind == "compound" and not cleaned.get("location_text", "").strip():
            self.add_error("location_text", _("Describe where in the compound it is."))
        return cleaned


OWNER_MATCHES = 10


def _owner_label(match: OwnerMatch) -> str:
    units = "、".join(str(unit) for unit in match.units)
    phone = match.user.owner_profile.phone
    # The last digits are enough to tell two owners apart on the phone.
    return f"{match.user} · {units} · …{phone[-4:]}" if phone else f"{match.user} · {units}"


class RecordForm(PhotosLimited):
    """A committee member records a complaint received another way."""

    channel = forms.ChoiceField(
        label=_("Received by"),
        choices=with_empty_choice(
            c for c in Channel.choices if c[0] not in (Channel.WEB, Channel.API, Channel.FEEDBACK)
        ),
    )
    compound = forms.ModelChoiceField(label=_("Compound"), queryset=Compound.objects.none())
    owner_query = forms.CharField(
        label=_("Registered owner"),
        required=False,
        max_length=100,
        help_text=_(
            "Name, unit (e.g. 3-1502) or phone of an owner with an account. Leave empty and give name and phone "
            "for someone without an account."
        ),
    )
    owner = forms.ChoiceField(label=_("Which owner"), required=False, widget=forms.RadioSelect)
    complainant_name = forms.CharField(label=_("Name"), required=False, max_length=100)
    complainant_phone = forms.CharField(label=_("Phone"), required=False, max_length=30, validators=[phone_validator])
    building = forms.ModelChoiceField(label=_("Building"), queryset=Building.objects.none(), required=False)
    unit_number = forms.CharField(label=_("Unit number"), required=False, max_length=20)
    location_text = forms.CharField(label=_("Describe the place"), required=False, max_length=200)
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.filter(active=True))
    title = forms.CharField(label=_("Title"), max_length=120)
    description = forms.CharField(label=_("What happened"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5}))
    photos = PhotosField(label=_("Photos"))

    def __init__(self, *args: Any, compound_ids: frozenset[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        compound_field = self.fields["compound"]
        assert isinstance(compound_field, forms.ModelChoiceField)
        compound_field.queryset = Compound.objects.filter(pk__in=compound_ids)
        building_field = self.fields["building"]
        assert isinstance(building_field, forms.ModelChoiceField)
        building_field.queryset = Building.objects.filter(compound_id__in=compound_ids).select_related("compound")
        fill_single_choices(self, "compound", "channel", "category")
        # The owners the typed name, unit or phone finds, to choose from when there are several.
        query = str(self.data.get("owner_query", "")).strip()[:100] if self.is_bound else ""
        self.owner_matches = owners_matching(compound_ids, query, limit=OWNER_MATCHES) if query else []
        owner_field = self.fields["owner"]
        assert isinstance(owner_field, forms.ChoiceField)
        owner_field.choices = [(str(match.user.pk), _owner_label(match)) for match in self.owner_matches]
        if len(self.owner_matches) < 2:
            owner_field.widget = forms.HiddenInput()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        compound = cleaned.get("compound")
        query = cleaned.get("owner_query", "").strip()
        cleaned["complainant"] = None
        if query:
            matches = [m.user for m in self.owner_matches if compound is not None and compound.pk in m.compound_ids]
            chosen = [user for user in matches if str(user.pk) == cleaned.get("owner")]
            if chosen:
                cleaned["complainant"] = chosen[0]
            elif len(matches) == 1:
                cleaned["complainant"] = matches[0]
            elif not matches:
                self.add_error(
                    "owner_query", _("No verified owner of this compound matches “%(query)s”.") % {"query": query}
                )
            else:
                self.add_error("owner", _("Several owners match; choose one."))
        elif not cleaned.get("complainant_name", "").strip():
            self.add_error("complainant_name", _("Give the complainant's name, or find the registered owner."))
        building = cleaned.get("building")
        if building is not None and compound is not None and building.compound_id != compound.pk:
            self.add_error("building", _("This building is not in the chosen compound."))
        number = cleaned.get("unit_number", "").strip()
        cleaned["unit"] = None
        if number:
            if building is None:
                self.add_error("building", _("Choose the building of the unit."))
            else:
                unit = Unit.objects.filter(building=building, number__iexact=number).first()
                if unit is None:
                    self.add_error(
                        "unit_number",
                        _("%(building)s has no unit %(number)s.") % {"building": building, "number": number},
                    )
                cleaned["unit"] = unit
        if building is None and not number and not cleaned.get("location_text", "").strip():
            self.add_error("location_text", _("Say where it is: a building, a unit or a place."))
        return cleaned


class AcceptForm(VersionForm):
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.filter(active=True))
    service_area = forms.ModelChoiceField(
        label=_("Service area"), queryset=ServiceArea.objects.filter(active=True), required=False
    )
    priority = forms.ChoiceField(label=_("Priority"), choices=with_empty_choice(Priority.choices))
    is_complex = forms.BooleanField(
        label=_("Complex case"), required=False, help_text=_("Gives the longer time limit for complex cases.")
    )


class ReasonForm(VersionForm):
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class AssignForm(VersionForm):
    responsible_party = forms.ChoiceField(label=_("Who is responsible"), choices=ResponsibleParty.choices)
    reason = forms.CharField(label=_("Why (the ruling)"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    assignee = forms.ModelChoiceField(
        label=_("Hand it to"),
        queryset=Organisation.objects.none(),
        required=False,
        help_text=_("The organisation that will handle it and record the progress."),
    )

    def __init__(self, *args: Any, compound: Compound, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        own = [compound.property_company_id, compound.committee_id, compound.community_office_id]
        assignee_field = self.fields["assignee"]
        assert isinstance(assignee_field, forms.ModelChoiceField)
        assignee_field.queryset = Organisation.objects.filter(
            pk__in=[pk for pk in own if pk]
        ) | Organisation.objects.filter(kind=Organisation.Kind.OTHER)


class PlanForm(PhotosLimited, VersionForm):
    plan = forms.CharField(label=_("Handling plan"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))
    photos = PhotosField(label=_("Photos"))


class ProgressForm(PhotosLimited, VersionForm):
    note = forms.CharField(label=_("Progress"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    visible_to_owner = forms.BooleanField(
        label=_("Show to the owner"), required=False, initial=True, help_text=_("Untick for an internal note.")
    )
    photos = PhotosField(label=_("Photos"))


class ReplyForm(PhotosLimited, VersionForm):
    result = forms.CharField(label=_("Result for the owner"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))
    photos = PhotosField(label=_("Photos"))


class ConfirmForm(VersionForm):
    rating = forms.TypedChoiceField(
        label=_("How satisfied are you?"),
        choices=Satisfaction.choices,
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class WithdrawForm(VersionForm):
    reason = forms.CharField(label=_("Why (optional)"), required=False, max_length=2000)


class ReferForm(VersionForm):
    referred_to = forms.CharField(
        label=_("Referred to"), max_length=200, help_text=_("E.g. the street office, the water company.")
    )
    note = forms.CharField(label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class PublishForm(forms.Form):
    summary = forms.CharField(
        label=_("Summary to publish"),
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("No names, phone numbers or unit numbers: the site refuses them."),
    )
    scope = forms.ChoiceField(label=_("Publish to"), choices=PublicationScope.choices, widget=forms.RadioSelect)
    building = forms.ModelChoiceField(label=_("Building"), queryset=Building.objects.none(), required=False)

    def __init__(self, *args: Any, compound: Compound, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        building_field = self.fields["building"]
        assert isinstance(building_field, forms.ModelChoiceField)
        building_field.queryset = Building.objects.filter(compound=compound)
