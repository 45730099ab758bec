from collections.abc import Iterator

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import translation

from committee_site.celery import app as celery_app
from tests import factories


@pytest.fixture(autouse=True)
def _celery_eager() -> Iterator[None]:
    """Tasks run in-process in unit tests; the broker tests start a real worker."""
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager = False


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Every test starts in the site's default language: a request served by
    an earlier test leaves its language active in the thread."""
    with translation.override(django_settings.LANGUAGE_CODE):
        yield


@pytest.fixture(autouse=True)
def _fast_passwords(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path) -> None:
    """Uploaded files of a test go to its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


# What the data migrations seed; a transactional test's flush removes it.
SEEDING_MIGRATIONS = [
    ("committee_site", "0002_seed_service_areas_and_time_limits"),
    ("complaints", "0002_seed_categories"),
    ("inspections", "0002_seed_default_template"),
]


@pytest.fixture
def reference_data(transactional_db):
    """Put back what the data migrations seeded, the way they seed it."""
    import importlib

    from django.apps import apps

    for app, name in SEEDING_MIGRATIONS:
        importlib.import_module(f"{app}.migrations.{name}").seed(apps, None)


@pytest.fixture
def compound(db):
    return factories.CompoundFactory()


@pytest.fixture
def committee_member(compound):
    return factories.member_of(compound.committee, role="committee_chair", username="chair")


@pytest.fixture
def property_staff(compound):
    return factories.member_of(compound.property_company, role="property_staff", username="staffer")


@pytest.fixture
def officer(compound):
    return factories.member_of(compound.community_office, role="community_officer", username="officer1")


@pytest.fixture
def owner(compound):
    return factories.owner_in(compound, username="owner1")


@pytest.fixture
def other_compound(db):
    return factories.CompoundFactory(name="绿洲家园", name_en="Oasis Home")


@pytest.fixture
def other_committee_member(other_compound):
    return factories.member_of(other_compound.committee, role="committee_member", username="otherchair")


def jpeg_bytes(*, size=(64, 48), color=(200, 30, 30), exif=None) -> bytes:
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", size, color).save(buffer, format="JPEG", **({"exif": exif} if exif is not None else {}))
    return buffer.getvalue()


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client
