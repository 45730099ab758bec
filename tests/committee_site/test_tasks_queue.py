"""A broker that is down never turns a saved action into an error: the
outgoing e-mail row is the truth, and the sweep sends it, once, when the
broker is back. Real unreachable brokers, no mocks."""

import logging
import socket
import threading
import time
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from committee_site.celery import app as celery_app
from committee_site.models import OutgoingEmail
from committee_site.tasks import notification_emails_sweep, ping
from committee_site.tasks_queue import enqueue
from complaints.models import Category, Complaint
from tests import factories
from tests.conftest import client_for

# Nothing listens on port 1; kazoo (ZooKeeper) is not installed, as `packaging` was not for Redis.
CLOSED_PORT = "redis://127.0.0.1:1/0"
TRANSPORT_NOT_INSTALLED = "zookeeper://127.0.0.1:1/"


@pytest.fixture
def broker_at():
    """Point the Celery app at another broker, for real publishing (not eager)."""
    conf = celery_app.conf
    saved = conf.broker_url, conf.broker_transport_options

    def point(url: str | None, **transport_options: float) -> None:
        """None: back to the configured broker."""
        conf.broker_url = url or saved[0]
        # Celery prefers the CELERY_BROKER_URL environment variable (set in the
        # PostgreSQL and Redis run) to broker_url; publishing goes to the write URL.
        conf.broker_write_url = url
        conf.broker_transport_options = transport_options or saved[1]
        # The connection pools are built from broker_url on first use; Celery
        # resets them the same way after a fork.
        celery_app._pool = None  # type: ignore[attr-defined]
        celery_app.amqp._producer_pool = None  # type: ignore[attr-defined]
        conf.task_always_eager = url is None

    yield point
    point(None)


def _file_complaint(owner):
    unit = owner.owner_profile.units.get()
    return client_for(owner).post(
        reverse("complaints:new"),
        {
            "where": f"unit:{unit.pk}",
            "category": Category.objects.get(code="facility_repair").pk,
            "title": "楼道灯坏了",
            "description": "三楼楼道灯一直不亮",
        },
    )


@pytest.mark.parametrize("broker", [CLOSED_PORT, TRANSPORT_NOT_INSTALLED])
def test_complaint_filed_while_the_broker_is_down_is_saved_and_mailed_once_later(
    reference_data, broker, broker_at, mailoutbox, caplog
):
    # A transactional test: the view's transaction really commits, so the
    # e-mail is queued inside the request, as in production.
    compound = factories.CompoundFactory()
    owner = factories.owner_in(compound, username="owner1")
    chair = factories.member_of(compound.committee, role="committee_chair", username="chair")
    broker_at(broker)

    started = time.monotonic()
    with caplog.at_level(logging.ERROR, logger="committee_site.tasks_queue"):
        response = _file_complaint(owner)
    took = time.monotonic() - started

    complaint = Complaint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("complaints:detail", args=[complaint.pk])
    emails = list(OutgoingEmail.objects.order_by("pk"))
    assert sorted(email.to for email in emails) == sorted([owner.email, chair.email])
    assert {email.status for email in emails} == {OutgoingEmail.Status.PENDING}
    assert mailoutbox == []
    logged = [record for record in caplog.records if record.name == "committee_site.tasks_queue"]
    assert [record.getMessage() for record in logged] == [
        f"Could not queue committee_site.tasks.email_send_task[{email.pk}]; "
        "the work stays recorded for the sweep to pick up."
        for email in emails
    ]
    assert all(record.exc_info for record in logged)
    assert took < 5

    # The broker is back; the beat's sweep runs (eagerly here) once the task counts as lost.
    broker_at(None)
    with time_machine.travel(timezone.now() + timedelta(minutes=6), tick=False):
        assert notification_emails_sweep.delay().get() == 2
        assert notification_emails_sweep.delay().get() == 0
    assert sorted(message.to[0] for message in mailoutbox) == sorted([owner.email, chair.email])
    assert {email.status for email in OutgoingEmail.objects.all()} == {OutgoingEmail.Status.SENT}


@pytest.mark.django_db
def test_sweep_stops_at_the_first_refusal_and_leaves_the_rest_pending(broker_at, mailoutbox, caplog):
    for n in range(3):
        OutgoingEmail.objects.create(to=f"o{n}@example.org", subject="s", body="b")
    broker_at(CLOSED_PORT)
    with (
        caplog.at_level(logging.ERROR, logger="committee_site.tasks_queue"),
        time_machine.travel(timezone.now() + timedelta(minutes=6), tick=False),
    ):
        # The sweep runs in a worker; here in-process, publishing to the dead broker.
        assert notification_emails_sweep.apply().get() == 3
    assert len([r for r in caplog.records if r.name == "committee_site.tasks_queue"]) == 1
    assert set(OutgoingEmail.objects.values_list("status", flat=True)) == {OutgoingEmail.Status.PENDING}
    assert mailoutbox == []


@pytest.fixture
def silent_broker():
    """A server that accepts connections and never answers: a hung Redis, a black-holed proxy."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    stop.set()
    thread.join()
    for connection in accepted:
        connection.close()
    server.close()


def test_a_broker_that_never_answers_holds_the_caller_only_for_the_socket_timeout(broker_at, silent_broker, caplog):
    # The production values are 2 s to connect and 3 s per reply (settings.py); small here to keep the test fast.
    broker_at(silent_broker, socket_connect_timeout=0.5, socket_timeout=0.5)
    started = time.monotonic()
    with caplog.at_level(logging.ERROR, logger="committee_site.tasks_queue"):
        assert enqueue(ping, 7) is False
    assert time.monotonic() - started < 3
    assert "Could not queue committee_site.tasks.ping[7]" in caplog.text
