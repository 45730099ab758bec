"""The handover export (换届移交): the committee takes its compound's whole
archive away as one ZIP that verifies offline (records/handover.py)."""

from __future__ import annotations

import tempfile
from typing import Any

from django import forms
from django.http import FileResponse, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from committee_site import clock
from committee_site.access import AuthedRequest
from committee_site.choices import EMPTY_LABEL
from committee_site.models import AuditEvent, Compound
from committee_site.throttle import rate_limited
from records import services
from records.access import get_handover_compound_for, require_handover
from records.handover import handover_zip_write
from records.models import ChainHead

# How many earlier handovers the page lists.
RECENT = 10


class HandoverForm(forms.Form):
    compound = forms.IntegerField(label=_("Compound"), min_value=1, max_value=2**31 - 1)

    def __init__(self, *args: Any, compounds: list[Compound], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: list[tuple[Any, Any]] = [(compound.pk, compound.display_name) for compound in compounds]
        if len(compounds) == 1:
            self.fields["compound"].initial = compounds[0].pk
        else:
            choices.insert(0, ("", EMPTY_LABEL))
        self.fields["compound"].widget = forms.Select(choices=choices)


@require_http_methods(["GET", "POST"])
@rate_limited("handover")
def handover_export_view(request: AuthedRequest) -> HttpResponse | FileResponse:
    compound_ids = require_handover(request.user)
    compounds = list(Compound.objects.filter(pk__in=compound_ids).order_by("name"))
    form = HandoverForm(request.POST or None, compounds=compounds)
    if request.method == "POST" and form.is_valid():
        compound = get_handover_compound_for(request.user, form.cleaned_data["compound"])
        now = clock.now()
        output = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it once sent
        try:
            summary = handover_zip_write(compound=compound, out=output)
            services.handover_export_record(
                compound=compound,
                by=request.user,
                count=summary.count,
                head_hash=summary.head_hash,
                size=summary.bytes,
            )
        except BaseException:
            output.close()
            raise
        output.seek(0)
        name = f"archive-handover-{compound.pk}-{timezone.localtime(now):%Y%m%d-%H%M%S}.zip"
        return FileResponse(output, as_attachment=True, filename=name, content_type="application/zip")
    heads = {head.compound_id: head for head in ChainHead.objects.filter(compound_id__in=compound_ids)}
    recent = (
        AuditEvent.objects.filter(action="record.handover_export", compound_id__in=compound_ids)
        .select_related("actor", "compound")
        .order_by("-at", "-id")[:RECENT]
    )
    rows = [{"compound": compound, "head": heads.get(compound.pk)} for compound in compounds]
    return render(request, "records/handover_export.html", {"form": form, "rows": rows, "recent": recent})
