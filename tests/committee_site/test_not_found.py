"""A missing page shows the site's own 404 in the user's language, in the
demo's debug mode as in production."""

import pytest
from django.conf import settings as django_settings
from django.test import Client

from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SITE_404 = {
    "en": "This page does not exist, or it is not yours to see.",
    "zh-hans": "该页面不存在，或您无权查看。",
}
TECHNICAL_404 = "Using the URLconf defined in"


@pytest.fixture
def demo_mode(settings):
    """The demo's configuration: `make run` serves it with DEBUG=1."""
    settings.DEBUG = True
    settings.DEBUG_TECHNICAL_404 = False


def _anonymous(language: str) -> Client:
    client = Client()
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    return client


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_missing_url_in_the_demo_shows_the_site_404_in_the_visitors_language(demo_mode, language):
    response = _anonymous(language).get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert SITE_404[language] in page
    assert f'<html lang="{language}">' in page
    assert TECHNICAL_404 not in page


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_missing_url_in_the_demo_shows_the_site_404_in_the_signed_in_users_language(demo_mode, language, compound):
    user = UserFactory(language=language)
    # The browser asks for the other language; the account's choice wins.
    client = client_for(user)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en" if language == "zh-hans" else "zh-hans"
    response = client.get("/complaints/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert SITE_404[language] in page
    assert str(user) in page  # the site's own navigation, signed in
    assert TECHNICAL_404 not in page


def test_object_a_view_cannot_find_in_the_demo_shows_the_site_404(demo_mode, owner):
    response = client_for(owner).get("/compounds/999999/")
    assert response.status_code == 404
    assert SITE_404[owner.language] in response.content.decode()
    assert "Raised by:" not in response.content.decode()


def test_missing_url_without_a_slash_is_still_redirected_first(demo_mode):
    response = _anonymous("en").get("/accounts/login")
    assert response.status_code == 301
    assert response["Location"] == "/accounts/login/"


def test_missing_url_in_production_shows_the_site_404(settings):
    settings.DEBUG = False
    response = _anonymous("en").get("/no-such-page/")
    assert response.status_code == 404
    assert SITE_404["en"] in response.content.decode()


def test_developer_can_ask_for_djangos_technical_404(settings):
    settings.DEBUG = True
    settings.DEBUG_TECHNICAL_404 = True
    response = _anonymous("en").get("/no-such-page/")
    assert response.status_code == 404
    assert TECHNICAL_404 in response.content.decode()
