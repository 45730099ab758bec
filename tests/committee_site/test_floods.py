"""Floods of the base's forms answered with 429, the limits' keys, the
shared cache they are counted in, and that no form that writes is left
without a limit."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from committee_site import clock
from committee_site.models import OutgoingEmail, OwnerApplication
from committee_site.settings import env_rate_limits
from tests import factories
from tests.conftest import client_for
from tests.factories import PASSWORD
from tests.floods import assert_flood_refused, limit_group
from tests.races import postgresql_only, race

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def unit(compound):
    return factories.UnitFactory(building=factories.BuildingFactory(compound=compound, number="3"), number="1502")


def _application(unit, i):
    return {
        "full_name": "王芳",
        "phone": "13800138000",
        "email": f"wang{i}@example.org",
        "building": unit.building.pk,
        "unit_number": unit.number,
        "username": f"wangfang{i}",
        "password1": "sunny-garden-2026",
        "password2": "sunny-garden-2026",
        "note": "",
    }


# --- each kind of form --------------------------------------------------------------


def test_an_application_flood_gets_429_and_saves_nothing(settings, unit, committee_member):
    client = Client()

    def send(i, language):
        return client.post(reverse("apply"), _application(unit, i), HTTP_ACCEPT_LANGUAGE=language)

    assert_flood_refused(settings, "apply", send)
    assert OwnerApplication.objects.count() == 2


def test_password_reset_mails_to_one_address_stop_at_the_limit(owner):
    """Fifty requests in two seconds for one address, each from another
    address: the per-e-mail limit holds, so the owner gets five e-mails."""
    statuses = []
    with time_machine.travel(clock.now(), tick=False):
        for i in range(50):
            response = Client(REMOTE_ADDR=f"10.0.{i}.1").post(reverse("password_reset"), {"email": owner.email.upper()})
            statuses.append(response.status_code)
    assert statuses == [302] * 5 + [429] * 45
    assert OutgoingEmail.objects.filter(to=owner.email).count() == 5


def test_a_password_reset_flood_gets_429_and_sends_nothing(settings, owner):
    client = Client()

    def send(i, language):
        return client.post(reverse("password_reset"), {"email": owner.email}, HTTP_ACCEPT_LANGUAGE=language)

    assert_flood_refused(settings, "password_reset", send)
    assert OutgoingEmail.objects.filter(to=owner.email).count() == 2


def test_a_sign_in_flood_gets_429_even_with_the_right_password(settings, owner):
    limit_group(settings, "sign_in", 2)
    for _ in range(2):
        assert Client().post(reverse("login"), {"username": "owner1", "password": PASSWORD}).status_code == 302
    for language, words in (("zh-hans", "请求过于频繁"), ("en", "Too many requests")):
        client = Client(HTTP_ACCEPT_LANGUAGE=language)
        response = client.post(reverse("login"), {"username": "owner1", "password": PASSWORD})
        assert response.status_code == 429
        assert words in response.content.decode()
        assert "_auth_user_id" not in client.session


def test_a_decision_flood_on_applications_gets_429(settings, unit, committee_member):
    applications = factories.OwnerApplicationFactory.create_batch(4, unit=unit)
    client = client_for(committee_member)

    def send(i, language):
        url = reverse("owner_application_reject", args=[applications[i].pk])
        return client.post(url, {"version": 1, "reason": "x"})

    def speak(language):
        type(committee_member).objects.filter(pk=committee_member.pk).update(language=language)

    assert_flood_refused(settings, "step", send, speak=speak)


# --- keys ---------------------------------------------------------------------------


def test_an_address_limit_holds_across_users(settings, compound, unit):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "step": {"user": "100/h", "address": "3/h"}}
    first, second = (factories.owner_in(compound, username=name) for name in ("first", "second"))
    office = {"REMOTE_ADDR": "203.0.113.7"}

    def switch(user, language="en"):
        return client_for(user).post(reverse("set_language"), {"language": language}, **office)

    assert [switch(first).status_code, switch(first).status_code, switch(second).status_code] == [302, 302, 302]
    assert switch(second).status_code == 429
    # The same user from elsewhere is not refused: it was the address that was over.
    elsewhere = client_for(second).post(reverse("set_language"), {"language": "en"}, REMOTE_ADDR="198.51.100.1")
    assert elsewhere.status_code == 302


def test_a_user_limit_holds_across_addresses(settings, owner):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "step": {"user": "2/h", "address": "100/h"}}
    client = client_for(owner)
    statuses = [
        client.post(reverse("set_language"), {"language": "en"}, REMOTE_ADDR=f"198.51.100.{i}").status_code
        for i in range(3)
    ]
    assert statuses == [302, 302, 429]


def test_the_address_behind_a_proxy_is_the_last_forwarded_one(settings, owner):
    settings.CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "password_reset": {"address": "1/h", "email": "100/h"}}
    proxy = {"REMOTE_ADDR": "127.0.0.1"}

    def reset(forwarded):
        return Client().post(reverse("password_reset"), {"email": owner.email}, HTTP_X_FORWARDED_FOR=forwarded, **proxy)

    assert reset("1.1.1.1, 203.0.113.9").status_code == 302
    # Whatever the client writes in front, the proxy's entry is what counts.
    assert reset("9.9.9.9, 203.0.113.9").status_code == 429
    assert reset("203.0.113.10").status_code == 302


def test_limits_wait_out_their_window(settings, owner):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "step": {"user": "1/h", "address": "100/h"}}
    client = client_for(owner)
    with time_machine.travel(clock.now(), tick=False) as traveller:
        assert client.post(reverse("set_language"), {"language": "en"}).status_code == 302
        refused = client.post(reverse("set_language"), {"language": "en"})
        assert refused.status_code == 429
        traveller.shift(timedelta(seconds=int(refused["Retry-After"]) + 1))
        assert client.post(reverse("set_language"), {"language": "en"}).status_code == 302


def test_a_cache_that_does_not_answer_lets_the_form_through(settings, owner, caplog):
    # Nothing listens on port 1: the connection is refused at once.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    response = client_for(owner).post(reverse("set_language"), {"language": "en"})
    assert response.status_code == 302
    assert "the shared cache did not answer" in caplog.text


# --- every form that writes has a limit ---------------------------------------------

# POST views that insert no row and send nothing, or are not the site's own forms.
WITHOUT_LIMITS = {
    "logout",  # ends the session
    "password_change",  # changes the signed-in user's own password, inserts nothing
    "password_reset_confirm",  # needs the e-mailed token, which its one write spends
    "notification_open",  # marks one notification read
    "notifications_mark_all_read",  # marks notifications read
    "api-v1:unknown_path",  # answers every method with a JSON 404 and writes nothing
}
READ_ONLY = {
    "home", "healthz", "account", "compound_detail", "owner_application_list", "owner_application_detail",
    "notification_list", "reminder_list", "apply_done", "password_change_done", "password_reset_done",
    "password_reset_complete",
    "complaints:mine", "complaints:board", "complaints:dashboard", "complaints:export", "complaints:export_xlsx",
    "complaints:assigned",
    "complaints:analysis", "complaints:detail", "complaints:photo",
    "inspections:overview", "inspections:inspection_list", "inspections:quarter", "inspections:inspection_detail",
    "inspections:inspection_print", "inspections:item_photo", "inspections:notice_list",
    "inspections:notice_detail", "inspections:event_photo", "inspections:template_list",
    "inspections:template_detail",
    "records:record_dossier",
    "records:record_list", "records:record_export_csv", "records:record_export_xlsx", "records:record_detail",
    "records:record_file",
    "records:analysis", "records:analysis_csv",
    "records:chain_verify", "records:chain_head_check", "records:retention_list",
    "feedback:entry_list", "feedback:entry_mine", "feedback:entry_detail", "feedback:entry_photo",
    "feedback:analysis", "feedback:analysis_csv",
    "feedback:survey_list", "feedback:survey_detail", "feedback:survey_results", "feedback:survey_results_csv",
    "feedback:callback_list", "feedback:callback_detail",
    "mailintake:intake_list", "mailintake:intake_detail",
    "reports:report_list", "reports:report_detail", "reports:report_pdf",
    "api-v1:openapi-json", "api-v1:api-root",
}  # fmt: skip


def _named_views(resolver=None, namespace=""):
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.app_name == "admin":
                continue
            yield from _named_views(pattern, f"{pattern.namespace}:" if pattern.namespace else namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}", pattern.callback, pattern


def test_every_form_that_writes_has_a_rate_limit():
    unlimited = {
        name
        for name, view, _pattern in _named_views()
        if not getattr(view, "rate_limit_group", None) and name not in WITHOUT_LIMITS | READ_ONLY
    }
    assert unlimited == set(), "give these views @rate_limited(...) or say why they need none"


@pytest.mark.parametrize("name", sorted(READ_ONLY))
def test_the_views_called_read_only_refuse_post(name, owner):
    """READ_ONLY above is honest: none of them accepts a POST."""
    pattern = next(pattern for view_name, _view, pattern in _named_views() if view_name == name)
    args = [1] * len(pattern.pattern.converters)
    assert client_for(owner).post(reverse(name, args=args)).status_code == 405


# --- the settings -------------------------------------------------------------------


def test_rate_limits_are_overridden_from_the_environment(monkeypatch):
    monkeypatch.setenv("RATE_LIMITS", "complaint.user=5/h, apply.email=1/d")
    defaults = {"complaint": {"user": "20/h", "address": "60/h"}, "apply": {"email": "5/d"}}
    limits = env_rate_limits("RATE_LIMITS", defaults)
    assert limits == {"complaint": {"user": "5/h", "address": "60/h"}, "apply": {"email": "1/d"}}
    for wrong in ("complaint.user=lots", "complaint.phone=1/h", "nothing=1/h"):
        monkeypatch.setenv("RATE_LIMITS", wrong)
        with pytest.raises(ImproperlyConfigured, match=r"complaint\.user, complaint\.address"):
            env_rate_limits("RATE_LIMITS", {"complaint": {"user": "20/h", "address": "60/h"}})


def _production_caches(**env):
    """settings.CACHES as a production process (DEBUG=0) reads it."""
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    keep |= {"DEBUG": "0", "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "committee.example.org", **env}
    out = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.CACHES['default'])"],
        env={**keep, "DJANGO_SETTINGS_MODULE": "committee_site.settings", "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    return out.stdout + out.stderr


def test_production_counts_in_a_cache_every_worker_shares():
    embedded = _production_caches()
    assert "'BACKEND': 'committee_site.cache.SharedDatabaseCache'" in embedded
    assert "LocMem" not in embedded
    redis_broker = _production_caches(CELERY_BROKER_URL="redis://10.0.0.5:6379/2")
    assert "'BACKEND': 'django.core.cache.backends.redis.RedisCache'" in redis_broker
    assert "'LOCATION': 'redis://10.0.0.5:6379/2'" in redis_broker
    own = _production_caches(CELERY_BROKER_URL="redis://10.0.0.5:6379/2", CACHE_URL="redis://10.0.0.6:6379/0")
    assert "'LOCATION': 'redis://10.0.0.6:6379/0'" in own
    assert "CACHE_URL must be redis://" in _production_caches(CACHE_URL="locmem://")


def test_the_configured_cache_is_the_shared_one_in_this_run(settings):
    backend = settings.CACHES["default"]["BACKEND"]
    broker = os.environ.get("CELERY_BROKER_URL", "")
    if os.environ.get("CACHE_URL", "").startswith("redis") or broker.startswith("redis"):
        assert backend == "django.core.cache.backends.redis.RedisCache"
    else:
        assert backend == "committee_site.cache.SharedDatabaseCache"


# --- the embedded shared cache ------------------------------------------------------


@pytest.fixture
def database_cache(settings):
    settings.CACHES = {
        "default": {"BACKEND": "committee_site.cache.SharedDatabaseCache", "LOCATION": "committee_site_cache"}
    }
    return caches["default"]


def test_database_cache_increment_keeps_the_windows_expiry(database_cache):
    with time_machine.travel(clock.now(), tick=False) as traveller:
        assert database_cache.add("counter", 1, 3600)
        assert database_cache.incr("counter") == 2
        # Django's own incr() would have set the default five minutes here.
        traveller.shift(timedelta(minutes=30))
        assert database_cache.incr("counter") == 3
        traveller.shift(timedelta(minutes=31))
        assert database_cache.get("counter") is None
        with pytest.raises(ValueError, match="not found"):
            database_cache.incr("counter")


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_database_cache_counts_every_increment_of_workers_at_once(database_cache):
    database_cache.add("shared-counter", 0, 3600)
    outcomes = race(*[(lambda: None, lambda _seen: caches["default"].incr("shared-counter")) for _ in range(8)])
    assert sorted(outcomes) == list(range(1, 9))
    assert database_cache.get("shared-counter") == 8


def test_the_cache_table_comes_with_the_migrations():
    assert "committee_site_cache" in connection.introspection.table_names()
