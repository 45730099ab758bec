"""One record: its page, its files, and what a committee member adds: a
written record of their own, or a correction of one."""

from __future__ import annotations

from django.contrib import messages
from django.core.files.storage import default_storage
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from committee_site.access import AuthedRequest, require_committee, user_access
from committee_site.files import private_file_response
from committee_site.services import ServiceError
from committee_site.throttle import rate_limited
from records import services
from records.access import get_record_file_for, get_record_for, sees_identities
from records.forms import CheckedFile, RecordAmendForm, RecordUploadForm
from records.models import ArchiveFile, ArchiveRecord, ChainHead, Disposal, RecordPublication
from records.services import FileToArchive


@require_GET
def record_detail_view(request: AuthedRequest, pk: int) -> HttpResponse:
    record = get_record_for(request.user, pk)
    identities = sees_identities(request.user, record.compound_id)
    head = ChainHead.objects.filter(compound_id=record.compound_id).first()
    return render(
        request,
        "records/record_detail.html",
        {
            "record": record,
            "body": record.body if identities else record.public_body,
            "sees_identities": identities,
            "files": list(ArchiveFile.objects.shown(identities=identities).filter(record=record)),
            "amendments": list(
                ArchiveRecord.objects.visible_to(request.user).filter(amends=record).order_by("sequence")
            ),
            "publications": list(RecordPublication.objects.filter(record=record).select_related("building")),
            "disposal": Disposal.objects.filter(record=record, status=Disposal.Status.APPROVED)
            .select_related("disposal_record", "proposed_by", "decided_by")
            .first(),
            "chain_count": head.count if head else record.sequence,
            "may_amend": user_access(request.user).is_committee(record.compound_id),
        },
    )


@require_GET
def record_file_view(request: AuthedRequest, pk: int, file_pk: int) -> HttpResponseBase:
    file = get_record_file_for(request.user, pk, file_pk)
    if not default_storage.exists(file.stored_as):
        messages.warning(
            request,
            _("The content of “%(name)s” is no longer kept (disposed of after its retention date); its hash stays.")
            % {"name": file.name},
        )
        return redirect("records:record_detail", pk=pk)
    # Pictures open in the page; everything else downloads, never guessed as something else.
    inline = file.content_type == "image/jpeg"
    return private_file_response(
        file.stored_as,
        content_type=file.content_type if inline or file.content_type != "text/html" else "application/octet-stream",
        filename=file.name,
        inline=inline,
    )


def _store(files: list[CheckedFile]) -> list[FileToArchive]:
    """Hash and copy the files before the record's transaction opens."""
    stored: list[FileToArchive] = []
    try:
        for file in files:
            file.content.seek(0)
            stored.append(
                services.archive_file_store(name=file.name, content_type=file.content_type, source=file.content)
            )
    except Exception:
        services.archive_files_discard(stored)
        raise
    return stored


@require_http_methods(["GET", "POST"])
@rate_limited("archive")
def record_upload_view(request: AuthedRequest) -> HttpResponse:
    compound_ids = require_committee(request.user)
    form = RecordUploadForm(request.POST or None, request.FILES or None, compound_ids=compound_ids)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        stored = _store(data["attachments"])
        try:
            record = services.record_upload(
                compound=data["compound"],
                kind=data["kind"],
                title=data["title"],
                happened_at=data["happened_at"],
                text=data["text"],
                files=stored,
                by=request.user,
                publish_to_owners=data["publish_to_owners"],
            )
        except ServiceError as error:
            services.archive_files_discard(stored)
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Archived as %(number)s.") % {"number": record.number})
            return redirect("records:record_detail", pk=record.pk)
    if request.method == "POST" and request.FILES:
        messages.warning(request, _("Nothing was saved. Please choose the files again after correcting the form."))
    return render(request, "records/record_upload.html", {"form": form}, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@rate_limited("archive")
def record_amend_view(request: AuthedRequest, pk: int) -> HttpResponse:
    record = get_record_for(request.user, pk, write=True)
    initial = {"title": record.title, "text": record.body}
    form = RecordAmendForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        stored = _store(data["attachments"])
        try:
            amendment = services.record_amend(
                record=record, by=request.user, title=data["title"], text=data["text"], reason=data["reason"],
                files=stored,
            )  # fmt: skip
        except ServiceError as error:
            services.archive_files_discard(stored)
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("The correction is archived as %(number)s; %(earlier)s stays as it was.")
                % {"number": amendment.number, "earlier": record.number},
            )
            return redirect("records:record_detail", pk=amendment.pk)
    if request.method == "POST" and request.FILES:
        messages.warning(request, _("Nothing was saved. Please choose the files again after correcting the form."))
    return render(
        request, "records/record_amend.html", {"form": form, "record": record}, status=400 if form.errors else 200
    )
