"""Validation only: forms check what was typed; services do the writing."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from committee_site.models import (
    Building,
    Compound,
    Language,
    OwnerApplication,
    Reminder,
    ReminderEmail,
    Unit,
    User,
    phone_validator,
)

# The dates anyone may type or put in a link. The site's records begin after
# 2000, and a year past 2100 is a typo; within these bounds date arithmetic
# (the day after, local midnight in UTC) stays far from Python's years 1 and 9999.
DATE_MIN = date(2000, 1, 1)
DATE_MAX = date(2100, 12, 31)


def date_in_range(value: date) -> None:
    day = timezone.localtime(value).date() if isinstance(value, datetime) else value
    if not DATE_MIN <= day <= DATE_MAX:
        raise forms.ValidationError(
            _("Choose a date between %(min)s and %(max)s."),
            code="date_range",
            params={"min": DATE_MIN.isoformat(), "max": DATE_MAX.isoformat()},
        )


class BoundedDateField(forms.DateField):
    """A date between DATE_MIN and DATE_MAX; the browser's picker offers no other."""

    default_validators = [date_in_range]

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        return {**super().widget_attrs(widget), "min": DATE_MIN.isoformat(), "max": DATE_MAX.isoformat()}


class BoundedDateTimeField(forms.DateTimeField):
    """A moment on a day between DATE_MIN and DATE_MAX."""

    default_validators = [date_in_range]

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        return {**super().widget_attrs(widget), "min": f"{DATE_MIN}T00:00", "max": f"{DATE_MAX}T23:59"}


class BuildingChoiceField(forms.ModelChoiceField[Building]):
    def label_from_instance(self, obj: Building) -> str:
        return f"{obj.compound} · {obj}"


class OwnerApplicationForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=100)
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=30,
        validators=[phone_validator],
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(
        label=_("E-mail"),
        help_text=_("The committee's decision and password resets are sent here."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    building = BuildingChoiceField(
        label=_("Building"),
        queryset=Building.objects.select_related("compound").order_by("compound__name", "sort_key", "number"),
        empty_label=_("Choose your compound and building"),
    )
    unit_number = forms.CharField(
        label=_("Unit number"), max_length=20, help_text=_("Your room number as on the property certificate, e.g. 1502")
    )
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text=_(
            "Letters, digits and @/./+/-/_ only; you sign in with it. The committee confirms it when approving "
            "your account, and the e-mail with their decision tells you the username to sign in with."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    note = forms.CharField(
        label=_("Note to the committee"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional, e.g. how the committee can check that you own the unit."),
    )

    def clean_unit_number(self) -> str:
        return self.cleaned_data["unit_number"].strip()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        building = cleaned.get("building")
        number = cleaned.get("unit_number")
        if building and number:
            unit = Unit.objects.filter(building=building, number__iexact=number).first()
            if unit is None:
                self.add_error(
                    "unit_number",
                    _("%(building)s of %(compound)s has no unit %(number)s.")
                    % {"building": building, "compound": building.compound, "number": number},
                )
            else:
                cleaned["unit"] = unit
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords differ."))
        elif password1:
            candidate = User(username=cleaned.get("username", ""), email=cleaned.get("email", ""))
            candidate.first_name = cleaned.get("full_name", "")
            try:
                password_validation.validate_password(password1, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class VersionForm(forms.Form):
    """Every action on a stateful object carries the version the person saw;
    the service refuses it when the object changed meanwhile."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)


class ApproveApplicationForm(VersionForm):
    username = forms.CharField(
        label=_("Username of the new account"),
        max_length=150,
        required=False,
        validators=[UnicodeUsernameValidator()],
        help_text=_("The one the owner asked for; change it if another account already has it."),
    )

    def clean_username(self) -> str:
        return self.cleaned_data["username"].strip()


class ApplicationFilterForm(forms.Form):
    """The owner applications list's one filter; waiting for a decision by default."""

    status = forms.ChoiceField(choices=OwnerApplication.Status.choices, required=False)

    def status_or_default(self) -> str:
        return (self.is_valid() and self.cleaned_data["status"]) or OwnerApplication.Status.PENDING


class NotificationFilterForm(forms.Form):
    """The notifications page shows everything, or only the reminders."""

    REMINDERS = "reminders"
    show = forms.ChoiceField(choices=[("", _("All")), (REMINDERS, _("Reminders"))], required=False)

    def reminders_only(self) -> bool:
        return self.is_valid() and self.cleaned_data["show"] == self.REMINDERS


class ReminderFilterForm(forms.Form):
    """The committee's reminders: upcoming by default, or those sent or cancelled; of one kind or all."""

    KNOWN_KEYS = frozenset({"compound", "kind", "state", "cursor"})

    compound = forms.ModelChoiceField(label=_("Compound"), queryset=Compound.objects.none(), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    state = forms.ChoiceField(label=_("Show"), choices=Reminder.Status.choices, required=False)

    def __init__(self, *args: Any, compound_ids: Iterable[int], **kwargs: Any) -> None:
        from committee_site.reminders import sources

        super().__init__(*args, **kwargs)
        compound_field = self.fields["compound"]
        assert isinstance(compound_field, forms.ModelChoiceField)
        compound_field.queryset = Compound.objects.filter(pk__in=list(compound_ids))
        compound_field.empty_label = _("All my compounds")
        kind_field = self.fields["kind"]
        assert isinstance(kind_field, forms.ChoiceField)
        kind_field.choices = [("", _("Every kind")), *((kind, source.label) for kind, source in sources().items())]
        for name in ("compound", "kind", "state"):
            self.fields[name].widget.attrs["class"] = "form-select"


class RejectApplicationForm(VersionForm):
    reason = forms.CharField(
        label=_("Reason, sent to the applicant"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class LanguageForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    next = forms.CharField(required=False, widget=forms.HiddenInput)


class ReminderEmailForm(forms.Form):
    reminder_email = forms.ChoiceField(
        label=_("Reminders by e-mail"),
        choices=ReminderEmail.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        help_text=_("Either way, every reminder is on your notifications page at once."),
    )


class LocalisedPasswordResetForm(PasswordResetForm):
    """Writes the reset e-mail in the account's own language and sends it
    through the e-mail queue, so a slow or failing SMTP server never breaks
    the page."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        from django.template import loader

        from committee_site.services import email_queue

        user = context.get("user")
        language = getattr(user, "language", settings.LANGUAGE_CODE)
        with translation.override(language):
            subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
            body = loader.render_to_string(email_template_name, context)
        email_queue(to=to_email, subject=subject, body=body)
