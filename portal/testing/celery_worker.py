"""A real Celery worker for tests: the ``celery_worker`` fixture (pytest plugin, listed in the root conftest.py).

How to use it::

    @pytest.mark.django_db(transaction=True)
    def test_the_report_is_built_by_the_worker(celery_worker, cast):
        report = reports.services.report_request(...)  # enqueues with delay_on_commit
        celery_worker.wait_for(lambda: Report.objects.get(pk=report.pk).status == Report.Status.DONE)

Two modes, chosen by the environment:

- ``CELERY_BROKER_URL`` set (CI sets it): the first test that asks for ``celery_worker`` starts ONE worker
  subprocess for the whole session (``celery -A portal worker --pool=solo``), with
  ``DJANGO_SETTINGS_MODULE=portal.settings.test`` and ``DATABASE_URL`` pointing at the test database that
  pytest-django created, so the worker reads and writes the rows the test committed. The fixture waits
  until the worker answers a control ping, and stops the worker at the end of the session, before
  pytest-django drops the test database. The solo pool runs tasks one at a time, in order, in the worker's
  main process: ``celery_worker.pid`` is the pid a task sees in ``os.getpid()``.
- No broker: nothing is started and tasks run in-process (eager), so the same tests pass with no Redis.

``celery_worker`` requests ``transactional_db``: the test runs outside a wrapping transaction, so
``transaction.on_commit`` / ``task.delay_on_commit`` fire on a real commit and the worker sees the rows.
Mark such tests ``@pytest.mark.django_db(transaction=True)`` anyway, for the reader.

Tests that do NOT ask for ``celery_worker`` run tasks in-process even when a broker is set, so a test
behaves the same on a laptop and in CI and leaves nothing in the queue.

A real worker needs a database both processes can open: PostgreSQL (or a file-based SQLite test
database). With a broker and SQLite's in-memory test database the fixture fails with that message.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import quote

import pytest

T = TypeVar("T")

READY_TIMEOUT = 60.0  # seconds for the worker to answer a ping
STOP_TIMEOUT = 15.0  # seconds for a warm shutdown before the worker is killed


@dataclass
class CeleryWorker:
    """What a test learns about the worker running its tasks."""

    eager: bool  # True: no broker, tasks run in the test's own process
    pid: int | None = None  # the worker's process id (None when eager)
    nodename: str = ""
    log_path: str = ""
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def wait_for(self, condition: Callable[[], T | None], timeout: float = 30.0, interval: float = 0.05) -> T:
        """Poll ``condition`` until it returns something truthy and return that; fail after ``timeout`` seconds.

        ``condition`` runs in the test process (usually a query); each poll sees newly committed rows
        because the test is transactional (autocommit).
        """
        deadline = time.monotonic() + timeout
        while True:
            result = condition()
            if result:
                return result
            if self.process is not None and self.process.poll() is not None:
                pytest.fail(f"The Celery worker died (exit {self.process.returncode}).\n{self.log()}")
            if time.monotonic() > deadline:
                pytest.fail(f"Condition still false after {timeout:.0f} s.\n{self.log()}")
            time.sleep(interval)

    def log(self) -> str:
        """The worker's output so far (empty when eager)."""
        if not self.log_path:
            return ""
        with open(self.log_path, encoding="utf-8", errors="replace") as handle:
            return "--- worker log ---\n" + handle.read()[-8000:]


def database_url(db: dict[str, Any]) -> str:
    """A DATABASE_URL (as dj-database-url reads it) for a Django DATABASES entry."""
    engine, name = db["ENGINE"], str(db["NAME"])
    if engine == "django.db.backends.postgresql":
        auth = ""
        if db.get("USER"):
            auth = quote(str(db["USER"]), safe="")
            if db.get("PASSWORD"):
                auth += ":" + quote(str(db["PASSWORD"]), safe="")
            auth += "@"
        host = quote(str(db.get("HOST") or ""), safe="")  # a socket directory is percent-encoded
        port = f":{db['PORT']}" if db.get("PORT") else ""
        return f"postgres://{auth}{host}{port}/{quote(name, safe='')}"
    if engine == "django.db.backends.sqlite3":
        if name == ":memory:" or "mode=memory" in name:
            pytest.fail(
                "A real Celery worker cannot share SQLite's in-memory test database: run the tests with "
                "DATABASE_URL=postgres://... (or unset CELERY_BROKER_URL to run tasks in-process)."
            )
        return f"sqlite:///{name}"
    pytest.fail(f"celery_worker does not know how to pass a {engine} database to the worker.")


def _die_with_parent() -> None:
    """In the worker process before exec: get SIGTERM if pytest dies without tearing down (Linux)."""
    try:
        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _start_worker(
    db: dict[str, Any],
    base_dir: str,
    *,
    queues: str = "",
    extra_env: dict[str, str] | None = None,
    purge: bool = True,
) -> CeleryWorker:
    """Start a worker subprocess on the test database. ``queues``: consume only these (comma-separated);
    ``extra_env``: more environment for the worker (e.g. fault injection in a reliability test)."""
    from portal.celery import app

    nodename = f"pytest-{os.getpid()}-{uuid.uuid4().hex[:6]}@localhost"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "DATABASE_URL": database_url(db),
        "DATABASE_CONN_MAX_AGE": "0",  # no connection outlives a task: the test database can be flushed and dropped
        "PYTHONUNBUFFERED": "1",
        **(extra_env or {}),
    }
    # Stale messages from an earlier, interrupted run would otherwise run against this session's database.
    if purge:
        app.control.purge()
    log = tempfile.NamedTemporaryFile(prefix="celery-worker-", suffix=".log", delete=False)  # noqa: SIM115
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "portal",
        "worker",
        "--pool=solo",
        "--loglevel=warning",
        f"--hostname={nodename}",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        *([f"--queues={queues}"] if queues else []),
    ]
    process = subprocess.Popen(
        command, cwd=base_dir, env=env, stdout=log, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent
    )
    worker = CeleryWorker(eager=False, pid=process.pid, nodename=nodename, log_path=log.name, process=process)
    deadline = time.monotonic() + READY_TIMEOUT
    while not app.control.ping(destination=[nodename], timeout=0.5):
        if process.poll() is not None:
            pytest.fail(f"The Celery worker exited at start (exit {process.returncode}).\n{worker.log()}")
        if time.monotonic() > deadline:
            _stop(process)
            pytest.fail(f"The Celery worker did not answer a ping within {READY_TIMEOUT:.0f} s.\n{worker.log()}")
    return worker


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()  # SIGTERM: warm shutdown, the running task finishes
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def _celery_worker_session(django_db_setup: None) -> Iterator[CeleryWorker]:
    """One worker for the session, started on first use; stopped before the test database is dropped."""
    from django.conf import settings
    from django.db import connections

    if not settings.CELERY_BROKER_URL:
        yield CeleryWorker(eager=True)
        return
    worker = _start_worker(connections["default"].settings_dict, str(settings.BASE_DIR))
    try:
        yield worker
    finally:
        assert worker.process is not None
        _stop(worker.process)
        os.unlink(worker.log_path)


@pytest.fixture
def celery_worker(_celery_worker_session: CeleryWorker, transactional_db: None) -> CeleryWorker:
    """The worker that runs this test's tasks: a real subprocess when CELERY_BROKER_URL is set, else in-process."""
    worker = _celery_worker_session
    if worker.process is not None and worker.process.poll() is not None:
        pytest.fail(f"The Celery worker is no longer running (exit {worker.process.returncode}).\n{worker.log()}")
    return worker


@pytest.fixture(autouse=True)
def _celery_eager_unless_worker(request: pytest.FixtureRequest) -> Iterator[None]:
    """Without ``celery_worker``, a test runs its tasks in-process even when a broker is configured."""
    if "celery_worker" in request.fixturenames:
        yield
        return
    from portal.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = previous
