"""Attendance pages: the sessions to record, a cell's sheet and its printable sign-in sheet, QR check-in
(projector screen, live counts, the member's scan) and a connection point's meeting-list import.

Thin adapters over campaigns.attendance; who may do what is asked of organisations.access.
"""

from __future__ import annotations

import functools
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core import signing
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from organisations import access
from organisations.models import Organisation
from portal.lib import pdf, qr
from portal.lib.errors import DomainError
from portal.lib.text import fold

from . import attendance
from .attendance_forms import CellSearchForm, MeetingImportForm, SheetForm
from .models import Attendance, AttendanceSheet, Campaign, ConnectionPoint, StudySession

A = access.Action
Status = Attendance.Status
DIRECT_CELLS = 5  # a user with at most this many sheet organisations gets direct links (a secretary)
SESSIONS_PER_PAGE = 20
CELLS_PER_PAGE = 50
GRANT_KEY = "attendance_checkin_grants"
IMPORT_MAX_AGE = 3600


# --- The list of sessions and the cell chooser ------------------------------------------------------


@login_required
def attendance_index(request: HttpRequest) -> HttpResponse:
    """/campaigns/attendance/: sessions of open campaigns the user may record, newest first."""
    access.require(request.user, A.ATTEND)
    page = Paginator(attendance.attendance_session_list(user=request.user), SESSIONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    own = list(attendance.sheet_organisations(user=request.user)[: DIRECT_CELLS + 1])
    direct = len(own) <= DIRECT_CELLS
    items: list[tuple[StudySession, list[tuple[Organisation, Any]] | None]] = []
    if direct and page.object_list:
        sessions = list(page.object_list)
        audience: dict[int, list[str]] = {}
        for campaign_id, path in Campaign.audience.through.objects.filter(
            campaign_id__in={s.campaign_id for s in sessions}
        ).values_list("campaign_id", "organisation__path"):
            audience.setdefault(campaign_id, []).append(path)
        sheets = {
            (row["session_id"], row["cell_id"]): row
            for row in AttendanceSheet.objects.filter(session__in=sessions, cell__in=own).values(
                "session_id", "cell_id", "version", "submitted_at"
            )
        }
        for session in sessions:
            cells = [
                (cell, sheets.get((session.pk, cell.pk)))
                for cell in own
                if attendance.session_covers(session, audience.get(session.campaign_id, []), cell)
            ]
            items.append((session, cells))
    else:
        items = [(session, None) for session in page.object_list]
    return render(request, "campaigns/attendance_index.html", {"page": page, "items": items, "direct": direct})


@login_required
def attendance_session(request: HttpRequest, session_id: int) -> HttpResponse:
    """/campaigns/attendance/<session>/: the cells of the user's scope this session expects, to choose one."""
    access.require(request.user, A.ATTEND)
    session = attendance.session_get(session_id=session_id)
    if session is None:
        raise Http404
    paths = attendance.audience_paths(session)
    form = CellSearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    cells = attendance.attendance_cell_list(user=request.user, session=session, paths=paths, query=query)
    page = Paginator(cells.order_by("path"), CELLS_PER_PAGE).get_page(request.GET.get("page"))
    if not query and page.paginator.count == 0:
        raise Http404  # the session concerns nobody the user may record
    if not query and page.paginator.count == 1 and "page" not in request.GET:
        return redirect("campaigns:attendance_sheet", session_id=session.pk, cell_id=page.object_list[0].pk)
    points = access.visible(
        ConnectionPoint.objects.filter(session=session).select_related("host"), request.user, A.IMPORT
    ).order_by("host__path")
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "campaigns/attendance_cells.html",
        {
            "session": session,
            "page": page,
            "form": form,
            "query_string": params.urlencode(),
            "points": points,
            "can_screen": access.can_object(request.user, A.ATTEND, session),
            "open": session.campaign.status == Campaign.Status.OPEN,
        },
    )


# --- The sheet -------------------------------------------------------------------------------------


def _sheet_target(request: HttpRequest, session_id: int, cell_id: int) -> tuple[Organisation, StudySession | None]:
    """The cell whose sheet is asked for (404/403 unless the user may record it), and the session if it
    expects the cell's people (None: answer with _not_for_cell)."""
    cell = access.get_object_or_404(
        Organisation.objects.filter(kind__in=attendance.SHEET_KINDS).select_related("parent"),
        request.user,
        A.ATTEND,
        pk=cell_id,
    )
    return cell, attendance.sheet_session_get(session_id=session_id, cell=cell)


def _not_for_cell(request: HttpRequest, cell: Organisation) -> HttpResponse:
    return render(
        request,
        "campaigns/attendance_message.html",
        {
            "title": _("Session not found"),
            "message": _("This session does not exist or is not for the people of %(cell)s.") % {"cell": cell.name},
            "back": reverse("campaigns:attendance_index"),
        },
        status=404,
    )


def _describe(entry: dict[str, Any], points: dict[int, str]) -> str:
    status = entry.get("status") or ""
    if status == Status.ABSENT:
        reason = entry.get("reason") or ""
        label = str(Status.ABSENT.label)
        return f"{label} ({Attendance.Reason(reason).label})" if reason in Attendance.Reason.values else label
    if status == Status.ELSEWHERE:
        where = points.get(entry.get("point_id") or 0, "")
        return f"{Status.ELSEWHERE.label}: {where}" if where else str(Status.ELSEWHERE.label)
    return str(Status(status).label) if status in Status.values else ""


def _radios(person_id: int, checked: str, statuses: list[tuple[str, str, str]]) -> SafeString:
    """A row's three status buttons (Bootstrap btn-check radios with their labels).

    Built in Python, not in a template loop: on this page, per-row template work is most of the cost
    (see bench/bench_sheet.py). Everything interpolated is an int, a constant or an escaped label.
    """
    pid = int(person_id)
    return mark_safe(  # noqa: S308 - see the docstring
        "".join(
            f'<input type="radio" class="btn-check" name="status-{pid}" id="s{pid}-{value}" value="{value}"'
            f' autocomplete="off"{" checked" if value == checked else ""}>'
            f'<label class="btn btn-outline-{color}" for="s{pid}-{value}">{label}</label>'
            for value, label, color in statuses
        )
    )


def _options(choices: list[tuple[Any, Any]], selected: Any) -> SafeString:
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((value, mark_safe(" selected") if str(value) == str(selected) else "", label) for value, label in choices),
    )


def _render_sheet(
    request: HttpRequest,
    *,
    session: StudySession,
    cell: Organisation,
    points: list[ConnectionPoint],
    form: SheetForm | None = None,
    conflict: bool = False,
    row_errors: dict[int, str] | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    """The sheet with the stored values, or with what ``form`` posted (not after a ``conflict``).

    A save from the page is based on the version of what it shows: the posted values' version, or the
    stored sheet's.
    """
    rows = attendance.sheet_rows(session=session, cell=cell)
    stored_version = session.sheet_version or 0  # type: ignore[attr-defined]
    version = form.version if form is not None and not conflict else stored_version
    labels = {p.pk: str(p.host) for p in points}
    default = attendance.home_point(points, cell.path)
    counts = {s: 0 for s in Status.values}
    # The <option> lists are the same for every row but the selected one: built once per selected value,
    # in Python, which keeps a 60-person sheet cheap to render.
    reason_lists: dict[str, SafeString] = {}
    point_lists: dict[int | None, SafeString] = {}
    statuses = [
        (Status.PRESENT.value, escape(_("Present")), "success"),
        (Status.ABSENT.value, escape(_("Absent")), "danger"),
        (Status.ELSEWHERE.value, escape(_("Elsewhere")), "primary"),
    ]
    reason_choices = [("", _("— Reason for the absence —")), *Attendance.Reason.choices]
    card_label = _("card %(number)s")
    minutes_label = _("%(minutes)s min")
    point_choices = [("", _("— Connection point attended —"))] + [(p.pk, f"{p.host.name} – {p.venue}") for p in points]
    for row in rows:
        current = {"status": row.status, "reason": row.reason, "point_id": row.point_id}
        posted = form.posted(row.person_id) if form is not None else None
        if posted is not None and not conflict and posted["status"]:
            row.shown = posted
        else:
            row.shown = current
            if conflict and posted and posted["status"] and _describe(posted, labels) != _describe(current, labels):
                row.entered = _describe(posted, labels)
        row.error = (row_errors or {}).get(row.person_id, "")
        shown_status = str(row.shown["status"])
        counts[shown_status] = counts.get(shown_status, 0) + 1
        reason = row.shown.get("reason") or ""
        if reason not in reason_lists:
            reason_lists[reason] = _options(reason_choices, reason)
        row.reason_options = reason_lists[reason]  # type: ignore[attr-defined]
        if points:
            point_id = row.shown.get("point_id")
            if point_id not in point_lists:
                point_lists[point_id] = _options(point_choices, point_id or "")
            row.point_options = point_lists[point_id]  # type: ignore[attr-defined]
        row.radios = _radios(row.person_id, row.shown["status"], statuses)  # type: ignore[attr-defined]
        meta = [row.date_of_birth.strftime("%d/%m/%Y")] if row.date_of_birth else []
        if row.card_number:
            meta.append(card_label % {"number": row.card_number})
        row.meta = " · ".join(meta)  # type: ignore[attr-defined]
        if row.source == Attendance.Source.IMPORT:
            row.minutes_text = minutes_label % {"minutes": row.minutes or 0}  # type: ignore[attr-defined]
        row.labels = {  # type: ignore[attr-defined]
            "legend": _("Attendance of %(name)s") % {"name": row.full_name},
            "reason": _("Reason for the absence of %(name)s") % {"name": row.full_name},
            "point": _("Connection point where %(name)s attended") % {"name": row.full_name},
        }
    read_only = session.campaign.status != Campaign.Status.OPEN
    return render(
        request,
        "campaigns/attendance_sheet.html",
        {
            "session": session,
            "cell": cell,
            "rows": rows,
            "points": points,
            "version": version,
            "default_point": default,
            "counts": counts,
            "read_only": read_only,
            "conflict": conflict,
            "error": error,
            "closed_message": attendance.campaign_closed_message(session.campaign) if read_only else "",
            "qr_title": _("QR check-in"),
            "import_title": _("Imported list"),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def attendance_sheet(request: HttpRequest, session_id: int, cell_id: int) -> HttpResponse:
    """/campaigns/attendance/<session>/<cell>/: the cell's sheet; POST saves the whole sheet at once."""
    cell, session = _sheet_target(request, session_id, cell_id)
    if session is None:
        return _not_for_cell(request, cell)
    points = attendance.session_points(session) if session.has_points else []  # type: ignore[attr-defined]
    sheet = functools.partial(_render_sheet, request, cell=cell, points=points)
    if request.method != "POST":
        return sheet(session=session)

    form = SheetForm(request.POST, points=points)
    if not form.is_valid():
        return sheet(session=session, form=form, row_errors=form.row_errors, error=" ".join(form.errors), status=400)
    try:
        result = attendance.attendance_sheet_save(
            actor=request.user,
            session=session,
            cell=cell,
            version=form.version,
            entries=form.entries,
            points=points,
        )
    except attendance.SheetConflict as conflict:  # shown again with the values stored meanwhile
        fresh = attendance.sheet_session_get(session_id=session.pk, cell=cell) or session
        return sheet(session=fresh, form=form, conflict=True, error=conflict.message, status=409)
    except attendance.SheetRejected as rejected:
        return sheet(session=session, form=form, row_errors=rejected.row_errors, error=rejected.message, status=400)
    except DomainError as refused:  # the campaign is not open: the stored sheet, read-only
        return sheet(session=session, error=refused.message, status=409)
    if result.repeated:
        messages.info(request, _("This sheet was already saved with exactly these values; nothing changed."))
    else:
        messages.success(
            request,
            _("Attendance saved: %(present)s present, %(absent)s absent, %(elsewhere)s at another point.")
            % {
                "present": result.counts.get(Status.PRESENT, 0),
                "absent": result.counts.get(Status.ABSENT, 0),
                "elsewhere": result.counts.get(Status.ELSEWHERE, 0),
            },
        )
    return redirect("campaigns:attendance_sheet", session_id=session.pk, cell_id=cell.pk)


@login_required
@require_GET
def attendance_signin(request: HttpRequest, session_id: int, cell_id: int) -> HttpResponse:
    """/campaigns/attendance/<session>/<cell>/signin.pdf: the printable sign-in sheet (A4, Vietnamese)."""
    cell, session = _sheet_target(request, session_id, cell_id)
    if session is None:
        return _not_for_cell(request, cell)
    rows = attendance.sheet_rows(session=session, cell=cell)
    documents = list(session.campaign.documents.order_by("issued_on", "number_symbol"))
    with translation.override(translation.get_supported_language_variant("vi")):
        content = pdf.render_pdf(
            "campaigns/attendance_signin_pdf.html",
            {
                "session": session,
                "cell": cell,
                "rows": rows,
                "documents": documents,
                "starts_at": timezone.localtime(session.starts_at),
                "ends_at": timezone.localtime(session.ends_at),
                "printed_at": timezone.localtime(),
                "blank_rows": range(max(0, 3 - len(rows) % 3) if rows else 5),
                "page_label": pdf.css_string(_("Page") + " "),
            },
        )
    name = slugify(fold(cell.short_name or cell.name)) or "chi-bo"
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="ky-ten-{name}-{timezone.localtime(session.starts_at):%Y%m%d}.pdf"'
    )
    return response


# --- QR check-in -----------------------------------------------------------------------------------


def _screen(request: HttpRequest, session_id: int) -> tuple[StudySession, int, int]:
    """The session of a check-in screen (its check-in secret made on first use), the current code's window
    and the seconds that window has left."""
    session = access.get_object_or_404(
        StudySession.objects.select_related("campaign", "organisation"), request.user, A.ATTEND, pk=session_id
    )
    attendance.checkin_secret_ensure(session=session)
    now = timezone.now()
    return session, attendance.checkin_window(now), attendance.checkin_seconds_left(now)


def _checkin_url(request: HttpRequest, session: StudySession, window: int) -> str:
    code = attendance.checkin_code(session=session, window=window)
    return request.build_absolute_uri(reverse("campaigns:checkin", args=[session.pk, code]))


def _qr_payload(request: HttpRequest, session: StudySession, window: int) -> dict[str, str]:
    url = _checkin_url(request, session, window)
    return {"url": url, "svg": qr.qr_svg(url, border=2, title=_("Check-in code"), css_class="checkin-qr-svg")}


@login_required
@require_GET
def checkin_screen(request: HttpRequest, session_id: int) -> HttpResponse:
    """/campaigns/sessions/<id>/checkin/screen/: the projector page: a rotating QR code and live counts."""
    session, window, seconds_left = _screen(request, session_id)
    return render(
        request,
        "campaigns/attendance_checkin_screen.html",
        {
            "session": session,
            "window": window,
            "qr": _qr_payload(request, session, window),
            "seconds_left": seconds_left,
            "counts": attendance.checkin_counts(session=session),
            "window_seconds": attendance.checkin.WINDOW_SECONDS,
            "open": session.campaign.status == Campaign.Status.OPEN,
        },
    )


@never_cache
@login_required
@require_GET
def checkin_status(request: HttpRequest, session_id: int) -> JsonResponse:
    """The screen's polling endpoint: the counts, and the QR code when the window has changed."""
    session, window, seconds_left = _screen(request, session_id)
    data: dict[str, Any] = {
        "window": window,
        "seconds_left": seconds_left,
        **attendance.checkin_counts(session=session),
    }
    if request.GET.get("window") != str(window):
        data["qr"] = _qr_payload(request, session, window)
    return JsonResponse(data)


@never_cache
@require_GET
def checkin(request: HttpRequest, session_id: int, code: str) -> HttpResponse:
    """/campaigns/checkin/<session>/<code>/: a member's scan. Logs in first, then marks them present.

    A code valid when scanned stays usable for GRANT_SECONDS in this browser session, so the member may
    take time to log in; after that the code of the screen at that moment is needed again.
    """
    session = attendance.session_get(session_id=session_id)
    if session is None:
        raise Http404
    now = timezone.now()
    grants: dict[str, float] = request.session.get(GRANT_KEY, {})
    valid = attendance.checkin_code_valid(session=session, code=code, now=now)
    granted = grants.get(str(session.pk), 0) > now.timestamp()
    if valid and not granted:
        grants = {k: v for k, v in grants.items() if v > now.timestamp()}
        grants[str(session.pk)] = now.timestamp() + attendance.checkin.GRANT_SECONDS
        request.session[GRANT_KEY] = grants
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not (valid or granted):
        return render(
            request, "campaigns/attendance_checkin.html", {"session": session, "outcome": "expired"}, status=410
        )
    outcome = attendance.checkin_record(user=request.user, session=session, now=now)
    status = {
        attendance.CheckinOutcome.CHECKED_IN: 200,
        attendance.CheckinOutcome.ALREADY: 200,
        attendance.CheckinOutcome.NOT_OPEN: 409,
    }.get(outcome, 403)
    if status == 200 and str(session.pk) in grants:
        grants.pop(str(session.pk))
        request.session[GRANT_KEY] = grants
    return render(
        request,
        "campaigns/attendance_checkin.html",
        {
            "session": session,
            "outcome": outcome.value,
            "now": timezone.localtime(now),
        },
        status=status,
    )


# --- Importing a connection point's meeting list ----------------------------------------------------


def _import_point(request: HttpRequest, session_id: int, point_id: int) -> ConnectionPoint:
    return access.get_object_or_404(
        ConnectionPoint.objects.filter(session_id=session_id).select_related(
            "host", "session__campaign", "session__organisation"
        ),
        request.user,
        A.IMPORT,
        pk=point_id,
    )


def _import_salt(point: ConnectionPoint, user: Any) -> str:
    return f"campaigns.attendance.import:{point.pk}:{user.pk}"


@login_required
@require_http_methods(["GET", "POST"])
def point_import(request: HttpRequest, session_id: int, point_id: int) -> HttpResponse:
    """/campaigns/sessions/<id>/points/<point>/import/: upload a meeting list; POST shows the preview."""
    point = _import_point(request, session_id, point_id)
    session = point.session
    posted = request.method == "POST"
    form = MeetingImportForm(request.POST if posted else None, request.FILES if posted else None, session=session)
    preview = None
    token = ""
    status = 200
    is_open = session.campaign.status == Campaign.Status.OPEN
    if request.method == "POST":
        if not is_open:
            form.add_error(None, attendance.campaign_closed_message(session.campaign))
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                rows = attendance.meeting_rows_read(
                    data=upload.read(), day=timezone.localtime(session.starts_at).date()
                )
                preview = attendance.attendance_import_preview(
                    session=session, point=point, rows=rows, min_minutes=form.cleaned_data["min_minutes"]
                )
            except DomainError as error:
                form.add_error("file", error.message)
            else:
                token = signing.dumps(
                    {"plan": preview.plan, "min": preview.min_minutes, "file": upload.name[:100]},
                    salt=_import_salt(point, request.user),
                    compress=True,
                )
        if form.errors:
            status = 400
    return render(
        request,
        "campaigns/attendance_import.html",
        {
            "session": session,
            "point": point,
            "form": form,
            "preview": preview,
            "token": token,
            "open": is_open,
            "decisions": attendance.Decision,
            "summary": {
                "present": preview.count(attendance.Decision.PRESENT),
                "short": preview.count(attendance.Decision.SHORT),
                "kept": preview.count(
                    attendance.Decision.KEEP, attendance.Decision.KEEP_SHORT, attendance.Decision.UNCHANGED
                ),
            }
            if preview
            else {},
        },
        status=status,
    )


@login_required
@require_POST
def point_import_confirm(request: HttpRequest, session_id: int, point_id: int) -> HttpResponse:
    """Write the previewed import (a signed plan from the preview page) in one transaction."""
    point = _import_point(request, session_id, point_id)
    back = redirect("campaigns:point_import", session_id=point.session_id, point_id=point.pk)
    try:
        payload = signing.loads(
            request.POST.get("plan", ""), salt=_import_salt(point, request.user), max_age=IMPORT_MAX_AGE
        )
        plan, min_minutes = payload["plan"], int(payload["min"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        messages.error(request, _("The preview has expired or is damaged; upload the file again."))
        return back
    try:
        result = attendance.attendance_import_apply(
            actor=request.user, session=point.session, point=point, plan=plan, min_minutes=min_minutes
        )
    except DomainError as error:
        messages.error(request, error.message)
        return back
    messages.success(
        request,
        _(
            "Import saved: %(present)s present, %(short)s too short, %(kept)s kept as recorded before, "
            "%(unchanged)s unchanged."
        )
        % {"present": result.present, "short": result.short, "kept": result.kept, "unchanged": result.unchanged},
    )
    return back
