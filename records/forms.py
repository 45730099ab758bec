"""Validation only: the archive's list filters, the upload of a written
record and its amendment. Files are checked by content here, before any
transaction opens; records.services stores and hashes them."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from django import forms
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from committee_site import clock
from committee_site.choices import fill_single_choices, with_empty_choice
from committee_site.forms import BoundedDateField, BoundedDateTimeField, VersionForm
from committee_site.models import Compound, ServiceArea
from committee_site.uploads import ImageRejected, image_reencode
from records.models import UPLOADED_KINDS, RecordKind

# Every query-string key the list understands.
FILTER_KEYS = frozenset({"q", "compound", "kind", "service_area", "happened_from", "happened_to", "cursor"})
MAX_FILES = 10
MAX_FILE_MB = 20


class RecordFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=100, required=False)
    compound = forms.ModelChoiceField(label=_("Compound"), queryset=Compound.objects.none(), required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=with_empty_choice(RecordKind.choices), required=False)
    service_area = forms.ModelChoiceField(label=_("Service area"), queryset=ServiceArea.objects.all(), required=False)
    happened_from = BoundedDateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    happened_to = BoundedDateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args: Any, compound_ids: Iterable[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        compound_field = self.fields["compound"]
        assert isinstance(compound_field, forms.ModelChoiceField)
        compound_field.queryset = Compound.objects.filter(pk__in=list(compound_ids))
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select" if isinstance(field.widget, forms.Select) else "form-control"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start: date | None = data.get("happened_from")
        end: date | None = data.get("happened_to")
        if start and end and start > end:
            self.add_error("happened_to", _("The end date is before the start date."))
            data.pop("happened_to", None)
        return data


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


def _kind_of(upload: UploadedFile) -> tuple[str, str] | None:
    """(content type, extension) by what the file holds, not by its name."""
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return "application/pdf", "pdf"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(upload) as document:
                names = set(document.namelist())
        except zipfile.BadZipFile:
            return None
        finally:
            upload.seek(0)
        if "word/document.xml" in names:
            return "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"
        if "xl/workbook.xml" in names:
            return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"
        return None
    return None


def _is_text(upload: UploadedFile) -> bool:
    upload.seek(0)
    try:
        text = upload.read().decode("utf-8")
    except UnicodeDecodeError:
        return False
    finally:
        upload.seek(0)
    return "\x00" not in text


class CheckedFile:
    """An upload that passed the checks: the bytes to archive, its type and name."""

    def __init__(self, *, name: str, content_type: str, content: UploadedFile | ContentFile[bytes]) -> None:
        self.name = name
        self.content_type = content_type
        self.content = content


def _renamed(name: str, extension: str) -> str:
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return f"{stem[:180] or 'file'}.{extension}"


class ArchiveFilesField(forms.FileField):
    """Documents (PDF, Word, Excel, plain text) kept as they are, and photos or
    scans, re-encoded as every photo on the site is (no EXIF, no GPS)."""

    widget = MultipleFileInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[CheckedFile]:
        uploads: Sequence[UploadedFile] = [f for f in (data if isinstance(data, (list, tuple)) else [data]) if f]
        if self.required and not uploads:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        if len(uploads) > MAX_FILES:
            raise forms.ValidationError(
                ngettext_lazy("At most %(count)d file, please.", "At most %(count)d files, please.", MAX_FILES)
                % {"count": MAX_FILES},
                code="too_many",
            )
        checked, errors = [], []
        for upload in uploads:
            name = (upload.name or "file").replace("/", "_").replace("\\", "_")
            if upload.size is not None and upload.size > MAX_FILE_MB * 1024 * 1024:
                errors.append(
                    forms.ValidationError(
                        _("“%(name)s” is larger than %(mb)s MB.") % {"name": name, "mb": MAX_FILE_MB}, code="too_big"
                    )
                )
                continue
            kind = _kind_of(upload)
            if kind is not None:
                checked.append(CheckedFile(name=_renamed(name, kind[1]), content_type=kind[0], content=upload))
                continue
            try:
                photo = image_reencode(upload)
            except ImageRejected:
                if _is_text(upload):
                    checked.append(CheckedFile(name=_renamed(name, "txt"), content_type="text/plain", content=upload))
                else:
                    errors.append(
                        forms.ValidationError(
                            _("“%(name)s” is not a PDF, Word or Excel document, a text file or a picture.")
                            % {"name": name},
                            code="bad_type",
                        )
                    )
                continue
            checked.append(CheckedFile(name=_renamed(name, "jpg"), content_type="image/jpeg", content=photo))
        if errors:
            raise forms.ValidationError(errors)
        return checked


class RecordUploadForm(forms.Form):
    compound = forms.ModelChoiceField(label=_("Compound"), queryset=Compound.objects.none())
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[(kind.value, kind.label) for kind in UPLOADED_KINDS], initial=RecordKind.MINUTES
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    happened_at = BoundedDateTimeField(
        label=_("When it happened (meeting, letter date)"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    text = forms.CharField(
        label=_("Text or summary"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("What the record says, readable without opening the files: it is what the search finds."),
    )
    attachments = ArchiveFilesField(
        label=_("Files"),
        help_text=_("Up to %(count)s files of %(mb)s MB each: PDF, Word, Excel, text or pictures.")
        % {"count": MAX_FILES, "mb": MAX_FILE_MB},
    )
    publish_to_owners = forms.BooleanField(
        label=_("Publish to all owners of the compound"),
        required=False,
        help_text=_("Owners can then read it, e.g. a notice or the minutes of an owners' meeting."),
    )

    def __init__(self, *args: Any, compound_ids: Iterable[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        compound_field = self.fields["compound"]
        assert isinstance(compound_field, forms.ModelChoiceField)
        ids = list(compound_ids)
        compound_field.queryset = Compound.objects.filter(pk__in=ids)
        if len(ids) == 1:
            compound_field.initial = ids[0]
            compound_field.empty_label = None

    def clean_happened_at(self) -> datetime:
        happened_at: datetime = self.cleaned_data["happened_at"]
        if happened_at > clock.now():
            raise forms.ValidationError(_("A record is of something that happened: the time is in the future."))
        return happened_at


class RecordAmendForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    text = forms.CharField(label=_("Corrected text"), max_length=20000, widget=forms.Textarea(attrs={"rows": 10}))
    reason = forms.CharField(
        label=_("What the correction corrects"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    attachments = ArchiveFilesField(label=_("Files"))


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
