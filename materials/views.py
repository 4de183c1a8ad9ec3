"""Portal pages of the materials app: members' "Tài liệu học tập", staff's management pages, a session's QR
sheet and its cells' link lists.

Thin adapters: parse, ask organisations.access (outside the scope -> 404, inside without the right -> 403),
call one service or selector, render. Reading a material's content asks ``access.can_read_material``: a
secret material is readable only by whoever manages its issuing unit; a participant gets a page saying it
is handed out on paper, without its title or content.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST, require_safe

from campaigns.models import StudySession
from organisations import access
from portal.lib import qr
from portal.lib.errors import DomainError

from . import codes, forms, public_views, selectors, services, serving, sheets, uploads
from .models import Access, Classification, Material, ShareLink

A = access.Action
PAGE_SIZE = 50
CELL_PAGE_SIZE = 30


def _query_string(request: HttpRequest, *drop: str) -> str:
    params = request.GET.copy()
    for key in drop:
        params.pop(key, None)
    return params.urlencode()


# --------------------------------------------------------------------------------------------
# Members: "Tài liệu học tập"
# --------------------------------------------------------------------------------------------


@login_required
def study(request: HttpRequest) -> HttpResponse:
    """/materials/: the materials of the user's campaigns, by campaign and in order, with what they opened."""
    page = Paginator(selectors.study_list(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "materials/study.html",
        {"page": page, "can_manage": access.can(request.user, A.MANAGE_CAMPAIGNS)},
    )


def _readable(request: HttpRequest, pk: int) -> Material | HttpResponse:
    """The material if the user may read it; the paper-only page (403) for a secret one they can see listed."""
    material = access.get_object_or_404(
        Material.objects.select_related("issuing_unit", "campaign", "document", "session"), request.user, A.VIEW, pk=pk
    )
    if access.can_read_material(request.user, material):
        return material
    if material.is_secret:
        return render(request, "materials/secret.html", {"material": material}, status=403)
    raise Http404  # a draft: not shown to participants


def _present(material: Material) -> public_views.Presentation:
    return public_views.present(
        material,
        file_url=reverse("materials:file", args=[material.pk]),
        download_url=reverse("materials:download", args=[material.pk]),
        thumb_url=reverse("materials:preview", args=[material.pk]),
    )


def _count(request: HttpRequest, material: Material, kind: str) -> None:
    scope = access.scope_of(request.user)
    services.access_record(
        material_id=material.pk,
        kind=kind,
        person_id=scope.person_id,
        cell_id=scope.person_org_id if scope.person_id else None,
    )


@never_cache
@login_required
def material_view(request: HttpRequest, pk: int) -> HttpResponse:
    """/materials/<id>/: a material inside the portal (preview, player, download)."""
    material = _readable(request, pk)
    if isinstance(material, HttpResponse):
        return material
    previous = selectors.last_opened(user=request.user, material=material)
    if material.published and not material.is_secret:
        _count(request, material, Access.Kind.VIEW)
    shown = _present(material)
    return render(
        request,
        "materials/material_detail.html",
        {
            "material": material,
            "shown": shown,
            "previous": previous,
            "can_manage": access.can_object(request.user, A.MANAGE_CAMPAIGNS, material),
        },
    )


@require_safe
@xframe_options_sameorigin
@login_required
def material_file(request: HttpRequest, pk: int) -> HttpResponse:
    """/materials/<id>/file: the file for the preview and the player (inline, byte ranges)."""
    material = _readable(request, pk)
    if isinstance(material, HttpResponse):
        return material
    if not material.file:
        raise Http404
    file_type = uploads.BY_CONTENT_TYPE.get(material.content_type)
    return serving.file_response(
        request,
        material.file,
        content_type=material.content_type or "application/octet-stream",
        filename=material.file_name or "tai-lieu",
        etag=material.sha256[:32],
        attachment=not (file_type and file_type.inline),
    )


@require_safe
@login_required
def material_download(request: HttpRequest, pk: int) -> HttpResponse:
    """/materials/<id>/download: the file as an attachment, counted."""
    material = _readable(request, pk)
    if isinstance(material, HttpResponse):
        return material
    if not material.file:
        raise Http404
    if request.method == "GET" and material.published and public_views._is_start(request):
        _count(request, material, Access.Kind.DOWNLOAD)
    return serving.file_response(
        request,
        material.file,
        content_type=material.content_type or "application/octet-stream",
        filename=material.file_name or "tai-lieu",
        etag=material.sha256[:32],
        attachment=True,
    )


@require_safe
@login_required
def material_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """/materials/<id>/preview.jpg: the material's preview image."""
    material = _readable(request, pk)
    if isinstance(material, HttpResponse):
        return material
    if not material.thumbnail:
        raise Http404
    return serving.file_response(
        request, material.thumbnail, content_type="image/jpeg", filename="preview.jpg", etag="", attachment=False
    )


# --------------------------------------------------------------------------------------------
# Managing materials
# --------------------------------------------------------------------------------------------


@login_required
def manage_list(request: HttpRequest) -> HttpResponse:
    """/materials/manage/: the materials the user manages, with their links and figures; sessions to print for."""
    access.require(request.user, A.MANAGE_CAMPAIGNS)
    campaigns = selectors.manage_campaigns(user=request.user)
    form = forms.ManageFilterForm(request.GET or None, campaigns=campaigns)
    filters: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    materials = selectors.manage_list(
        user=request.user,
        query=filters.get("q") or "",
        classification=filters.get("classification") or "",
        campaign=filters.get("campaign"),
    )
    page = Paginator(materials, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "materials/manage_list.html",
        {
            "form": form,
            "page": page,
            "filtered": any(filters.values()),
            "query_string": _query_string(request, "page"),
            "sessions": selectors.recent_sessions(user=request.user),
        },
    )


def _form_error(form: Any, exc: DomainError) -> None:
    field = exc.field if exc.field in form.fields else None
    if exc.field == "file":
        field = "upload"
    form.add_error(field, exc.message)


def _check_targets(request: HttpRequest, form: forms.MaterialForm) -> None:
    """The chosen issuing unit and campaign must be the user's to manage (the form offers only those)."""
    data = form.cleaned_data
    access.require(request.user, A.MANAGE_CAMPAIGNS, data["issuing_unit"])
    if data.get("campaign") is not None and not access.can_object(request.user, A.MANAGE_CAMPAIGNS, data["campaign"]):
        raise Http404


@login_required
@uploads.streamed_uploads
def material_create(request: HttpRequest) -> HttpResponse:
    """/materials/manage/new/: a new material (a draft); the file streams to disk and is checked by content."""
    access.require(request.user, A.MANAGE_CAMPAIGNS)
    initial: dict[str, Any] = {}
    session_id = request.GET.get("session", "")
    if session_id.isdigit():
        session = (
            access.visible(StudySession.objects.all(), request.user, A.MANAGE_CAMPAIGNS)
            .filter(pk=session_id)
            .select_related("campaign")
            .first()
        )
        if session is not None:
            initial = {"session": session.pk, "campaign": session.campaign_id}
    form = forms.MaterialForm(request.POST or None, request.FILES or None, user=request.user, initial=initial)
    if request.method == "POST":
        if uploads.refused_upload(request, "upload"):
            form.add_error("upload", uploads.too_large_message())
        elif form.is_valid():
            _check_targets(request, form)
            try:
                material = services.material_create(
                    actor=request.user, upload=form.cleaned_data.get("upload"), **form.service_fields()
                )
            except DomainError as exc:
                _form_error(form, exc)
            else:
                messages.success(request, _("The material was saved as a draft. Publish it to give it a link."))
                return redirect("materials:manage_detail", pk=material.pk)
    return render(
        request,
        "materials/material_form.html",
        {"form": form, "material": None, "max_mb": uploads.max_bytes() // uploads.MB},
    )


def _managed(request: HttpRequest, pk: int) -> Material:
    return access.get_object_or_404(
        Material.objects.select_related("issuing_unit", "campaign", "document", "session", "created_by"),
        request.user,
        A.MANAGE_CAMPAIGNS,
        pk=pk,
    )


@login_required
@uploads.streamed_uploads
def material_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """/materials/manage/<id>/edit/: a material's data, its file replaced or removed, its classification."""
    material = _managed(request, pk)
    form = forms.MaterialForm(request.POST or None, request.FILES or None, instance=material, user=request.user)
    if request.method == "POST":
        if uploads.refused_upload(request, "upload"):
            form.add_error("upload", uploads.too_large_message())
        elif form.is_valid():
            _check_targets(request, form)
            try:
                services.material_update(
                    actor=request.user,
                    material=material,
                    upload=form.cleaned_data.get("upload"),
                    remove_file=bool(form.cleaned_data.get("remove_file")),
                    **form.service_fields(),
                )
            except DomainError as exc:
                _form_error(form, exc)
            else:
                messages.success(request, _("The material was saved."))
                return redirect("materials:manage_detail", pk=material.pk)
    return render(
        request,
        "materials/material_form.html",
        {"form": form, "material": material, "max_mb": uploads.max_bytes() // uploads.MB},
    )


@never_cache
@login_required
def manage_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """/materials/manage/<id>/: a material, its links with their QR codes and counts, its cells and sessions."""
    material = _managed(request, pk)
    cell_page = Paginator(selectors.cell_rows(material=material), PAGE_SIZE).get_page(request.GET.get("page"))
    sessions = selectors.main_sessions(material=material)
    rows = selectors.with_sessions(list(cell_page.object_list), sessions)
    links = selectors.link_rows(material=material)
    for row in links:
        if row.live:  # built by portal.lib.qr from the module matrix: no user text goes into the markup
            row.svg = mark_safe(qr.qr_svg(row.url, title=_("QR code of %(url)s") % {"url": row.url}))  # noqa: S308
    return render(
        request,
        "materials/manage_detail.html",
        {
            "material": material,
            "links": links,
            "cell_links": selectors.cell_link_figures(material=material),
            "totals": selectors.totals(material=material),
            "cell_page": cell_page,
            "cell_rows": rows,
            "sessions": sessions,
            "link_form": forms.LinkForm(),
            "classify_form": forms.ClassifyForm(initial={"classification": material.classification}),
            "shown": _present(material),
            "classifications": Classification,
        },
    )


@login_required
@require_POST
def material_action(request: HttpRequest, pk: int) -> HttpResponse:
    """POST /materials/manage/<id>/action/: publish, unpublish, classify, delete."""
    material = _managed(request, pk)
    action = request.POST.get("action", "")
    try:
        if action == "publish":
            link = services.material_publish(actor=request.user, material=material)
            messages.success(
                request,
                _("The material is published and has a link and a QR code.")
                if link
                else _("The material is published."),
            )
        elif action == "unpublish":
            services.material_unpublish(actor=request.user, material=material)
            messages.success(request, _("The material is withdrawn: its links answer that it is no longer shared."))
        elif action == "classify":
            form = forms.ClassifyForm(request.POST)
            if not form.is_valid():
                raise DomainError(_("Unknown classification."))
            revoked = services.material_classify(
                actor=request.user, material=material, classification=form.cleaned_data["classification"]
            )
            if material.is_secret:
                messages.warning(
                    request,
                    _("The material is now secret: it was unpublished and its %(count)s live links were revoked.")
                    % {"count": revoked},
                )
            else:
                messages.success(request, _("The classification was changed."))
        elif action == "delete":
            services.material_delete(actor=request.user, material=material)
            messages.success(
                request, _("The material was deleted; its printed codes now answer that it does not exist.")
            )
            return redirect("materials:manage")
        else:
            raise DomainError(_("Unknown action."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("materials:manage_detail", pk=material.pk)


@login_required
@require_POST
def link_create(request: HttpRequest, pk: int) -> HttpResponse:
    """POST /materials/manage/<id>/links/: a new link (and QR code), optionally with a validity window."""
    material = _managed(request, pk)
    form = forms.LinkForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The link was not made: check the dates."))
    else:
        try:
            services.link_create(actor=request.user, material=material, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("A new link and QR code were made."))
    return redirect("materials:manage_detail", pk=material.pk)


def _managed_link(request: HttpRequest, pk: int) -> ShareLink:
    return access.get_object_or_404(
        ShareLink.objects.select_related("material__issuing_unit"), request.user, A.MANAGE_CAMPAIGNS, pk=pk
    )


@login_required
@require_POST
def link_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """POST /materials/links/<id>/revoke/: the link stops working at once (its QR code too)."""
    link = _managed_link(request, pk)
    if services.link_revoke(actor=request.user, link=link):
        messages.success(request, _("The link was revoked: its QR code now answers that it was withdrawn."))
    return redirect("materials:manage_detail", pk=link.material_id)


def _qr_data(request: HttpRequest, pk: int) -> tuple[ShareLink, str]:
    """A live link's URL for its QR code. Revoked links and secret materials have none (404)."""
    link = _managed_link(request, pk)
    code = codes.code_of(link)
    if link.revoked_at is not None or link.material.is_secret or code is None:
        raise Http404
    return link, codes.link_url(code)


def _qr_name(link: ShareLink, suffix: str) -> str:
    return f"ma-qr-{slugify(link.material.title)[:50] or 'tai-lieu'}-{link.pk}.{suffix}"


@require_safe
@login_required
def link_qr_png(request: HttpRequest, pk: int) -> HttpResponse:
    """/materials/links/<id>/qr.png: the QR code as a print-quality PNG (24 px per module)."""
    link, url = _qr_data(request, pk)
    response = HttpResponse(qr.qr_png(url, box_size=24, error_correction="Q"), content_type="image/png")
    response["Content-Disposition"] = serving.content_disposition(_qr_name(link, "png"), attachment=True)
    return response


@require_safe
@login_required
def link_qr_svg(request: HttpRequest, pk: int) -> HttpResponse:
    """/materials/links/<id>/qr.svg: the QR code as SVG, sharp at any print size."""
    link, url = _qr_data(request, pk)
    svg = '<?xml version="1.0" encoding="UTF-8"?>\n' + qr.qr_svg(url, size="60mm", error_correction="Q")
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response["Content-Disposition"] = serving.content_disposition(_qr_name(link, "svg"), attachment=True)
    return response


# --------------------------------------------------------------------------------------------
# A session: its materials, its QR sheet, its cells
# --------------------------------------------------------------------------------------------


def _session(request: HttpRequest, pk: int) -> StudySession:
    return access.get_object_or_404(
        StudySession.objects.select_related("campaign", "organisation"), request.user, A.MANAGE_CAMPAIGNS, pk=pk
    )


@login_required
def session_page(request: HttpRequest, pk: int) -> HttpResponse:
    """/materials/sessions/<id>/: the session's materials, its QR sheet, which cells opened them before it."""
    session = _session(request, pk)
    sheet = sheets.sheet_for(session=session)
    materials = [item.material for item in sheet.items]
    form = forms.CellFilterForm(request.GET or None)
    state = form.cleaned_data.get("state", "") if form.is_valid() else ""
    base = selectors.session_cell_queryset(session=session)
    cells = selectors.session_cells(session=session, materials=materials, state=state, cells=base)
    page = Paginator(cells, PAGE_SIZE).get_page(request.GET.get("page"))
    # A session further down hands out materials issued above it: link those to their reading page, not to a
    # management page this user may not open.
    managed_ids = {
        m.pk for m in [*materials, *sheet.without_link] if access.can_object(request.user, A.MANAGE_CAMPAIGNS, m)
    }
    return render(
        request,
        "materials/session.html",
        {
            "session": session,
            "sheet": sheet,
            "managed_ids": managed_ids,
            "counts": selectors.session_cell_counts(session=session, materials=materials, cells=base),
            "form": form,
            "page": page,
            "state": state,
            "query_string": _query_string(request, "page"),
            "now": timezone.now(),
        },
    )


@require_safe
@login_required
def session_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """/materials/sessions/<id>/qr-sheet.pdf: the A4 sheet of QR codes to put on tables or the projector."""
    session = _session(request, pk)
    data = sheets.sheet_pdf(session=session, actor=request.user)
    response = HttpResponse(data, content_type="application/pdf")
    name = f"ma-qr-tai-lieu-{slugify(session.title)[:60] or session.pk}.pdf"
    response["Content-Disposition"] = serving.content_disposition(name, attachment=False)
    return response


@login_required
def session_cells(request: HttpRequest, pk: int) -> HttpResponse:
    """/materials/sessions/<id>/cells/: each cell's own links, as a message to paste into its chat group.
    POST makes the missing links (one per cell and material); ?format=txt gives every cell's message."""
    session = _session(request, pk)
    sheet = sheets.sheet_for(session=session)
    materials = [item.material for item in sheet.items]
    cells = selectors.session_cell_queryset(session=session).order_by("path")
    if request.method == "POST":
        made = services.links_for_cells(actor=request.user, materials=materials, cells=list(cells), about=session)
        messages.success(request, _("%(count)s links were made for the cells.") % {"count": made})
        return redirect("materials:session_cells", pk=session.pk)
    if request.GET.get("format") == "txt":
        everyone = list(cells)
        links = selectors.cell_links(cells=everyone, materials=materials)
        text = "\n\n".join(
            sheets.cell_message(cell=cell, session=session, items=links[cell.pk], secret_count=sheet.secret_count)
            for cell in everyone
            if links[cell.pk]
        )
        response = HttpResponse(text + "\n", content_type="text/plain; charset=utf-8")
        response["Content-Disposition"] = serving.content_disposition(
            f"link-chi-bo-{slugify(session.title)[:60] or session.pk}.txt", attachment=True
        )
        return response
    page = Paginator(cells, CELL_PAGE_SIZE).get_page(request.GET.get("page"))
    links = selectors.cell_links(cells=list(page.object_list), materials=materials)
    rows = [
        {
            "cell": cell,
            "items": links[cell.pk],
            "message": sheets.cell_message(
                cell=cell, session=session, items=links[cell.pk], secret_count=sheet.secret_count
            )
            if links[cell.pk]
            else "",
        }
        for cell in page.object_list
    ]
    return render(
        request,
        "materials/session_cells.html",
        {
            "session": session,
            "sheet": sheet,
            "page": page,
            "rows": rows,
            "materials": materials,
            "missing": selectors.cells_missing_links(cells=cells, materials=materials),
        },
    )
