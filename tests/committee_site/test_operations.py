"""Health probe, production settings and security headers. The probe's
failure cases run the site in a subprocess pointed at closed ports, so the
database or broker is really unreachable."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import django
django.setup()
from django.test import Client
response = Client().get("/healthz/")
print(response.status_code, response.content.decode())
"""


def _run_probe(**env_overrides):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "committee_site.settings",
        "PYTHONPATH": str(ROOT),
        "DEBUG": "1",
        "ALLOWED_HOSTS": "testserver",
        **env_overrides,
    }
    result = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=60, cwd=ROOT, check=True
    )
    status, body = result.stdout.strip().splitlines()[-1].split(" ", 1)
    return int(status), json.loads(body)


def test_healthz_answers_ok_when_database_and_broker_are_up(db):
    response = Client().get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


def test_healthz_names_the_broker_when_it_is_down(tmp_path):
    status, body = _run_probe(
        CELERY_BROKER_URL="redis://127.0.0.1:1/0", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}"
    )
    assert status == 503
    assert body == {"status": "down", "down": ["broker"]}


def test_healthz_names_the_database_when_it_is_down(tmp_path):
    status, body = _run_probe(DATABASE_URL="postgres://nobody@127.0.0.1:1/nothing", VAR_DIR=str(tmp_path))
    assert status == 503
    assert body == {"status": "down", "down": ["database"]}


def test_healthz_is_public_and_never_cached(db):
    response = Client().get("/healthz/")
    assert "no-cache" in response["Cache-Control"]


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "committee.example.org",
        "VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update({"DEBUG": "0", "VAR_DIR": str(tmp_path)})
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode != 0
    assert "The environment variable SECRET_KEY must be set." in result.stderr


@pytest.mark.django_db
def test_pages_send_a_strict_content_security_policy_and_no_sniffing():
    response = Client().get(reverse("login"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_pages_have_no_inline_scripts_or_styles(owner):
    client = Client()
    client.force_login(owner)
    for url in (reverse("home"), reverse("account"), reverse("notification_list")):
        html = client.get(url).content.decode()
        assert "<script>" not in html
        assert " style=" not in html
        assert "<style" not in html


def test_collectstatic_with_the_production_manifest_storage_succeeds(tmp_path):
    """Every file a vendored asset references must be there, or the manifest
    storage aborts and every page answers 500."""
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "committee.example.org",
        "VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())["paths"]
    hashed = manifest["vendor/chart.js-4.6.1/chart.umd.js"]
    assert hashed != "vendor/chart.js-4.6.1/chart.umd.js"
    assert (tmp_path / "static" / hashed).exists()
    assert (tmp_path / "static" / f"{hashed}.gz").exists()
