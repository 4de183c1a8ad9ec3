"""Report pages: ask for a report, watch it being built, download it, verify a printed one, schedules.

Thin adapters: access through organisations.access (outside the scope -> 404, inside without the
right -> 403), one service call, render.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from organisations import access
from portal.lib.errors import DomainError

from . import services
from .forms import ReportRequestForm, ScheduleForm
from .models import Report, ReportSchedule

A = access.Action
PAGE_SIZE = 30
FORMATS = {"pdf": "application/pdf", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _scoped_reports(user: Any) -> Any:
    return access.visible(Report.objects.select_related("campaign", "organisation", "requested_by"), user, A.REPORT)


def _get_report(request: HttpRequest, pk: int) -> Report:
    """Outside the user's scope -> 404; inside it without the right to report (a secretary) -> 403."""
    qs = Report.objects.select_related("campaign", "organisation", "requested_by")
    return access.get_object_or_404(qs, request.user, A.REPORT, pk=pk)


@login_required
def report_list(request: HttpRequest) -> HttpResponse:
    """/reports/: the reports of the user's scope, newest first, and the form to ask for one."""
    access.require(request.user, A.REPORT)
    form = ReportRequestForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = services.request_report(
                actor=request.user,
                campaign=data["campaign"],
                organisation=data["organisation"],
                as_of=data["as_of"],
                want_pdf=data["want_pdf"],
                want_xlsx=data["want_xlsx"],
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            if not result.created:
                messages.info(request, _("The same report is already being built: here it is."))
            return redirect("reports:detail", pk=result.report.pk)
    page = Paginator(_scoped_reports(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "reports/report_list.html", {"form": form, "page": page})


def _status(report: Report) -> dict[str, Any]:
    stuck = services.is_stuck(report)
    return {
        "status": report.status,
        "label": report.get_status_display(),
        "progress": report.progress,
        "stage": report.stage,
        "error": report.error,
        "stuck": stuck,
        "done": report.status == Report.Status.DONE,
    }


@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """/reports/<id>/: progress while the worker builds it, then the downloads and the verification code."""
    report = _get_report(request, pk)
    return render(request, "reports/report_detail.html", {"report": report, "state": _status(report)})


@login_required
def report_status(request: HttpRequest, pk: int) -> JsonResponse:
    """/reports/<id>/status.json: what the progress bar polls (same access check as the page)."""
    report = _get_report(request, pk)
    response = JsonResponse(_status(report))
    response["Cache-Control"] = "no-store"
    return response


@login_required
def report_download(request: HttpRequest, pk: int, fmt: str) -> FileResponse:
    """/reports/<id>/download/<pdf|xlsx>/: the file, streamed after the access check."""
    report = _get_report(request, pk)
    if fmt not in FORMATS or report.status != Report.Status.DONE:
        raise Http404
    file = getattr(report, fmt)
    if not file:
        raise Http404
    name = f"{report.number.replace('/', '-') or 'bao-cao'}-{report.as_of:%Y%m%d}.{fmt}"
    return FileResponse(file.open("rb"), as_attachment=fmt == "xlsx", filename=name, content_type=FORMATS[fmt])


@login_required
@require_POST
def report_retry(request: HttpRequest, pk: int) -> HttpResponse:
    report = _get_report(request, pk)
    try:
        services.retry(actor=request.user, report=report)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("reports:detail", pk=report.pk)


def report_verify(request: HttpRequest, code: str) -> HttpResponse:
    """/reports/verify/<code>/: public. Anyone holding a printed report checks that the portal issued it."""
    report = (
        Report.objects.select_related("organisation", "campaign")
        .filter(verification_code=code, status=Report.Status.DONE)
        .first()
    )
    return render(request, "reports/report_verify.html", {"report": report}, status=200 if report else 404)


@login_required
def schedule_list(request: HttpRequest) -> HttpResponse:
    """/reports/schedules/: monthly or quarterly reports produced by the beat job."""
    access.require(request.user, A.REPORT)
    form = ScheduleForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.schedule_create(
                actor=request.user,
                campaign=data["campaign"],
                organisation=data["organisation"],
                frequency=data["frequency"],
                want_pdf=data["want_pdf"],
                want_xlsx=data["want_xlsx"],
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("The schedule is saved."))
            return redirect("reports:schedules")
    schedules = access.visible(
        ReportSchedule.objects.filter(active=True).select_related("campaign", "organisation"), request.user, A.REPORT
    )
    return render(request, "reports/schedule_list.html", {"form": form, "schedules": schedules[:200]})


@login_required
@require_POST
def schedule_stop(request: HttpRequest, pk: int) -> HttpResponse:
    schedule = access.get_object_or_404(ReportSchedule.objects.all(), request.user, A.REPORT, pk=pk)
    services.schedule_stop(actor=request.user, schedule=schedule)
    messages.success(request, _("The schedule is stopped."))
    return redirect("reports:schedules")


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """/reports/dashboard/: participation and essay progress of one open campaign (tabs for the others), charts by
    organisation and over time; every bar links to the drill-down page of its organisation."""
    from campaigns import selectors as campaign_selectors

    from . import dashboard as board

    access.require(request.user, A.REPORT)
    open_campaigns = campaign_selectors.dashboard_campaigns(user=request.user)
    chosen = next(
        (c for c in open_campaigns if str(c.pk) == request.GET.get("campaign")),
        open_campaigns[0] if open_campaigns else None,
    )
    panels = board.panels(request.user, chosen) if chosen else []
    for panel in panels:
        panel.timeline_svg = board.timeline_svg(panel.timeline, panel.summary.breakdown.total.expected)
    return render(
        request, "reports/dashboard.html", {"open_campaigns": open_campaigns, "chosen": chosen, "panels": panels}
    )
