import io

import pytest
from django import forms
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image

from committee_site.uploads import (
    ImageRejected,
    PhotosField,
    image_reencode,
    photo_response,
    photos_discard,
    photos_store,
)
from tests.conftest import jpeg_bytes

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def _exif_with_gps_and_rotation():
    exif = Image.Exif()
    exif[ORIENTATION] = 6  # the camera was held upright: rotate 90° to display
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (31.0, 14.0, 0.0), 3: "E", 4: (121.0, 28.0, 0.0)})
    return exif


def _upload(data: bytes, name="photo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def test_reencoding_drops_exif_and_gps_and_turns_the_photo_upright():
    original = jpeg_bytes(size=(80, 40), exif=_exif_with_gps_and_rotation())
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)
    cleaned = image_reencode(_upload(original))
    result = Image.open(io.BytesIO(cleaned.read()))
    assert result.format == "JPEG"
    assert dict(result.getexif()) == {}
    assert result.size == (40, 80)
    assert cleaned.name.endswith(".jpg")
    assert "photo" not in cleaned.name


def test_png_is_accepted_and_becomes_jpeg():
    buffer = io.BytesIO()
    Image.new("RGBA", (30, 30), (0, 0, 255, 128)).save(buffer, format="PNG")
    cleaned = image_reencode(_upload(buffer.getvalue(), "screen.png", "image/png"))
    assert Image.open(io.BytesIO(cleaned.read())).format == "JPEG"


def test_a_big_photo_is_scaled_down():
    cleaned = image_reencode(_upload(jpeg_bytes(size=(4000, 3000))))
    assert max(Image.open(io.BytesIO(cleaned.read())).size) == 2560


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"GIF89a but really a script <script>alert(1)</script>", "“evil.jpg” is not a photo, or it is damaged."),
        (b"%PDF-1.4 a document", "“evil.jpg” is not a photo, or it is damaged."),
        (jpeg_bytes()[:200], "“evil.jpg” is not a photo, or it is damaged."),
    ],
)
def test_fake_or_broken_images_are_refused_by_content(data, message):
    with translation.override("en"), pytest.raises(ImageRejected) as rejected:
        image_reencode(_upload(data, "evil.jpg"))
    assert str(rejected.value.message) == message


def test_oversized_file_is_refused(settings):
    settings.UPLOAD_MAX_IMAGE_MB = 1
    with translation.override("zh-hans"), pytest.raises(ImageRejected) as rejected:
        image_reencode(_upload(b"\xff" * (1024 * 1024 + 1), "big.jpg"))
    assert str(rejected.value.message) == "“big.jpg”超过 1 MB。"


def test_photos_field_counts_and_collects_every_error():
    field = PhotosField(max_count=2)
    assert field.clean([]) == []
    assert len(field.clean([_upload(jpeg_bytes()), _upload(jpeg_bytes())])) == 2
    with translation.override("en"), pytest.raises(forms.ValidationError) as too_many:
        field.clean([_upload(jpeg_bytes()) for _ in range(3)])
    assert too_many.value.messages == ["At most 2 photos, please."]
    with translation.override("en"), pytest.raises(forms.ValidationError) as bad:
        field.clean([_upload(b"nope", "a.jpg"), _upload(b"nope", "b.jpg")])
    assert bad.value.messages == [
        "“a.jpg” is not a photo, or it is damaged.",
        "“b.jpg” is not a photo, or it is damaged.",
    ]


@pytest.mark.django_db
def test_stored_photos_are_private_and_can_be_discarded():
    names = photos_store([image_reencode(_upload(jpeg_bytes()))], folder="complaints")
    assert names[0].startswith("private/complaints/")
    assert default_storage.exists(names[0])
    response = photo_response(names[0], download_name="TS-2026-000001-1.jpg")
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"] == 'inline; filename="TS-2026-000001-1.jpg"'
    assert response["X-Content-Type-Options"] == "nosniff"
    response.close()
    photos_discard(names)
    assert not default_storage.exists(names[0])
