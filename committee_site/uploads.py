"""Uploaded photos, for every app: checked by content, re-encoded (which
drops EXIF and GPS), stored under random names outside any public URL, and
served only through views that check access first."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from PIL import Image, ImageOps, UnidentifiedImageError

from committee_site.files import private_file_response

# The only decoders Pillow may try on an upload (JPEG's also opens MPO).
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "BMP")
# JPEG (and MPO, JPEG pairs) decode straight to 1/2, 1/4 or 1/8 of their size.
DRAFT_FORMATS = {"JPEG", "MPO"}
# Larger photos are scaled down: enough to read a meter or a crack.
MAX_SIDE = 2560
# A JPEG decodes whole only up to this many pixels a side (16.8 MP, 67 MB at
# most); a larger one decodes at half size or less, even where that comes out
# a little under MAX_SIDE (4100 pixels wide gives 2050).
JPEG_WHOLE_MAX_SIDE = 4096
# The largest picture a phone camera takes: a 50-megapixel sensor's full
# resolution (8192×6144). JPEG decodes shrunk, so it costs a quarter of that.
MAX_PIXELS = 8192 * 6144
# The other formats decode whole, four bytes a pixel, and WebP's decoder holds
# three copies: a phone's 12 MP photo (4032×3024) or a 4K screenshot as PNG,
# GIF or BMP; 6 MP as WebP.
MAX_PIXELS_BY_FORMAT = {
    "JPEG": MAX_PIXELS,
    "MPO": MAX_PIXELS,
    "PNG": 4096 * 3072,
    "GIF": 4096 * 3072,
    "BMP": 4096 * 3072,
    "WEBP": 3072 * 2048,
}
# The most one picture adds to a process's peak memory while it is re-encoded
# (tests/committee_site/test_upload_memory.py measures the worst cases).
MEMORY_BOUND_MB = 128
# Pillow's own bomb check, on every image the process opens: a warning above
# the cap, an error above twice the cap, both answered with _too_many_pixels.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
# Rows of the result resized at a time (see _scaled).
RESIZE_BAND_ROWS = 128
# Modes resized as they are. Others become RGB first, alpha included: Pillow
# resizes RGBA by converting the whole picture, once per band.
SCALABLE_MODES = {"RGB", "L", "CMYK"}


class ImageRejected(ValueError):
    def __init__(self, message: Any) -> None:
        super().__init__(message)
        self.message = message


def _too_many_pixels(name: str, image_format: str | None) -> ImageRejected:
    if image_format is None:
        # Pillow refused it before saying what it is.
        return ImageRejected(
            _("“%(name)s” has too many pixels: at most %(megapixels)s megapixels. Please send a smaller copy.")
            % {"name": name, "megapixels": MAX_PIXELS // 1_000_000}
        )
    return ImageRejected(
        _(
            "“%(name)s” has too many pixels: a %(format)s picture may have at most %(megapixels)s megapixels. "
            "Please send a smaller copy."
        )
        % {"name": name, "format": image_format, "megapixels": MAX_PIXELS_BY_FORMAT[image_format] // 1_000_000}
    )


def _fitted(size: tuple[int, int]) -> tuple[int, int]:
    """The size of the result: the picture scaled to fit MAX_SIDE, never enlarged."""
    scale = min(1.0, MAX_SIDE / max(size))
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))


def _draft_request(size: tuple[int, int]) -> tuple[int, int]:
    """The size to ask a JPEG's decoder for. It decodes at the smallest of
    1/8, 1/4, 1/2 or whole that is at least this size on both sides."""
    wanted = _fitted(size)
    if max(size) < 2 * max(wanted) and max(size) > JPEG_WHOLE_MAX_SIDE:
        # It would decode whole: ask for half instead.
        return max(1, size[0] // 2), max(1, size[1] // 2)
    return wanted


def _opened(upload: UploadedFile, name: str) -> Image.Image:
    """The image with its header read and its size checked; no pixel decoded yet."""
    upload.seek(0)
    try:
        image = Image.open(upload, formats=ACCEPTED_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Pillow's own check, at the same cap (its warning is an exception only
        # where warnings are errors; elsewhere the check below refuses the image).
        raise _too_many_pixels(name, None) from None
    if image.format not in MAX_PIXELS_BY_FORMAT:
        image.close()
        raise ImageRejected(_("“%(name)s” is not a photo (JPEG, PNG or WebP).") % {"name": name})
    if image.width * image.height > MAX_PIXELS_BY_FORMAT[image.format]:
        image.close()
        raise _too_many_pixels(name, image.format)
    return image


def _scaled(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """The image resized to `size`, a band of rows at a time: resized whole,
    it would need an intermediate as wide as the result and as tall as the
    original. The filter reads across band edges, so no seam shows."""
    scaled = Image.new(image.mode, size)
    row_height = image.height / size[1]
    for top in range(0, size[1], RESIZE_BAND_ROWS):
        bottom = min(size[1], top + RESIZE_BAND_ROWS)
        box = (0.0, top * row_height, float(image.width), bottom * row_height)
        scaled.paste(image.resize((size[0], bottom - top), Image.Resampling.LANCZOS, box=box), (0, top))
    scaled.info = dict(image.info)
    return scaled


def _decoded_small(image: Image.Image) -> Image.Image:
    """The pixels fitted into MAX_SIDE, with as little as possible held at
    full size: JPEG decodes at a fraction of its size, the other formats
    whole, and each full-size copy is freed as soon as the next one exists.
    Takes the image over: it is closed unless it is what comes back."""
    try:
        if image.format in DRAFT_FORMATS:
            image.draft("RGB", _draft_request(image.size))
        image.load()
        full = image
        if image.mode not in SCALABLE_MODES:
            full = image.convert("RGB")
            image.close()
        size = _fitted(full.size)
        if full.size == size:
            return full
        small = _scaled(full, size)
        full.close()
        return small
    except BaseException:
        image.close()
        raise


def image_reencode(upload: UploadedFile) -> ContentFile[bytes]:
    """A clean JPEG of the uploaded picture, or ImageRejected saying why.
    Slow and memory-hungry by nature: forms call it while validating, before
    any transaction opens."""
    name = upload.name or "?"
    limit_mb = settings.UPLOAD_MAX_IMAGE_MB
    if upload.size is None or upload.size > limit_mb * 1024 * 1024:
        raise ImageRejected(_("“%(name)s” is larger than %(mb)s MB.") % {"name": name, "mb": limit_mb})
    output = io.BytesIO()
    try:
        with _opened(upload, name) as probe:
            probe.verify()
        with _decoded_small(_opened(upload, name)) as small:
            # Turn the picture upright before the EXIF orientation tag is dropped.
            ImageOps.exif_transpose(small, in_place=True)
            rgb = small if small.mode == "RGB" else small.convert("RGB")
            # No exif= argument: the new file carries no EXIF, so no GPS position.
            rgb.save(output, format="JPEG", quality=85, optimize=True)
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # A frame or an embedded picture past the header that Pillow checks too.
        raise _too_many_pixels(name, None) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ImageRejected(_("“%(name)s” is not a photo, or it is damaged.") % {"name": name}) from exc
    return ContentFile(output.getvalue(), name=f"{uuid.uuid4().hex}.jpg")


def photos_store(photos: Iterable[ContentFile[bytes]], *, folder: str) -> list[str]:
    """Save re-encoded photos under private/<folder>/<yyyy>/<mm>/ and return their names."""
    month = timezone.now().strftime("%Y/%m")
    return [default_storage.save(f"private/{folder}/{month}/{photo.name}", photo) for photo in photos]


def photos_discard(names: Iterable[str]) -> None:
    """Delete stored files whose database rows were never written."""
    for name in names:
        default_storage.delete(name)


def photo_response(name: str, *, download_name: str) -> HttpResponseBase:
    """Serve a stored photo inline, never guessed as anything but a JPEG."""
    if not name or not default_storage.exists(name):
        raise Http404
    return private_file_response(name, content_type="image/jpeg", filename=download_name, inline=True)


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
