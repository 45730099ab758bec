"""The PDF dossier of one record (records/dossier.py), for whoever may read it."""

from __future__ import annotations

import io

from django.http import FileResponse
from django.views.decorators.http import require_GET

from committee_site.access import AuthedRequest
from records.access import get_record_for, sees_identities
from records.dossier import dossier_facts, dossier_write


@require_GET
def record_dossier_view(request: AuthedRequest, pk: int) -> FileResponse:
    record = get_record_for(request.user, pk)
    output = io.BytesIO()
    identities = sees_identities(request.user, record.compound_id)
    dossier_write(record=record, facts=dossier_facts(record, identities=identities), identities=identities, out=output)
    output.seek(0)
    response = FileResponse(output, as_attachment=True, filename=f"{record.number}.pdf", content_type="application/pdf")
    response["X-Content-Type-Options"] = "nosniff"
    return response
