import hashlib
import hmac
import time
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from PIL import Image

from api.services import api_client_create, binding_code_issue, front_identity_bind
from complaints.models import Category, Channel, Complaint, ComplaintPhoto
from tests import factories
from tests.conftest import jpeg_bytes

pytestmark = pytest.mark.django_db

URL = "/api/v1/complaints/with-photos"


@pytest.fixture
def front(compound, owner):
    admin = factories.UserFactory.create(is_superuser=True, is_staff=True)
    issued = api_client_create(by=admin, name="WeChat", compounds=[compound])
    front_identity_bind(client=issued.client, openid="oOWNER", code=binding_code_issue(user=owner).code)
    return issued


def _h(token, openid="oOWNER"):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_X_OPENID": openid, "HTTP_ACCEPT_LANGUAGE": "en"}


def _fields(owner, **extra):
    return {
        "where": f"unit:{owner.owner_profile.units.get().pk}",
        "category": Category.objects.get(code="facility_repair").pk,
        "title": "电梯门关不上",
        "description": "3号楼电梯门这周一直关不上。",
        **extra,
    }


def _photo(name="photo.jpg", **kwargs):
    return SimpleUploadedFile(name, jpeg_bytes(**kwargs), content_type="image/jpeg")


def _gps_exif():
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (31.0, 14.0, 0.0)}  # GPSInfo
    return exif


def test_complaint_with_photos_files_them_re_encoded_without_location(client, front, owner, settings):
    response = client.post(
        URL, {**_fields(owner), "photos": [_photo(exif=_gps_exif()), _photo("b.jpg")]}, **_h(front.token)
    )
    assert response.status_code == 201, response.json()
    complaint = Complaint.objects.get()
    assert (complaint.complainant, complaint.channel) == (owner, Channel.WECHAT)
    photos = list(ComplaintPhoto.objects.filter(complaint=complaint))
    assert len(photos) == 2
    assert all(photo.visible_to_owner for photo in photos)
    stored = (settings.MEDIA_ROOT / photos[0].file).read_bytes()
    assert 0x8825 not in Image.open(BytesIO(stored)).getexif()


def test_complaint_with_photos_takes_none_too(client, front, owner):
    response = client.post(URL, _fields(owner), **_h(front.token))
    assert response.status_code == 201, response.json()
    assert not ComplaintPhoto.objects.exists()


def test_complaint_with_more_photos_than_the_site_takes_files_nothing(client, front, owner, settings):
    response = client.post(URL, {**_fields(owner), "photos": [_photo(f"{n}.jpg") for n in range(7)]}, **_h(front.token))
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "At most 6 photos" in response.json()["message"]
    assert not Complaint.objects.exists()
    assert not (settings.MEDIA_ROOT / "complaints").exists() or not any((settings.MEDIA_ROOT / "complaints").rglob("*"))


def test_complaint_with_a_file_that_is_no_picture_files_nothing(client, front, owner):
    bogus = SimpleUploadedFile("photo.jpg", b"not a picture at all", content_type="image/jpeg")
    response = client.post(URL, {**_fields(owner), "photos": [bogus]}, **_h(front.token))
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert not Complaint.objects.exists()


def test_complaint_with_photos_checks_the_form_like_the_json_one(client, front, owner):
    response = client.post(URL, {**_fields(owner, title=""), "photos": [_photo()]}, **_h(front.token))
    assert (response.status_code, response.json()["code"]) == (400, "invalid")
    assert not ComplaintPhoto.objects.exists()


def test_complaint_with_photos_from_an_unbound_openid_is_refused(client, front, owner):
    response = client.post(URL, {**_fields(owner), "photos": [_photo()]}, **_h(front.token, openid="oNOBODY"))
    assert (response.status_code, response.json()["code"]) == (403, "openid_unbound")
    assert not Complaint.objects.exists()


@pytest.mark.parametrize("limit", [None, 1024])
def test_signed_complaint_with_photos_is_accepted_even_above_the_memory_limit(client, front, owner, settings, limit):
    if limit:
        # A body larger than Django holds as `request.body` is still hashed.
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE = limit
    body = encode_multipart(BOUNDARY, {**_fields(owner), "photos": [_photo(size=(400, 300))]})
    assert len(body) > 1024
    timestamp, nonce = str(int(time.time())), f"photos-{limit}"
    key = hashlib.sha256(front.token.split(".", 1)[1].encode()).hexdigest().encode()
    message = f"POST\n{URL}\n{timestamp}\n{nonce}\n{hashlib.sha256(body).hexdigest()}".encode()
    signature = hmac.new(key, message, hashlib.sha256).hexdigest()
    response = client.generic(
        "POST", URL, body, content_type=MULTIPART_CONTENT, **_h(front.token),
        HTTP_X_TIMESTAMP=timestamp, HTTP_X_NONCE=nonce, HTTP_X_SIGNATURE=signature,
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    assert ComplaintPhoto.objects.count() == 1


def test_signed_json_body_above_the_memory_limit_is_413(client, front, owner, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 64
    response = client.post(
        "/api/v1/complaints", _fields(owner), content_type="application/json", **_h(front.token),
        HTTP_X_TIMESTAMP=str(int(time.time())), HTTP_X_NONCE="big-json-1", HTTP_X_SIGNATURE="0" * 64,
    )  # fmt: skip
    assert (response.status_code, response.json()["code"]) == (413, "too_large")
