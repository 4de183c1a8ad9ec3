"""Asking for reports, retrying them, schedules, and what a finished report records."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns import participation
from campaigns.models import Campaign
from organisations import access, audit
from organisations.models import Organisation
from portal.lib.errors import DomainError

from .models import Report, ReportSchedule

A = access.Action
# A running report whose worker has not written a heartbeat for this long is shown as stuck; a queued one
# that no worker picked up for this long too. Both are well below the broker's visibility timeout.
STUCK_AFTER = dt.timedelta(minutes=10)


def report_key(campaign: Campaign, organisation: Organisation, as_of: dt.date, want_pdf: bool, want_xlsx: bool) -> str:
    return f"{campaign.pk}:{organisation.pk}:{as_of.isoformat()}:{int(want_pdf)}{int(want_xlsx)}"


def _check_request(
    actor: Any, campaign: Campaign, organisation: Organisation, as_of: dt.date, want_pdf: bool, want_xlsx: bool
) -> None:
    if actor is not None:  # None: the beat job, on behalf of a schedule whose author was checked
        access.require(actor, A.REPORT, organisation)
    if not (want_pdf or want_xlsx):
        raise DomainError(_("Choose at least one format: PDF or Excel."), field="want_pdf")
    if not participation.frame_of(campaign).covers(organisation):
        raise DomainError(_("This organisation is not in the campaign's audience."), field="organisation")
    if as_of > timezone.localdate():
        raise DomainError(_("The report date cannot be in the future."), field="as_of")


@dataclass(frozen=True)
class Requested:
    report: Report
    created: bool  # False: the same report was already being built, and that one is returned


def request_report(
    *,
    actor: Any,
    campaign: Campaign,
    organisation: Organisation,
    as_of: dt.date,
    want_pdf: bool = True,
    want_xlsx: bool = True,
    schedule: ReportSchedule | None = None,
) -> Requested:
    """Ask for a report: the row is created now, the worker builds it after the commit.

    Asking again while the same report (same campaign, organisation, date, formats) is waiting or being
    built returns that one: the partial unique constraint on ``key`` makes this hold under races too.
    """
    _check_request(actor, campaign, organisation, as_of, want_pdf, want_xlsx)
    key = report_key(campaign, organisation, as_of, want_pdf, want_xlsx)
    try:
        with transaction.atomic():
            report = Report.objects.create(
                campaign=campaign,
                organisation=organisation,
                as_of=as_of,
                want_pdf=want_pdf,
                want_xlsx=want_xlsx,
                key=key,
                schedule=schedule,
                requested_by=actor,
                verification_code=secrets.token_hex(10),
            )
            audit.record(actor=actor, action="report_requested", target=report, organisation=organisation)
    except IntegrityError:
        existing = Report.objects.filter(key=key, status__in=Report.ACTIVE).first()
        if existing is None:  # finished between our insert and this read: ask again
            return request_report(
                actor=actor,
                campaign=campaign,
                organisation=organisation,
                as_of=as_of,
                want_pdf=want_pdf,
                want_xlsx=want_xlsx,
                schedule=schedule,
            )
        return Requested(existing, created=False)
    _enqueue(report)
    return Requested(report, created=True)


def _enqueue(report: Report) -> None:
    from .tasks import build_report

    transaction.on_commit(lambda: build_report.delay(report.pk))


def retry(*, actor: Any, report: Report) -> Report:
    """Build a failed (or stuck) report again, in the same row."""
    if not access.can_object(actor, A.REPORT, report):
        raise DomainError(_("You may not rebuild this report."))
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report.pk)
        if report.status == Report.Status.DONE:
            return report
        if report.status in Report.ACTIVE and not is_stuck(report):
            return report
        try:
            with transaction.atomic():
                Report.objects.filter(pk=report.pk).update(
                    status=Report.Status.QUEUED,
                    progress=0,
                    stage="",
                    error="",
                    heartbeat_at=None,
                    requested_at=timezone.now(),
                )
        except IntegrityError:
            raise DomainError(_("The same report is already being built.")) from None
        audit.record(actor=actor, action="report_retried", target=report, organisation=report.organisation)
    report.refresh_from_db()
    _enqueue(report)
    return report


def is_stuck(report: Report, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    if report.status == Report.Status.RUNNING:
        return (report.heartbeat_at or report.started_at or report.requested_at) < now - STUCK_AFTER
    if report.status == Report.Status.QUEUED:
        return report.requested_at < now - STUCK_AFTER
    return False


def next_number(organisation: Organisation, year: int) -> str:
    """The report's number and symbol, e.g. "12-BC/BTGTU": a running number per organisation and year."""
    used = (
        Report.objects.filter(organisation=organisation, finished_at__year=year, status=Report.Status.DONE)
        .exclude(number="")
        .count()
    )
    symbol = organisation.symbol or (organisation.short_name or "").upper().replace(" ", "") or "TU"
    return f"{used + 1}-BC/{symbol}"


# --------------------------------------------------------------------------------------------
# Schedules
# --------------------------------------------------------------------------------------------


def _advance(day: dt.date, frequency: str) -> dt.date:
    months = 1 if frequency == ReportSchedule.Frequency.MONTHLY else 3
    month = day.month - 1 + months
    return dt.date(day.year + month // 12, month % 12 + 1, 1)


def schedule_create(
    *,
    actor: Any,
    campaign: Campaign,
    organisation: Organisation,
    frequency: str,
    want_pdf: bool = True,
    want_xlsx: bool = True,
    first_on: dt.date | None = None,
) -> ReportSchedule:
    _check_request(actor, campaign, organisation, timezone.localdate(), want_pdf, want_xlsx)
    first_on = first_on or _advance(timezone.localdate(), frequency)
    with transaction.atomic():
        schedule = ReportSchedule.objects.create(
            campaign=campaign,
            organisation=organisation,
            frequency=frequency,
            want_pdf=want_pdf,
            want_xlsx=want_xlsx,
            next_run_on=first_on,
            created_by=actor,
        )
        audit.record(actor=actor, action="report_schedule_created", target=schedule, organisation=organisation)
    return schedule


def schedule_stop(*, actor: Any, schedule: ReportSchedule) -> None:
    if not access.can_object(actor, A.REPORT, schedule):
        raise DomainError(_("You may not change this schedule."))
    with transaction.atomic():
        if not ReportSchedule.objects.filter(pk=schedule.pk, active=True).update(active=False):
            return  # already stopped: nothing to record
        audit.record(actor=actor, action="report_schedule_stopped", target=schedule, organisation=schedule.organisation)


def run_due_schedules(today: dt.date | None = None) -> list[Report]:
    """Ask for every report whose schedule is due (the beat job). Each schedule is claimed with a row lock and
    moved to its next date in the same transaction, so two beat runs never ask twice."""
    today = today or timezone.localdate()
    made: list[Report] = []
    due = list(ReportSchedule.objects.filter(active=True, next_run_on__lte=today).values_list("pk", flat=True))
    for pk in due:
        with transaction.atomic():
            schedule = (
                ReportSchedule.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("campaign", "organisation")
                .filter(pk=pk, active=True, next_run_on__lte=today)
                .first()
            )
            if schedule is None:
                continue
            as_of = schedule.next_run_on - dt.timedelta(days=1)
            requested = request_report(
                actor=None,
                campaign=schedule.campaign,
                organisation=schedule.organisation,
                as_of=as_of,
                want_pdf=schedule.want_pdf,
                want_xlsx=schedule.want_xlsx,
                schedule=schedule,
            )
            next_on = schedule.next_run_on
            while next_on <= today:
                next_on = _advance(next_on, schedule.frequency)
            ReportSchedule.objects.filter(pk=schedule.pk).update(next_run_on=next_on)
            made.append(requested.report)
    return made
