"""Private files reach a user only through a view that checks access, whether
Django streams them, nginx sends them (X-Accel-Redirect) or they sit on
S3-compatible object storage (a real S3 server, moto's, started here)."""

import socket
import urllib.request
import uuid
from urllib.error import HTTPError

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from committee_site.uploads import image_reencode
from complaints.models import ComplaintPhoto
from records.chain import chain_verify
from tests import factories
from tests.complaints.conftest import file_complaint
from tests.conftest import client_for, jpeg_bytes
from tests.records.conftest import archive

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_owner(compound):
    return factories.owner_in(compound, building="2", unit="202", username="neighbour")


def _photo():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return image_reencode(SimpleUploadedFile("p.jpg", jpeg_bytes(), content_type="image/jpeg"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def s3_server():
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def on_object_storage(settings, s3_server, monkeypatch):
    import boto3  # type: ignore[import-untyped]

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "committee")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "committee-secret")
    bucket = f"committee-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1").create_bucket(Bucket=bucket)
    settings.STORAGE_S3_BUCKET = bucket
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": bucket,
                "endpoint_url": s3_server,
                "region_name": "us-east-1",
                "addressing_style": "path",
                "signature_version": "s3v4",
                "default_acl": None,
                "querystring_auth": True,
                "file_overwrite": False,
            },
        },
    }
    return bucket


def test_photo_is_streamed_by_django_by_default(owner):
    complaint = file_complaint(owner, photos=[_photo()])
    photo = complaint.photos.get()
    response = client_for(owner).get(reverse("complaints:photo", args=[complaint.pk, photo.pk]))
    assert response.status_code == 200
    assert "X-Accel-Redirect" not in response
    assert b"".join(response.streaming_content) == default_storage.open(photo.file).read()


def test_photo_behind_nginx_is_handed_to_nginx_after_the_access_check(settings, owner, other_owner):
    settings.PRIVATE_FILES_ACCEL_PREFIX = "/_private/"
    complaint = file_complaint(owner, photos=[_photo()])
    photo = complaint.photos.get()
    url = reverse("complaints:photo", args=[complaint.pk, photo.pk])
    assert client_for(other_owner).get(url).status_code == 404
    response = client_for(owner).get(url)
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/_private/{photo.file}"
    assert response.content == b""
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"] == f'inline; filename="{complaint.reference}-{photo.pk}.jpg"'
    assert response["X-Content-Type-Options"] == "nosniff"


def test_archive_file_behind_nginx_keeps_its_chinese_name(settings, committee_member, compound):
    settings.PRIVATE_FILES_ACCEL_PREFIX = "/_private/"
    record = archive(compound, by=committee_member, files=[("纪要 第3次.txt", "会议决定。".encode())])
    file = record.files.get()
    response = client_for(committee_member).get(reverse("records:record_file", args=[record.pk, file.pk]))
    assert response["X-Accel-Redirect"] == "/_private/" + file.stored_as.replace(" ", "%20")
    assert (
        response["Content-Disposition"] == "attachment; filename*=utf-8''%E7%BA%AA%E8%A6%81%20%E7%AC%AC3%E6%AC%A1.txt"
    )
    assert response["Content-Type"] == "application/octet-stream"


def test_photo_on_object_storage_is_a_short_lived_signed_redirect(on_object_storage, owner, other_owner):
    complaint = file_complaint(owner, photos=[_photo()])
    photo = ComplaintPhoto.objects.get(complaint=complaint)
    url = reverse("complaints:photo", args=[complaint.pk, photo.pk])
    assert client_for(other_owner).get(url).status_code == 404
    response = client_for(owner).get(url)
    assert response.status_code == 302
    assert response["Cache-Control"] == "private, no-store"
    signed = response["Location"]
    assert f"/{on_object_storage}/{photo.file}" in signed
    assert "X-Amz-Expires=60" in signed
    with urllib.request.urlopen(signed) as served:  # noqa: S310 — the test's own server
        assert served.headers["Content-Type"] == "image/jpeg"
        assert served.headers["Content-Disposition"] == f'inline; filename="{complaint.reference}-{photo.pk}.jpg"'
        assert served.read()[:3] == b"\xff\xd8\xff"
    # The bucket itself gives nothing to someone without the signature.
    with pytest.raises(HTTPError) as refused:
        urllib.request.urlopen(signed.split("?")[0])  # noqa: S310
    assert refused.value.code == 403


def test_archive_on_object_storage_verifies_its_files(on_object_storage, committee_member, compound):
    record = archive(compound, by=committee_member, files=[("纪要.txt", "会议决定更换电梯钢丝绳。".encode())])
    file = record.files.get()
    assert default_storage.open(file.stored_as).read() == "会议决定更换电梯钢丝绳。".encode()
    assert chain_verify(compound.pk).intact
    default_storage.delete(file.stored_as)
    # A file that went missing from the bucket breaks the chain's check.
    assert not chain_verify(compound.pk).intact
