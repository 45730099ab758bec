"""Sign-in lock-outs that a stranger cannot turn against an owner: counted
per (account, address), growing with each failure after a wait, lifted by a
password reset, and capped per address across accounts."""

import re
from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.db import connection
from django.test import Client
from django.urls import reverse

from committee_site import clock, services
from committee_site.models import AuditEvent, User
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

OWNER_HOME = "10.1.1.1"
STRANGER = "10.6.6.6"
LOCKED_EN = "Too many failed sign-ins to this account from your network"
LOCKED_ZH = "此账号在您所在网络的登录失败次数过多"


def _sign_in(username, password, *, address=OWNER_HOME, language="en", path="login"):
    client = Client(REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE=language)
    url = reverse(path) if path == "login" else path
    response = client.post(url, {"username": username, "password": password})
    response.signed_in = "_auth_user_id" in client.session
    return response


def _fail(times, *, username="owner1", address=STRANGER):
    return [_sign_in(username, "guess", address=address).status_code for _ in range(times)]


def test_five_failures_lock_the_pair_with_a_message_in_the_users_language(owner):
    assert _fail(4) == [200] * 4
    fifth = _sign_in("owner1", "guess", address=STRANGER)
    assert fifth.status_code == 429
    assert f"{LOCKED_EN}. Try again in 1 minute, or reset your password" in fifth.content.decode()
    right = _sign_in("owner1", PASSWORD, address=STRANGER, language="zh-hans")
    assert right.status_code == 429
    assert not right.signed_in
    assert LOCKED_ZH in right.content.decode()
    assert right["Retry-After"] == "60"


def test_the_right_password_from_another_address_signs_in_while_a_stranger_is_locked_out(owner):
    _fail(8)
    assert _sign_in("owner1", "guess", address=STRANGER).status_code == 429
    response = _sign_in("owner1", PASSWORD, address=OWNER_HOME)
    assert response.status_code == 302
    assert response.signed_in
    # The stranger stays locked out.
    assert _sign_in("owner1", PASSWORD, address=STRANGER).status_code == 429


def test_each_failure_after_a_wait_doubles_the_next_wait(owner):
    with time_machine.travel("2026-11-30 08:00 +0000", tick=False) as traveller:
        _fail(5)
        traveller.shift(timedelta(seconds=59))
        assert _sign_in("owner1", PASSWORD, address=STRANGER).status_code == 429
        traveller.shift(timedelta(seconds=2))
        # One try after the wait; wrong again, and the wait is two minutes.
        again = _sign_in("owner1", "guess", address=STRANGER)
        assert again.status_code == 429
        assert "Try again in 2 minutes" in again.content.decode()
        traveller.shift(timedelta(seconds=119))
        assert _sign_in("owner1", PASSWORD, address=STRANGER).status_code == 429
        traveller.shift(timedelta(seconds=2))
        _sign_in("owner1", "guess", address=STRANGER)
        assert "Try again in 4 minutes" in _sign_in("owner1", PASSWORD, address=STRANGER).content.decode()
        traveller.shift(timedelta(minutes=4, seconds=1))
        assert _sign_in("owner1", PASSWORD, address=STRANGER).status_code == 302


def test_the_wait_stops_growing_at_the_longest_lock_out(owner, settings):
    settings.LOGIN_LOCKOUT_MAX_HOURS = 1
    waits = []
    with time_machine.travel("2026-11-30 08:00 +0000", tick=False) as traveller:
        locked = _fail(5) and _sign_in("owner1", "guess", address=STRANGER)
        for _ in range(8):
            waits.append(int(locked["Retry-After"]))
            traveller.shift(timedelta(seconds=waits[-1] + 1))
            locked = _sign_in("owner1", "guess", address=STRANGER)
    assert waits == [60, 120, 240, 480, 960, 1920, 3600, 3600]
    assert "Try again in 60 minutes" in locked.content.decode()


def test_tries_during_a_lock_check_no_password_and_do_not_lengthen_it(owner):
    with time_machine.travel("2026-11-30 08:00 +0000", tick=False) as traveller:
        _fail(5)
        for _ in range(20):
            traveller.shift(timedelta(seconds=2))
            assert _sign_in("owner1", "guess", address=STRANGER).status_code == 429
        assert AccessAttempt.objects.get().failures_since_start == 5
        traveller.shift(timedelta(seconds=21))
        assert _sign_in("owner1", PASSWORD, address=STRANGER).status_code == 302


def test_a_pair_is_forgotten_two_days_after_its_last_failure(owner):
    with time_machine.travel("2026-11-30 08:00 +0000", tick=False) as traveller:
        _fail(5)
        traveller.shift(timedelta(hours=47))
        assert _sign_in("owner1", "guess", address=STRANGER).status_code == 429
        traveller.shift(timedelta(hours=48, seconds=1))
        # Fresh: four more failures lock nothing.
        assert _fail(4) == [200] * 4
        assert AccessAttempt.objects.get().failures_since_start == 4


def test_signing_in_forgets_the_failures_of_that_address(owner):
    _fail(4, address=OWNER_HOME)
    assert _sign_in("owner1", PASSWORD, address=OWNER_HOME).status_code == 302
    assert _fail(4, address=OWNER_HOME) == [200] * 4


def test_a_password_reset_lifts_the_lock_of_every_address(owner, mailoutbox, django_capture_on_commit_callbacks):
    _fail(5, address=STRANGER)
    _fail(5, address=OWNER_HOME)
    assert _sign_in("owner1", PASSWORD, address=OWNER_HOME).status_code == 429
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(reverse("password_reset"), {"email": owner.email})
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", mailoutbox[-1].body).group(1)
    client = Client(REMOTE_ADDR=OWNER_HOME)
    form_page = client.get(link, follow=True)
    response = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": "reset-to-this-99", "new_password2": "reset-to-this-99"}
    )
    assert response.status_code == 302
    assert AccessAttempt.objects.count() == 0
    assert _sign_in("owner1", "reset-to-this-99", address=OWNER_HOME).status_code == 302
    audit = AuditEvent.objects.get(action="user.password_reset")
    assert (audit.actor, audit.data) == (owner, {"sign_in_failures_cleared": 2})


def test_one_network_guessing_many_accounts_is_capped(owner, settings):
    """Credential stuffing from one IPv6 subscriber, stepping through the
    addresses of its /64: its network is refused for every account."""
    settings.LOGIN_FAILURES_PER_ADDRESS = 3
    for i, name in enumerate(("anna", "bert", "chen")):
        assert _sign_in(name, "guess", address=f"2001:db8:1:2::{i + 1:x}").status_code == (429 if i == 2 else 200)
    capped = _sign_in("owner1", PASSWORD, address="2001:db8:1:2::ffff", language="zh-hans")
    assert capped.status_code == 429
    assert not capped.signed_in
    assert "您所在网络的登录失败次数过多" in capped.content.decode()
    english = _sign_in("owner1", PASSWORD, address="2001:db8:1:2::9")
    assert "Too many failed sign-ins from your network. Try again in" in english.content.decode()
    assert _sign_in("owner1", PASSWORD, address="2001:db8:9::1").status_code == 302


def test_an_unknown_username_locks_the_same_way_and_tells_nothing(owner):
    unknown = [_sign_in("nobody", "guess").status_code for _ in range(5)]
    known = [_sign_in("owner1", "guess").status_code for _ in range(5)]
    assert unknown == known == [200, 200, 200, 200, 429]


def test_the_admin_sign_in_is_locked_out_too(db):
    User.objects.create_superuser("root", "root@example.org", PASSWORD)
    admin_login = reverse("admin:login")
    statuses = [_sign_in("root", "guess", path=admin_login, address=STRANGER).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    assert _sign_in("root", PASSWORD, path=admin_login, address=STRANGER).status_code == 429
    assert _sign_in("root", PASSWORD, path=admin_login, address=OWNER_HOME).status_code == 302


@pytest.mark.django_db(transaction=True)
def test_the_password_is_hashed_before_the_transaction_opens(compound, monkeypatch):
    from tests import factories

    unit = factories.UnitFactory(building=factories.BuildingFactory(compound=compound))
    real = services.make_password
    inside = []

    def spy(password):
        inside.append(connection.in_atomic_block)
        return real(password)

    monkeypatch.setattr(services, "make_password", spy)
    services.owner_application_submit(
        full_name="王芳",
        email="wang@example.org",
        phone="13800138000",
        unit=unit,
        username="wangfang",
        password="sunny-garden-2026",
        language="zh-hans",
    )
    assert inside == [False]


def test_the_lock_out_page_names_the_time_left(owner):
    with time_machine.travel(clock.now(), tick=False) as traveller:
        _fail(5)
        traveller.shift(timedelta(seconds=15))
        response = _sign_in("owner1", PASSWORD, address=STRANGER)
        assert response["Retry-After"] == "45"
