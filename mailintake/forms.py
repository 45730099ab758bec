"""The complaint mailbox's forms: the intake list's filters and the two
decisions on a waiting message. Validation only; mailintake.services writes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from committee_site.choices import fill_single_choices
from committee_site.forms import VersionForm
from committee_site.models import Compound
from committee_site.queries import UNIT_PATTERN, OwnerMatch, owners_matching
from complaints.models import Category
from mailintake.models import InboundMessage
from mailintake.queries import RECENT, REFUSED, UNASSIGNED, WAITING

KNOWN_KEYS = frozenset({"show", "compound", "cursor"})
OWNER_MATCHES = 10


class IntakeFilterForm(forms.Form):
    show = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[
            (WAITING, pgettext_lazy("intake list", "Waiting for a decision")),
            (REFUSED, pgettext_lazy("intake list", "Refused")),
            (RECENT, pgettext_lazy("intake list", "Everything of the last 30 days")),
        ],
    )
    compound = forms.ChoiceField(label=_("Compound"), required=False)

    def __init__(self, *args: Any, compounds: Iterable[Compound], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        compound_field = self.fields["compound"]
        assert isinstance(compound_field, forms.ChoiceField)
        compound_field.choices = [
            ("", _("All, and unassigned")),
            *[(str(compound.pk), str(compound)) for compound in compounds],
            (UNASSIGNED, _("Unassigned (compound unknown)")),
        ]
        for name in ("show", "compound"):
            self.fields[name].widget.attrs["class"] = "form-select"


def _owner_label(match: OwnerMatch) -> str:
    units = "、".join(str(unit) for unit in match.units)
    phone = match.user.owner_profile.phone
    # The last digits are enough to tell two owners apart.
    return f"{match.user} · {units} · …{phone[-4:]}" if phone else f"{match.user} · {units}"


class RecordForm(VersionForm):
    """Record a waiting message as the complaint of a named owner: found by
    name, unit (3-1502) or phone among the verified owners of the compound,
    at most OWNER_MATCHES offered when several match."""

    field_order = ["compound", "owner_query", "owner", "category", "version"]

    compound = forms.ModelChoiceField(label=_("Compound"), queryset=Compound.objects.none())
    owner_query = forms.CharField(
        label=_("Owner"),
        max_length=100,
        help_text=_(
            "Name, unit (e.g. 3-1502) or phone of a verified owner of the compound. With a unit, the complaint "
            "is about that unit; otherwise about the owner's unit."
        ),
    )
    owner = forms.ChoiceField(label=_("Which owner"), required=False, widget=forms.RadioSelect)
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.filter(active=True))

    def __init__(self, *args: Any, message: InboundMessage, compound_ids: frozenset[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A message of a compound's own address is filed there; an unassigned
        # one in a compound whose committee the member sits on.
        allowed = [message.compound_id] if message.compound_id is not None else sorted(compound_ids)
        compound_field = self.fields["compound"]
        assert isinstance(compound_field, forms.ModelChoiceField)
        compound_field.queryset = Compound.objects.filter(pk__in=allowed).order_by("name")
        self.fixed_compound = message.compound
        if message.compound_id is not None:
            del self.fields["compound"]
            fill_single_choices(self, "category")
        else:
            fill_single_choices(self, "compound", "category")
        query = str(self.data.get(self.add_prefix("owner_query"), "")).strip()[:100] if self.is_bound else ""
        found = owners_matching(allowed, query, limit=OWNER_MATCHES + 1) if query else []
        self.more_matches = len(found) > OWNER_MATCHES
        self.owner_matches = found[:OWNER_MATCHES]
        owner_field = self.fields["owner"]
        assert isinstance(owner_field, forms.ChoiceField)
        owner_field.choices = [(str(match.user.pk), _owner_label(match)) for match in self.owner_matches]
        if len(self.owner_matches) < 2:
            owner_field.widget = forms.HiddenInput()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        compound = cleaned["compound"] = self.fixed_compound or cleaned.get("compound")
        query = cleaned.get("owner_query", "").strip()
        cleaned["owner_user"] = cleaned["unit"] = None
        if not query or compound is None:
            return cleaned
        matches = [m for m in self.owner_matches if compound.pk in m.compound_ids]
        chosen = [m for m in matches if str(m.user.pk) == cleaned.get("owner")]
        if not chosen and len(matches) == 1:
            chosen = matches
        if not matches:
            self.add_error(
                "owner_query", _("No verified owner of this compound matches “%(query)s”.") % {"query": query}
            )
        elif not chosen and self.more_matches:
            self.add_error(
                "owner",
                _("More than %(n)s owners match: choose one, or type more of the name, or the unit.")
                % {"n": OWNER_MATCHES},
            )
        elif not chosen:
            self.add_error("owner", _("Several owners match; choose one."))
        else:
            match = chosen[0]
            cleaned["owner_user"] = match.user
            unit = UNIT_PATTERN.match(query)
            if unit:
                cleaned["unit"] = next(
                    (
                        u
                        for u in match.units
                        if u.building.compound_id == compound.pk
                        and u.building.number.lower() == unit[1].lower()
                        and u.number == unit[2]
                    ),
                    None,
                )
        return cleaned


class DiscardForm(VersionForm):
    reason = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        max_length=500,
        widget=forms.TextInput(),
        help_text=_("E.g. advertising, sent twice, nothing to file."),
    )
