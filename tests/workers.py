"""Real Celery processes for the tests that prove what survives a crash:
workers and beats on a queue of their own (so a demo worker beside the tests
takes nothing), against the test database. PostgreSQL only: the processes
need the committed rows of a transactional test, and SQLite's test database
lives in this process's memory."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL: worker processes share the test database"
)


def database_url_for_tests() -> str:
    """The test database, as a URL the child processes' settings read."""
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


class Celery:
    """Start workers and beats; everything still running is stopped at the end."""

    def __init__(self, tmp_path: Path, **env: str) -> None:
        self.queue = f"test-{uuid.uuid4().hex}"
        self.tmp_path = tmp_path
        self.env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": database_url_for_tests(),
            # Everything the processes queue (e-mails too) stays on this queue.
            "CELERY_TASK_DEFAULT_QUEUE": self.queue,
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            **env,
        }
        self.processes: list[subprocess.Popen[bytes]] = []
        self.own_queues: dict[int, str] = {}

    def _start(self, *arguments: str) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "committee_site", *arguments, "--loglevel=WARNING"],
            cwd=ROOT,
            env=self.env,
        )
        self.processes.append(process)
        return process

    def worker(self) -> subprocess.Popen[bytes]:
        """A worker on the shared queue and one of its own, by which `ready` reaches it."""
        own = f"{self.queue}-{len(self.processes)}"
        process = self._start(
            "worker", "--queues", f"{self.queue},{own}", "--hostname", f"{own}@%h",
            "--pool=solo", "--without-gossip", "--without-mingle", "--without-heartbeat",
        )  # fmt: skip
        self.own_queues[process.pid] = own
        return process

    def workers(self, n: int) -> list[subprocess.Popen[bytes]]:
        started = [self.worker() for _ in range(n)]
        self.ready(*started)
        return started

    def ready(self, *workers: subprocess.Popen[bytes]) -> None:
        """Wait until each worker answers on its own queue: then tasks sent at once run at once."""
        from committee_site.celery import app
        from committee_site.tasks import ping

        app.conf.task_always_eager = False
        pending = [(ping.apply_async(args=(own,), queue=own), own) for own in (self.own_queues[w.pid] for w in workers)]
        for result, own in pending:
            assert result.get(timeout=120) == f"pong:{own}"

    def beat(self) -> subprocess.Popen[bytes]:
        # Each beat its own schedule file: two independent beats, as a mistaken deployment would run.
        schedule = self.tmp_path / f"beat-{len(self.processes)}"
        return self._start("beat", "--schedule", str(schedule), "--max-interval", "1")

    def send(self, task: object, *args: object) -> object:
        from committee_site.celery import app

        app.conf.task_always_eager = False
        return task.apply_async(args=args, queue=self.queue)  # type: ignore[attr-defined]

    @staticmethod
    def kill(process: subprocess.Popen[bytes]) -> None:
        """SIGKILL: no shutdown, no acknowledgement, the open transaction cut off."""
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill(process)


def wait_until(condition: Callable[[], bool], *, timeout: float = 120, every: float = 0.02) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached within {timeout} s")
        time.sleep(every)
