"""Celery: tasks enqueued on commit reach a real worker (in CI) that writes to the test database."""

from __future__ import annotations

import os
import uuid

import pytest
from django.conf import settings
from django.db import transaction
from pytest_django import DjangoCaptureOnCommitCallbacks

from organisations.models import AuditEntry
from portal.tasks import PING_ACTION, ping
from portal.testing.celery_worker import CeleryWorker


def ping_entry(token: str) -> AuditEntry | None:
    return AuditEntry.objects.filter(action=PING_ACTION, target_id=token).first()


@pytest.mark.django_db(transaction=True)
def test_a_task_enqueued_on_commit_runs_after_the_commit_in_the_worker_process(celery_worker: CeleryWorker) -> None:
    token = uuid.uuid4().hex
    with transaction.atomic():
        ping.delay_on_commit(token)
        assert ping_entry(token) is None  # nothing is sent before the commit

    entry = celery_worker.wait_for(lambda: ping_entry(token))

    if celery_worker.eager:
        assert entry.changes["pid"] == os.getpid()
    else:
        assert entry.changes["pid"] == celery_worker.pid
        assert entry.changes["pid"] != os.getpid()


@pytest.mark.django_db(transaction=True)
def test_a_task_enqueued_in_a_rolled_back_transaction_never_runs(celery_worker: CeleryWorker) -> None:
    lost, kept = uuid.uuid4().hex, uuid.uuid4().hex
    with pytest.raises(RuntimeError), transaction.atomic():
        ping.delay_on_commit(lost)
        raise RuntimeError("roll back")
    ping.delay_on_commit(kept)

    # The solo worker runs tasks in order: once `kept` is done, `lost` would have been done too.
    celery_worker.wait_for(lambda: ping_entry(kept))
    assert ping_entry(lost) is None


@pytest.mark.django_db(transaction=True)
def test_the_worker_is_a_separate_process_exactly_when_a_broker_is_configured(celery_worker: CeleryWorker) -> None:
    assert celery_worker.eager == (not settings.CELERY_BROKER_URL)
    if os.environ.get("CI"):
        assert settings.CELERY_BROKER_URL, "CI must run the tests against a real broker (CELERY_BROKER_URL)"
        assert celery_worker.process is not None and celery_worker.process.poll() is None


@pytest.mark.django_db
def test_without_the_worker_fixture_tasks_run_in_the_test_process(
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    token = uuid.uuid4().hex
    with django_capture_on_commit_callbacks(execute=True):
        ping.delay_on_commit(token)

    entry = ping_entry(token)
    assert entry is not None
    assert entry.changes["pid"] == os.getpid()


@pytest.mark.django_db
def test_ping_is_idempotent_per_token() -> None:
    ping("same-token")
    ping("same-token")

    assert AuditEntry.objects.filter(action=PING_ACTION, target_id="same-token").count() == 1
