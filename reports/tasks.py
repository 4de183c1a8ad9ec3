"""Building reports in a Celery worker (or in-process without a broker).

Reliability: the task is idempotent. It claims the row (queued -> running) under a row lock, writes its
progress and a heartbeat as it goes, writes the files under names of its own, and finishes the row in one
transaction. A worker killed half way (acks_late + reject_on_worker_lost: the broker hands the task out again)
or a retry finds the row still running or queued and simply builds it again; a report already done is left
alone, so redelivery never makes a second finished report. Anything that fails is written on the row with
its reason, and the page offers to try again. A beat job marks reports whose worker went silent as failed.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
import traceback

from celery import shared_task
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from . import content as report_content
from . import rendering, services
from .models import Report

log = logging.getLogger(__name__)


def _progress(report_id: int, progress: int, stage: str) -> None:
    Report.objects.filter(pk=report_id, status=Report.Status.RUNNING).update(
        progress=progress, stage=stage, heartbeat_at=timezone.now()
    )


def _claim(report_id: int) -> Report | None:
    with transaction.atomic():
        report = (
            Report.objects.select_for_update(of=("self",))
            .select_related("campaign", "organisation", "organisation__parent", "requested_by")
            .filter(pk=report_id)
            .first()
        )
        if report is None or report.status in (Report.Status.DONE, Report.Status.FAILED):
            return None  # deleted, already built, or failed (a retry re-queues it first)
        now = timezone.now()
        Report.objects.filter(pk=report_id).update(
            status=Report.Status.RUNNING,
            attempts=report.attempts + 1,
            started_at=now,
            heartbeat_at=now,
            progress=5,
            stage=_("Starting"),
            error="",
        )
    report.refresh_from_db()
    return report


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=2, default_retry_delay=10)
def build_report(self, report_id: int) -> str:  # type: ignore[no-untyped-def]
    report = _claim(report_id)
    if report is None:
        return "skipped"
    # Fault injection for the reliability test (a worker killed half way): never set in production.
    pause = float(os.environ.get("PORTAL_FAULT_REPORT_PAUSE", "0") or 0)
    if pause and report.attempts == 1:
        time.sleep(pause)
    try:
        with override("vi"):
            _progress(report_id, 15, _("Counting participation"))
            data = report_content.build(report.campaign, report.organisation, report.as_of)
            number = services.next_number(report.organisation, timezone.localdate().year)
            files: dict[str, tuple[str, bytes]] = {}
            if report.want_pdf:
                _progress(report_id, 55, _("Writing the PDF"))
                files["pdf"] = (f"report-{report.pk}-{report.attempts}.pdf", rendering.pdf(data, report, number))
            if report.want_xlsx:
                _progress(report_id, 80, _("Writing the Excel file"))
                files["xlsx"] = (f"report-{report.pk}-{report.attempts}.xlsx", rendering.xlsx(data, report, number))
    except Exception as exc:  # noqa: BLE001 - every failure is recorded on the row, then re-raised for the log
        log.exception("report %s failed", report_id)
        _fail(report_id, exc)
        raise
    _finish(report, number, files)
    return "done"


def _fail(report_id: int, exc: BaseException) -> None:
    reason = f"{type(exc).__name__}: {exc}"[:500]
    Report.objects.filter(pk=report_id, status=Report.Status.RUNNING).update(
        status=Report.Status.FAILED,
        error=reason,
        finished_at=timezone.now(),
        stage="",
    )
    log.debug("report %s traceback: %s", report_id, traceback.format_exc())


def _finish(report: Report, number: str, files: dict[str, tuple[str, bytes]]) -> None:
    with transaction.atomic():
        current = Report.objects.select_for_update().get(pk=report.pk)
        if current.status != Report.Status.RUNNING:
            return  # another delivery finished it first: keep that one
        for field, (name, data) in files.items():
            getattr(current, field).save(name, ContentFile(data), save=False)
            setattr(current, f"{field}_sha256", hashlib.sha256(data).hexdigest())
        current.number = number
        current.status = Report.Status.DONE
        current.progress = 100
        current.stage = ""
        current.finished_at = timezone.now()
        current.save()


@shared_task
def run_schedules() -> int:
    """Beat: ask for every due scheduled report."""
    return len(services.run_due_schedules())


@shared_task
def mark_stuck() -> int:
    """Beat: a report whose worker went silent is marked failed with the reason, so the user can retry it."""
    now = timezone.now()
    stuck = [r.pk for r in Report.objects.filter(status__in=Report.ACTIVE) if services.is_stuck(r, now)]
    with override("vi"):
        reason = _("The worker building this report stopped answering. Try again.")
    return Report.objects.filter(pk__in=stuck, status__in=Report.ACTIVE).update(
        status=Report.Status.FAILED, error=reason, finished_at=now, stage=""
    )
