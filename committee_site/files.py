"""Serving a stored private file once its view has checked access.

Three ways, chosen by settings, so the same views work on one machine and on
many: Django streams the file itself (the default); nginx sends it after an
`X-Accel-Redirect` to an internal location (`PRIVATE_FILES_ACCEL_PREFIX`), so a
web worker is not held for the length of a download; or, with the files on
S3-compatible object storage, the browser is redirected to a signed URL that
expires within a minute, so the bucket stays private."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.utils.http import content_disposition_header

# Long enough to follow the redirect on a slow phone, too short to pass around.
SIGNED_URL_SECONDS = 60


def _disposition(filename: str, *, inline: bool) -> str:
    # Never a path from the stored name; the UTF-8 form for Chinese names.
    header = content_disposition_header(not inline, PurePosixPath(filename).name or "file")
    assert header is not None
    return header


def _on_object_storage() -> bool:
    return bool(settings.STORAGE_S3_BUCKET)


def private_file_response(name: str, *, content_type: str, filename: str, inline: bool) -> HttpResponseBase:
    """The response that hands the stored file `name`, which the caller has
    found to exist, to a user already allowed to see it."""
    disposition = _disposition(filename, inline=inline)
    response: HttpResponseBase
    if _on_object_storage():
        parameters = {"ResponseContentType": content_type, "ResponseContentDisposition": disposition}
        storage: Any = default_storage
        response = HttpResponseRedirect(storage.url(name, parameters=parameters, expire=SIGNED_URL_SECONDS))
        # The signed address is the user's alone: no shared cache may keep the redirect.
        response["Cache-Control"] = "private, no-store"
        return response
    if settings.PRIVATE_FILES_ACCEL_PREFIX:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = settings.PRIVATE_FILES_ACCEL_PREFIX + quote(name)
    else:
        response = FileResponse(default_storage.open(name, "rb"), content_type=content_type)
    response["Content-Disposition"] = disposition
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response
