import io
import random
import warnings

import pytest
from django import forms
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image, ImageChops

from committee_site.uploads import (
    MAX_PIXELS,
    ImageRejected,
    PhotosField,
    image_reencode,
    photo_response,
    photos_discard,
    photos_store,
)
from committee_site.uploads import _scaled as _scaled
from tests.conftest import jpeg_bytes
from tests.images import uniform_png

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


# --- bounded memory: shrink while decoding, refuse what no phone takes --------------------------


def _encoded(image, image_format, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, **options)
    return buffer.getvalue()


def test_pillows_bomb_limit_is_the_upload_cap():
    assert Image.MAX_IMAGE_PIXELS == MAX_PIXELS == 8192 * 6144


def test_a_50_megapixel_phone_photo_is_accepted_and_scaled_down():
    cleaned = image_reencode(_upload(_encoded(Image.new("RGB", (8192, 6144), (90, 90, 90)), "JPEG")))
    assert Image.open(io.BytesIO(cleaned.read())).size == (2560, 1920)


def test_a_jpeg_just_over_the_half_size_decodes_at_half_size():
    # Decoded whole it would hold 12 MP; at half size it comes out 2050 pixels wide (JPEG_WHOLE_MAX_SIDE).
    cleaned = image_reencode(_upload(_encoded(Image.new("RGB", (4100, 3000), (90, 90, 90)), "JPEG")))
    assert Image.open(io.BytesIO(cleaned.read())).size == (2050, 1500)


def test_a_large_png_screenshot_is_accepted_and_scaled_down():
    cleaned = image_reencode(_upload(uniform_png(4096, 3072, mode="RGBA"), "screen.png", "image/png"))
    assert Image.open(io.BytesIO(cleaned.read())).size == (2560, 1920)


def test_a_tiny_file_of_too_many_pixels_is_refused_with_the_limit_of_its_format():
    bomb = uniform_png(8000, 8000)  # 64 MP in 200 KB
    assert len(bomb) < 300_000
    # As in production, where Pillow's bomb warning is only a warning and our own check refuses.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        with translation.override("zh-hans"), pytest.raises(ImageRejected) as zh:
            image_reencode(_upload(bomb, "bomb.png", "image/png"))
        with translation.override("en"), pytest.raises(ImageRejected) as en:
            image_reencode(_upload(bomb, "bomb.png", "image/png"))
    assert str(zh.value.message) == "“bomb.png”的像素过多：PNG 图片最多 12 百万像素。请发送一张较小的图片。"
    assert str(en.value.message) == (
        "“bomb.png” has too many pixels: a PNG picture may have at most 12 megapixels. Please send a smaller copy."
    )


@pytest.mark.parametrize(("width", "height"), [(8000, 8000), (20000, 20000)])
def test_pillows_bomb_check_answers_with_our_message(width, height):
    # Above twice the cap Pillow raises DecompressionBombError; above the cap its
    # warning, an error in the test run, must not turn into a 500 either.
    with translation.override("en"), pytest.raises(ImageRejected) as rejected:
        image_reencode(_upload(uniform_png(width, height, mode="L"), "bomb.png", "image/png"))
    assert str(rejected.value.message) == (
        "“bomb.png” has too many pixels: at most 50 megapixels. Please send a smaller copy."
    )


def test_a_photo_resized_in_bands_shows_no_seam():
    noise = Image.frombytes("RGB", (1000, 777), random.Random(7).randbytes(1000 * 777 * 3))
    banded = _scaled(noise, (640, 497))
    whole = noise.resize((640, 497), Image.Resampling.LANCZOS)
    assert [high for _low, high in ImageChops.difference(banded, whole).getextrema()] == [1, 1, 1]
