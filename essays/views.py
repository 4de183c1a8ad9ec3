"""The member's essay pages: "Bài thu hoạch của tôi", writing (with autosave), uploading, submitting, reading.

Thin adapters: find the campaign or essay through organisations.access (outside the scope -> 404), check
that the user is a participant the campaign concerns (else 403), call one service of essays.submission or
one read of essays.mine, respond. ``file`` streams an uploaded essay to its author and its graders only
(``access.can_read_private``); files are never under a public URL.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from campaigns.models import Campaign
from organisations import access
from organisations.models import Person
from portal.lib.errors import DomainError

from . import grading, mine, rules, submission, uploads
from .models import Essay
from .rules import State

A = access.Action


def _participant(request: HttpRequest) -> Person:
    """The Person of the logged-in user (403 for accounts that are not participants)."""
    person_id = access.scope_of(request.user).person_id
    person = (
        access.visible(Person.objects.select_related("organisation"), request.user, A.SELF).filter(pk=person_id).first()
        if person_id
        else None
    )
    if person is None:
        raise PermissionDenied
    return person


def _campaign(request: HttpRequest, campaign_id: int) -> Campaign:
    """The provincial campaign of the family of ``campaign_id`` (404 when the user cannot see it)."""
    campaign = access.get_object_or_404(Campaign.objects.select_related("parent"), request.user, A.VIEW, pk=campaign_id)
    return rules.root_of(campaign)


def _item(request: HttpRequest, campaign_id: int) -> tuple[Person, mine.MyCampaign]:
    campaign = _campaign(request, campaign_id)
    person = _participant(request)
    item = mine.my_campaign(user=request.user, person=person, campaign=campaign)
    if item is None:  # visible, but no essay is asked of this person
        raise PermissionDenied
    return person, item


def _int(value: Any, default: int | None = None) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _clock(value: Any) -> str:
    """ "14:03:22", with the date when it is not today."""
    if not value:
        return ""
    local = timezone.localtime(value)
    if local.date() == timezone.localdate():
        return formats.date_format(local, "H:i:s")
    return formats.date_format(local, "H:i:s d/m/Y")


# --------------------------------------------------------------------------------------------
# Bài thu hoạch của tôi
# --------------------------------------------------------------------------------------------


@login_required
def my_essays(request: HttpRequest) -> HttpResponse:
    """/essays/mine/: every campaign that asks an essay of the user, their state and every attempt."""
    person = _participant(request)
    items = mine.my_campaigns(user=request.user, person=person)
    # A grade changed after its release says so beside it (one query for every attempt on the page).
    changes = grading.changed_after_release(a.pk for item in items for a in item.attempts if a.released_at)
    for item in items:
        item.grade_change = changes.get(item.current.pk) if item.current else None
    return render(request, "essays/mine.html", {"items": items, "person": person, "State": State})


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def _write_context(request: HttpRequest, person: Person, item: mine.MyCampaign, **extra: Any) -> dict[str, Any]:
    draft = item.draft if not item.opens_attempt else None
    body = extra.pop("body", None)
    return {
        "item": item,
        "campaign": item.campaign,
        "person": person,
        "draft": draft,
        "body": body if body is not None else (draft.body if draft else ""),
        "version": draft.version if draft else 0,
        "saved_clock": _clock(draft.saved_at) if draft else "",
        "storage_key": f"essay:{person.pk}:{item.campaign.pk}:{item.attempt_number}",
        "max_mb": uploads.max_bytes() // (1024 * 1024),
        "State": State,
        **extra,
    }


def _render_write(
    request: HttpRequest, person: Person, item: mine.MyCampaign, status: int = 200, **extra: Any
) -> HttpResponse:
    return render(request, "essays/write.html", _write_context(request, person, item, **extra), status=status)


@login_required
@require_http_methods(["GET", "POST"])
def write(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """/essays/campaign/<id>/write/: the editor (or the read-only essay once submitted).

    POST (the page's buttons, also without JavaScript): save the text; ``action=review`` then goes on to
    the confirmation step.
    """
    person, item = _item(request, campaign_id)
    if request.method == "GET":
        return _render_write(request, person, item)
    body = request.POST.get("body", "")
    try:
        submission.essay_draft_save(
            actor=request.user,
            person=person,
            campaign=item.campaign,
            version=_int(request.POST.get("version"), -1),
            body=body,
        )
    except submission.Conflict as conflict:
        fresh = mine.my_campaign(user=request.user, person=person, campaign=item.campaign) or item
        return _render_write(request, person, fresh, status=409, error=conflict.message, conflict_body=body)
    except DomainError as refused:
        return _render_write(request, person, item, status=409, error=refused.message, body=body)
    if request.POST.get("action") == "review":
        return redirect("essays:submit", item.campaign.pk)
    messages.success(request, _("Your draft is saved."))
    return redirect("essays:write", item.campaign.pk)


def _draft_json(essay: Essay | None) -> dict[str, Any]:
    return {
        "essay": essay.pk if essay else None,
        "version": essay.version if essay else 0,
        "body": essay.body if essay else "",
        "words": essay.word_count if essay else 0,
        "saved_at": essay.saved_at.isoformat() if essay and essay.saved_at else None,
        "saved_at_display": _clock(essay.saved_at) if essay else "",
    }


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def autosave(request: HttpRequest, campaign_id: int) -> JsonResponse:
    """/essays/campaign/<id>/autosave/: POST body + version -> JSON {version, saved_at_display, ...}.

    409 with the stored draft when another tab or device saved a newer version (nothing written), or with
    a message when nothing is accepted any more. GET answers the stored draft (the page checks its own
    unanswered save after coming back).
    """
    person, item = _item(request, campaign_id)
    if request.method == "GET":
        return JsonResponse({"ok": True, **_draft_json(item.draft if not item.opens_attempt else None)})
    version = _int(request.POST.get("version"))
    if version is None:
        return JsonResponse({"ok": False, "error": "invalid", "message": _("The request is incomplete.")}, status=400)
    try:
        result = submission.essay_draft_save(
            actor=request.user,
            person=person,
            campaign=item.campaign,
            version=version,
            body=request.POST.get("body", ""),
        )
    except submission.Conflict as conflict:
        return JsonResponse(
            {"ok": False, "error": "conflict", "message": conflict.message, **_draft_json(conflict.essay)}, status=409
        )
    except (submission.Closed, submission.NotWritable) as refused:
        return JsonResponse({"ok": False, "error": "closed", "message": refused.message}, status=409)
    except DomainError as refused:
        return JsonResponse({"ok": False, "error": "invalid", "message": refused.message}, status=400)
    return JsonResponse({"ok": True, "changed": result.changed, **_draft_json(result.essay)})


@login_required
@require_POST
def upload(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """/essays/campaign/<id>/upload/: upload a PDF or DOCX as the draft (``action=remove``: drop the file)."""
    person, item = _item(request, campaign_id)
    try:
        if request.POST.get("action") == "remove":
            submission.essay_file_remove(actor=request.user, person=person, campaign=item.campaign)
            messages.success(request, _("The file is removed; your essay is the text written on this page."))
        else:
            checked = uploads.check_upload(request.FILES.get("file"))
            submission.essay_upload(actor=request.user, person=person, campaign=item.campaign, checked=checked)
            messages.success(
                request,
                _("%(name)s is uploaded. Its text is being read for the graders.") % {"name": checked.name},
            )
    except uploads.UploadRejected as rejected:
        return _render_write(request, person, item, status=400, upload_error=rejected.message)
    except DomainError as refused:
        return _render_write(request, person, item, status=409, error=refused.message)
    return redirect("essays:write", item.campaign.pk)


# --------------------------------------------------------------------------------------------
# Submitting
# --------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """/essays/campaign/<id>/submit/: the confirmation step (GET), then the submission (POST)."""
    person, item = _item(request, campaign_id)
    if request.method == "GET":
        if item.draft is None or item.opens_attempt:
            messages.info(request, _("There is no draft to submit."))
            return redirect("essays:write", item.campaign.pk)
        essay = item.draft
        minimum = item.campaign.essay_min_words
        short = not essay.file and essay.word_count < minimum
        error = (
            _("The essay has %(words)s words; this campaign asks for at least %(minimum)s.")
            % {
                "words": formats.number_format(essay.word_count, force_grouping=True),
                "minimum": formats.number_format(minimum, force_grouping=True),
            }
            if short
            else None
        )
        return render(
            request, "essays/write_confirm.html", {"item": item, "essay": essay, "error": error, "refused": short}
        )
    try:
        result = submission.essay_submit(
            actor=request.user,
            person=person,
            campaign=item.campaign,
            essay_id=_int(request.POST.get("essay"), 0) or 0,
            version=_int(request.POST.get("version"), -1) or 0,
        )
    except submission.Conflict as conflict:
        fresh = mine.my_campaign(user=request.user, person=person, campaign=item.campaign) or item
        return render(
            request,
            "essays/write_confirm.html",
            {"item": fresh, "essay": conflict.essay, "error": conflict.message},
            status=409,
        )
    except (submission.Closed, submission.NotWritable) as refused:
        return render(
            request,
            "essays/write_confirm.html",
            {"item": item, "essay": item.draft, "error": refused.message, "refused": True},
            status=409,
        )
    except DomainError as refused:
        return render(
            request,
            "essays/write_confirm.html",
            {"item": item, "essay": item.draft, "error": refused.message, "refused": True},
            status=400,
        )
    essay = result.essay
    when = formats.date_format(timezone.localtime(essay.submitted_at), "H:i d/m/Y")
    if result.repeated:
        messages.info(request, _("This essay was already submitted at %(time)s.") % {"time": when})
    elif essay.is_late:
        messages.warning(
            request, _("Your essay is submitted at %(time)s, after the deadline: it is marked late.") % {"time": when}
        )
    else:
        messages.success(request, _("Your essay is submitted at %(time)s.") % {"time": when})
    return redirect(f"{reverse('essays:mine')}#campaign-{item.campaign.pk}")


# --------------------------------------------------------------------------------------------
# Reading an attempt, and its file
# --------------------------------------------------------------------------------------------


def _readable(request: HttpRequest, essay_id: int) -> Essay:
    """The essay if the user may read its content: outside their VIEW scope 404, without the right 403."""
    essay = access.get_object_or_404(
        Essay.objects.select_related("campaign", "grade", "person__organisation"), request.user, A.VIEW, pk=essay_id
    )
    if not access.can_read_private(request.user, essay):
        raise PermissionDenied
    return essay


@login_required
def detail(request: HttpRequest, essay_id: int) -> HttpResponse:
    """/essays/<id>/: one attempt, read-only (its grade once released)."""
    essay = _readable(request, essay_id)
    is_author = essay.person_id == access.scope_of(request.user).person_id
    return render(request, "essays/write_detail.html", {"essay": essay, "is_author": is_author})


PDF_POLICY = (
    # Chromium refuses to run its PDF viewer in a CSP-sandboxed document, so no "sandbox" here: nothing but
    # the PDF itself may load, and no page may frame it except the portal's own.
    "default-src 'none'; script-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'self'"
)
ATTACHMENT_POLICY = "default-src 'none'; sandbox"


@never_cache
@login_required
def file(request: HttpRequest, essay_id: int) -> FileResponse:
    """/essays/<id>/file/: the uploaded file, inline for PDF and as a download for DOCX."""
    essay = _readable(request, essay_id)
    if not essay.file:
        raise Http404
    try:
        handle = essay.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    is_pdf = essay.file_type == Essay.FileType.PDF
    response = FileResponse(
        handle,
        as_attachment=not is_pdf,
        filename=essay.file_name or f"bai-thu-hoach.{essay.file_type}",
        content_type=uploads.MIME_TYPES.get(essay.file_type, "application/octet-stream"),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = PDF_POLICY if is_pdf else ATTACHMENT_POLICY
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-store"
    return response
