"""Both languages complete, compiled, and chosen the way users expect."""

import gettext

import pytest
from django.test import Client
from django.urls import reverse

from committee_site import i18n_catalog
from committee_site.models import User
from tests.conftest import client_for


def _untranslated(message) -> bool:
    strings = message.string if isinstance(message.string, (tuple, list)) else [message.string]
    return not all(strings)


@pytest.mark.parametrize("locale", i18n_catalog.LOCALES)
def test_catalog_has_every_message_translated_and_none_fuzzy(locale):
    wanted = {(m.id if isinstance(m.id, str) else m.id[0], m.context) for m in i18n_catalog.extract() if m.id}
    catalog = i18n_catalog.read_catalog(locale)
    have = {(m.id if isinstance(m.id, str) else m.id[0], m.context): m for m in catalog if m.id}
    missing = sorted(str(key[0]) for key in wanted - have.keys())
    assert missing == [], f"{locale}: not in the catalog (run `make messages`): {missing[:10]}"
    fuzzy = sorted(str(key[0]) for key, m in have.items() if m.fuzzy)
    assert fuzzy == [], f"{locale}: fuzzy: {fuzzy[:10]}"
    empty = sorted(str(key[0]) for key, m in have.items() if _untranslated(m))
    assert empty == [], f"{locale}: untranslated: {empty[:10]}"
    problems = [(m.id, [str(e) for e in errors]) for m, errors in catalog.check()]
    assert problems == [], f"{locale}: placeholders differ: {problems[:5]}"


@pytest.mark.parametrize("locale", i18n_catalog.LOCALES)
def test_compiled_catalog_matches_the_po_file(locale):
    catalog = i18n_catalog.read_catalog(locale)
    mo_path = i18n_catalog.po_path(locale).with_suffix(".mo")
    with mo_path.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for message in catalog:
        if not message.id or message.pluralizable or message.context:
            continue
        assert compiled.gettext(message.id) == message.string, (
            f"{locale}: django.mo is out of date for {message.id!r}: run `manage.py compiletranslations`"
        )


def test_anonymous_visitor_gets_the_browsers_language(db):
    assert "Sign in" in Client(HTTP_ACCEPT_LANGUAGE="en").get(reverse("login")).content.decode()
    assert "登录" in Client(HTTP_ACCEPT_LANGUAGE="zh-CN").get(reverse("login")).content.decode()


def test_default_language_is_simplified_chinese(db):
    response = Client().get(reverse("login"))
    assert response["Content-Language"] == "zh-hans"
    assert '<html lang="zh-hans">' in response.content.decode()


def test_language_switch_is_remembered_for_the_user_on_every_device(owner):
    client = client_for(owner)
    response = client.post(reverse("set_language"), {"language": "en", "next": "/accounts/"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/"
    assert User.objects.get(pk=owner.pk).language == "en"
    other_device = Client(HTTP_ACCEPT_LANGUAGE="zh-CN")
    other_device.force_login(owner)
    page = other_device.get(reverse("account"))
    assert page["Content-Language"] == "en"
    assert "My account" in page.content.decode()


def test_language_switch_for_an_anonymous_visitor_sets_a_cookie(db):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-CN")
    response = client.post(reverse("set_language"), {"language": "en", "next": "/accounts/login/"})
    assert response.cookies["language"].value == "en"
    assert "Sign in" in client.get(reverse("login")).content.decode()


def test_language_switch_refuses_unknown_languages_and_outside_redirects(owner):
    client = client_for(owner)
    response = client.post(reverse("set_language"), {"language": "fr"})
    assert response.status_code == 302
    assert User.objects.get(pk=owner.pk).language == "zh-hans"
    response = client.post(reverse("set_language"), {"language": "en", "next": "https://evil.example.com/"})
    assert response["Location"] == reverse("home")


def test_times_are_shown_in_shanghai_time(owner):
    from datetime import UTC, datetime

    from committee_site.models import Notification

    Notification.objects.create(
        recipient=owner, kind="k", title="t", body="b", created_at=datetime(2026, 3, 1, 16, 30, tzinfo=UTC)
    )
    owner.language = "en"
    owner.save()
    page = client_for(owner).get(reverse("notification_list")).content.decode()
    # 16:30 UTC is half past midnight on 2 March in Shanghai.
    assert "2026-03-02 00:30" in page
