"""The variables DEPLOYMENT.md sets, read by settings.py in a process of their own."""

import json
import os
import subprocess
import sys


def _settings_under(variables: dict[str, str], expression: str):
    code = f"import django, json; django.setup(); from django.conf import settings; print(json.dumps({expression}))"
    env = {**os.environ, "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "committee_site.settings", **variables}
    env.pop("DATABASE_URL", None)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_object_storage_switches_the_backend_and_lets_pages_show_its_photos():
    policy, backend, options = _settings_under(
        {"STORAGE_S3_BUCKET": "committee", "STORAGE_S3_ENDPOINT_URL": "https://minio.example.org:9000"},
        "[settings.CONTENT_SECURITY_POLICY, settings.STORAGES['default']['BACKEND'],"
        " settings.STORAGES['default']['OPTIONS']]",
    )
    assert "img-src 'self' data: https://minio.example.org:9000;" in policy
    assert backend == "storages.backends.s3.S3Storage"
    assert options["bucket_name"] == "committee"
    assert options["file_overwrite"] is False
    assert options["querystring_auth"] is True


def test_files_stay_on_disk_and_images_on_the_site_by_default():
    policy, backend = _settings_under(
        {"STORAGE_S3_BUCKET": ""}, "[settings.CONTENT_SECURITY_POLICY, settings.STORAGES['default']['BACKEND']]"
    )
    assert "img-src 'self' data:;" in policy
    assert backend == "django.core.files.storage.FileSystemStorage"


def test_transaction_pooling_turns_off_cursors_that_outlive_a_transaction():
    expression = "settings.DATABASES['default']['DISABLE_SERVER_SIDE_CURSORS']"
    assert _settings_under({"DATABASE_TRANSACTION_POOLING": "1"}, expression) is True
    assert _settings_under({"DATABASE_TRANSACTION_POOLING": "0"}, expression) is False
