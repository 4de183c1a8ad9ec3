"""Reports built by real Celery workers through Redis (CI), including a worker killed half way."""

from __future__ import annotations

import os
import signal

import pytest
from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

from campaigns.tests.factories import attend, make_campaign, make_session
from portal.testing.celery_worker import _start_worker, _stop
from reports import services
from reports.models import Report
from reports.tasks import build_report

QUEUE = "reports-reliability-test"


@pytest.mark.django_db(transaction=True)
def test_a_report_is_built_by_the_worker(celery_worker, cast):
    campaign = make_campaign(cast.province)
    attend(make_session(campaign, cast.committee_a), [cast.person_a])
    report = services.request_report(
        actor=cast.staff, campaign=campaign, organisation=cast.province, as_of=timezone.localdate()
    ).report
    done = celery_worker.wait_for(
        lambda: Report.objects.filter(pk=report.pk, status__in=["done", "failed"]).first(), timeout=60
    )
    assert done.status == Report.Status.DONE, done.error
    assert done.pdf and done.xlsx


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_half_way_ends_with_exactly_one_finished_report(celery_worker, cast, monkeypatch):
    if celery_worker.eager:
        pytest.skip("needs CELERY_BROKER_URL: there is no worker process to kill when tasks run in-process")
    # This test's reports go to a queue of their own, served by workers this test starts and kills.
    monkeypatch.setattr(
        services,
        "_enqueue",
        lambda report: transaction.on_commit(lambda: build_report.apply_async(args=[report.pk], queue=QUEUE)),
    )
    campaign = make_campaign(cast.province)
    attend(make_session(campaign, cast.committee_a), [cast.person_a])
    db = connections["default"].settings_dict
    first = _start_worker(
        db, str(settings.BASE_DIR), queues=QUEUE, purge=False, extra_env={"PORTAL_FAULT_REPORT_PAUSE": "60"}
    )
    second = None
    try:
        report = services.request_report(
            actor=cast.staff, campaign=campaign, organisation=cast.province, as_of=timezone.localdate()
        ).report
        first.wait_for(lambda: Report.objects.filter(pk=report.pk, status="running").exists(), timeout=60)
        os.kill(first.pid, signal.SIGKILL)  # the worker dies with the task taken and not acknowledged
        first.process.wait(10)
        assert Report.objects.get(pk=report.pk).status == Report.Status.RUNNING

        # Another worker: the broker hands the unacknowledged task out again once its visibility timeout passed.
        second = _start_worker(
            db, str(settings.BASE_DIR), queues=QUEUE, purge=False, extra_env={"CELERY_VISIBILITY_TIMEOUT": "3"}
        )
        finished = second.wait_for(
            lambda: Report.objects.filter(pk=report.pk, status__in=["done", "failed"]).first(), timeout=90
        )
        assert finished.status == Report.Status.DONE, finished.error
        assert finished.attempts == 2
        assert Report.objects.filter(key=report.key, status=Report.Status.DONE).count() == 1
        assert Report.objects.filter(key=report.key).count() == 1
        assert finished.pdf.read(5) == b"%PDF-"
    finally:
        for worker in (first, second):
            if worker is not None and worker.process is not None:
                _stop(worker.process)
