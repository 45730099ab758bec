"""What a real worker does with what the site queues: a task asked for in a
transaction that rolls back never runs; a refusing mail server is tried again
with growing waits, kept in the row, until the site admin sees the e-mail
failed; a broker that loses its messages loses no e-mail. PostgreSQL and the
configured broker (Redis in CI), a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import socket
import uuid
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from committee_site import services
from committee_site.celery import app
from committee_site.models import OutgoingEmail
from committee_site.tasks import email_send_task, notification_emails_sweep, ping
from committee_site.tasks_queue import enqueue_on_commit
from tests import factories
from tests.conftest import client_for
from tests.workers import Celery, postgresql_only, wait_until


class MailServer:
    """Accepts (250) or refuses (451) every message, and remembers each attempt."""

    def __init__(self, answer: str) -> None:
        self.answer = answer
        self.delivered: list[str] = []
        self.attempts = 0

    async def handle_DATA(self, server, session, envelope):
        self.attempts += 1
        if self.answer.startswith("250"):
            self.delivered.extend(envelope.rcpt_tos)
        return self.answer


@pytest.fixture
def mail_server():
    started: list[Controller] = []

    def start(answer: str) -> tuple[MailServer, int]:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        handler = MailServer(answer)
        controller = Controller(handler, hostname="127.0.0.1", port=port)
        controller.start()
        started.append(controller)
        return handler, port

    yield start
    for controller in started:
        controller.stop()


@pytest.fixture
def default_queue():
    """Tasks this process queues go to the given queue, published for real."""
    before = app.conf.task_default_queue

    def use(queue: str) -> None:
        app.conf.task_always_eager = False
        app.conf.task_default_queue = queue

    yield use
    app.conf.task_default_queue = before


@pytest.fixture
def celery_processes(tmp_path, default_queue):
    processes = Celery(tmp_path)
    default_queue(processes.queue)
    yield processes
    processes.stop()


def _smtp(port: int) -> dict[str, str]:
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(port),
    }


def _drained(processes: Celery) -> None:
    """A ping queued behind everything else: the one solo worker runs messages
    in order, so when it answers, all before it have run."""
    token = uuid.uuid4().hex
    assert processes.send(ping, token).get(timeout=60) == f"pong:{token}"  # type: ignore[attr-defined]


@pytest.mark.broker
@postgresql_only
def test_task_queued_in_a_rolled_back_transaction_never_runs(transactional_db, celery_processes, mail_server):
    server, port = mail_server("250 OK")
    celery_processes.env.update(_smtp(port))
    celery_processes.workers(1)
    # Committed rows: a task that ran would send them, which is how we would see it.
    rolled_back = OutgoingEmail.objects.create(to="rolled-back@example.org", subject="s", body="b")
    committed = OutgoingEmail.objects.create(to="committed@example.org", subject="s", body="b")

    def action_that_fails() -> None:
        with transaction.atomic():
            enqueue_on_commit(email_send_task, rolled_back.pk)
            raise RuntimeError("the action failed after asking for the e-mail")

    with pytest.raises(RuntimeError):
        action_that_fails()
    with transaction.atomic():
        enqueue_on_commit(email_send_task, committed.pk)
    _drained(celery_processes)

    assert server.delivered == ["committed@example.org"]
    assert OutgoingEmail.objects.get(pk=rolled_back.pk).status == OutgoingEmail.Status.PENDING
    assert OutgoingEmail.objects.get(pk=committed.pk).status == OutgoingEmail.Status.SENT


@pytest.mark.broker
@postgresql_only
def test_worker_tries_a_refusing_mail_server_five_times_then_the_admin_sees_it_failed(
    transactional_db, celery_processes, mail_server
):
    server, port = mail_server("451 4.3.0 Mailbox busy, try again later")
    celery_processes.env.update(_smtp(port))
    celery_processes.workers(1)
    with transaction.atomic():
        email = services.email_queue(to="owner@example.org", subject="s", body="b")

    waits = []
    for attempt in range(1, 6):
        wait_until(lambda attempt=attempt: OutgoingEmail.objects.get(pk=email.pk).attempts == attempt, timeout=60)
        email.refresh_from_db()
        if attempt < 5:
            assert email.status == OutgoingEmail.Status.PENDING
            waits.append(round((email.next_attempt_at - timezone.now()).total_seconds() / 60))
            # The wait lives in the row, not in the broker: let it pass, and the beat's sweep queues it.
            OutgoingEmail.objects.filter(pk=email.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
            celery_processes.send(notification_emails_sweep)
    _drained(celery_processes)

    email.refresh_from_db()
    assert waits == [5, 10, 20, 40]
    assert (email.status, email.attempts, server.attempts) == (OutgoingEmail.Status.FAILED, 5, 5)
    assert email.last_error == "SMTPDataError(451, b'4.3.0 Mailbox busy, try again later')"
    # The sweep leaves a failed e-mail alone: only the site admin sends it again.
    celery_processes.send(notification_emails_sweep)
    _drained(celery_processes)
    assert server.attempts == 5

    site_admin = factories.UserFactory(username="siteadmin", is_staff=True, is_superuser=True, language="en")
    changelist = reverse("admin:committee_site_outgoingemail_changelist")
    page = client_for(site_admin).get(changelist, {"status__exact": "failed"}).content.decode()
    assert "owner@example.org" in page
    assert "Mailbox busy" in page


def _messages_waiting(queue: str) -> int:
    with app.connection_for_write() as conn:
        channel: Any = conn.default_channel
        return int(channel.queue_declare(queue, passive=False).message_count)


def _flush_broker() -> None:
    """Lose what the broker holds, as a Redis restarted without persistence does."""
    url = app.conf.broker_url
    if not url.startswith("redis"):
        pytest.skip("flushes a Redis broker")
    import redis

    redis.Redis.from_url(url).flushdb()


@pytest.mark.broker
@pytest.mark.django_db
def test_broker_that_lost_its_messages_loses_no_email(default_queue, mailoutbox, django_capture_on_commit_callbacks):
    # Published for real, to a queue nobody reads: the message waits in the broker.
    queue = f"test-{uuid.uuid4().hex}"
    default_queue(queue)
    with django_capture_on_commit_callbacks(execute=True):
        email = services.email_queue(to="owner@example.org", subject="s", body="b")
    assert _messages_waiting(queue) == 1

    _flush_broker()
    assert _messages_waiting(queue) == 0

    # The beat's sweep (in this process) finds the row once its task counts as lost, and sends it once.
    app.conf.task_always_eager = True
    with time_machine.travel(timezone.now() + timedelta(minutes=6), tick=False):
        assert notification_emails_sweep.apply().get() == 1
        assert notification_emails_sweep.apply().get() == 0
    assert [m.to for m in mailoutbox] == [["owner@example.org"]]
    assert OutgoingEmail.objects.get(pk=email.pk).status == OutgoingEmail.Status.SENT
