"""The archive's integrity: verifying a compound's chain (the committee and
the community office), and checking that a head hash someone kept is still
in the chain (anyone who belongs to the compound, owners included)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from committee_site.access import AuthedRequest, user_access
from records.chain import chain_verify, reason_words
from records.forms import CompoundForm, HeadCheckForm
from records.models import ArchiveRecord
from records.queries import head_check


@require_GET
def chain_verify_view(request: AuthedRequest) -> HttpResponse:
    access = user_access(request.user)
    compound_ids = access.committee_compound_ids | access.officer_compound_ids
    if not compound_ids:
        raise PermissionDenied
    form = CompoundForm(request.GET or None, compound_ids=compound_ids)
    compound = form.chosen()
    if form.is_bound and form.errors:
        messages.warning(request, _("That compound is not one you may verify; here is the first of yours."))
    report = chain_verify(compound.pk)
    broken_pk = None
    if report.broken_number:
        broken_pk = ArchiveRecord.objects.filter(number=report.broken_number).values_list("pk", flat=True).first()
    if not form.is_bound or form.errors:
        form = CompoundForm(initial={"compound": compound}, compound_ids=compound_ids)
    return render(
        request,
        "records/chain_verify.html",
        {
            "form": form,
            "compound": compound,
            "several_compounds": len(compound_ids) > 1,
            "report": report,
            "reason": "" if report.intact else reason_words(report),
            "broken_pk": broken_pk,
        },
    )


@require_GET
def chain_head_check_view(request: AuthedRequest) -> HttpResponse:
    access = user_access(request.user)
    if not access.compound_ids:
        raise PermissionDenied
    asked = "hash" in request.GET
    form = HeadCheckForm(request.GET if asked else None, compound_ids=access.compound_ids)
    compound = form.chosen()
    if asked and "compound" in form.errors:
        messages.warning(request, _("That compound is not one of yours; here is the first of yours."))
    result = None
    if asked and "hash" not in form.errors:
        result = head_check(compound.pk, form.cleaned_data["hash"])
    readers = access.committee_compound_ids | access.officer_compound_ids | access.property_compound_ids
    return render(
        request,
        "records/chain_head_check.html",
        {
            "form": form,
            "compound": compound,
            "several_compounds": len(access.compound_ids) > 1,
            "result": result,
            "checked_hash": form.cleaned_data.get("hash") if result is not None else "",
            # Owners read single published records, not the archive: no link for them.
            "link_records": compound.pk in readers,
        },
    )
