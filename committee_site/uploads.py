"""Uploaded photos, for every app: checked by content, re-encoded (which
drops EXIF and GPS), stored under random names outside any public URL, and
served only through views that check access first."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterable, Sequence
from pathlib import PurePosixPath
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "BMP", "MPO"}
# Larger photos are scaled down: enough to read a meter or a crack.
MAX_SIDE = 2560
# Refuse decompression bombs before decoding them.
MAX_PIXELS = 60_000_000


class ImageRejected(ValueError):
    def __init__(self, message: Any) -> None:
        super().__init__(message)
        self.message = message


def image_reencode(upload: UploadedFile) -> ContentFile[bytes]:
    """A clean JPEG of the uploaded picture, or ImageRejected saying why."""
    name = upload.name or "?"
    limit_mb = settings.UPLOAD_MAX_IMAGE_MB
    if upload.size is None or upload.size > limit_mb * 1024 * 1024:
        raise ImageRejected(_("“%(name)s” is larger than %(mb)s MB.") % {"name": name, "mb": limit_mb})
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            if probe.format not in ACCEPTED_FORMATS:
                raise ImageRejected(_("“%(name)s” is not a photo (JPEG, PNG or WebP).") % {"name": name})
            if probe.width * probe.height > MAX_PIXELS:
                raise ImageRejected(_("“%(name)s” has too many pixels.") % {"name": name})
            probe.verify()
        upload.seek(0)
        with Image.open(upload) as image:
            image.load()
            # Turn the picture upright before the EXIF orientation tag is dropped.
            upright = ImageOps.exif_transpose(image)
            rgb = upright.convert("RGB")
    except ImageRejected:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise ImageRejected(_("“%(name)s” is not a photo, or it is damaged.") % {"name": name}) from exc
    rgb.thumbnail((MAX_SIDE, MAX_SIDE))
    output = io.BytesIO()
    # No exif= argument: the new file carries no EXIF, so no GPS position.
    rgb.save(output, format="JPEG", quality=85, optimize=True)
    return ContentFile(output.getvalue(), name=f"{uuid.uuid4().hex}.jpg")


def photos_store(photos: Iterable[ContentFile[bytes]], *, folder: str) -> list[str]:
    """Save re-encoded photos under private/<folder>/<yyyy>/<mm>/ and return their names."""
    month = timezone.now().strftime("%Y/%m")
    return [default_storage.save(f"private/{folder}/{month}/{photo.name}", photo) for photo in photos]


def photos_discard(names: Iterable[str]) -> None:
    """Delete stored files whose database rows were never written."""
    for name in names:
        default_storage.delete(name)


def photo_response(name: str, *, download_name: str) -> FileResponse:
    """Serve a stored photo inline, never guessed as anything but a JPEG."""
    if not name or not default_storage.exists(name):
        raise Http404
    response = FileResponse(default_storage.open(name, "rb"), content_type="image/jpeg")
    safe_name = PurePosixPath(download_name).name or "photo.jpg"
    response["Content-Disposition"] = f'inline; filename="{safe_name}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"accept": "image/*", **(attrs or {})})


class PhotosField(forms.FileField):
    """Up to `max_count` photos in one input; cleans to a list of re-encoded JPEGs."""

    widget = MultiplePhotoInput

    def __init__(self, *, max_count: int = 6, **kwargs: Any) -> None:
        self.max_count = max_count
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[ContentFile[bytes]]:
        uploads: Sequence[UploadedFile] = [f for f in (data if isinstance(data, (list, tuple)) else [data]) if f]
        if not uploads:
            if self.required:
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return []
        if len(uploads) > self.max_count:
            raise forms.ValidationError(
                ngettext_lazy("At most %(count)d photo, please.", "At most %(count)d photos, please.", self.max_count)
                % {"count": self.max_count},
                code="too_many",
            )
        cleaned, errors = [], []
        for upload in uploads:
            try:
                cleaned.append(image_reencode(upload))
            except ImageRejected as rejected:
                errors.append(forms.ValidationError(rejected.message, code="bad_image"))
        if errors:
            raise forms.ValidationError(errors)
        return cleaned
