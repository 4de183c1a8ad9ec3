"""The public share links (/q/<code>): the landing page, the file (with Range), the download, the preview image.

Anyone holding a live link to a PUBLIC material may open it, logged in or not; an INTERNAL material asks
for a login and audience membership (organisations.access.can_open_material_link); a SECRET material is
refused before anything else, whatever the link (the database revokes its links anyway). Revoked, expired
and withdrawn links get a clear page with 410, unknown codes and deleted materials 404: never the file.

Counting: the landing page appends one Access row per opening (not for link-preview bots); the download
route one per download. Range requests of the player and viewer are not counted: they are one opening.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_safe

from organisations import access

from . import codes, selectors, services, serving, uploads
from .models import Access, Classification, Material, ShareLink

# Link previewers of chat apps and search engines: they fetch the page for its Open Graph tags, not to read it.
BOTS = re.compile(
    r"bot\b|bot/|crawl|spider|slurp|facebookexternalhit|facebookcatalog|preview|embedly|whatsapp|telegram|"
    r"skypeuripreview|discord|vkshare|w3c_validator|headlesschrome/.*lighthouse",
    re.IGNORECASE,
)


def is_bot(request: HttpRequest) -> bool:
    return bool(BOTS.search(request.headers.get("User-Agent", "")))


def base_url() -> str:
    return settings.PORTAL_BASE_URL.rstrip("/")


def size_label(size: int | None) -> str:
    from portal.templatetags.portal_format import number

    if not size:
        return ""
    if size < 1024 * 1024:
        return f"{number(max(1, round(size / 1024)))} KB"
    return f"{number(size / (1024 * 1024), 1)} MB"


@dataclass
class Presentation:
    """How a material is shown: what preview, which URLs, what the download button says."""

    material: Material
    preview: str  # pdf, image, audio, video, office, external, none
    file_url: str
    download_url: str
    thumb_url: str
    file_label: str

    @property
    def host(self) -> str:
        return self.material.external_url.split("://", 1)[-1].split("/", 1)[0] if self.material.external_url else ""


def present(material: Material, *, file_url: str, download_url: str, thumb_url: str) -> Presentation:
    file_type = uploads.BY_CONTENT_TYPE.get(material.content_type) if material.file else None
    if file_type is not None:
        preview = file_type.family
    elif material.external_url:
        preview = "external"
    else:
        preview = "none"
    label = " · ".join(x for x in ((file_type.label if file_type else ""), size_label(material.file_size)) if x)
    return Presentation(
        material=material,
        preview=preview,
        file_url=file_url if material.file else "",
        download_url=download_url if material.file else "",
        thumb_url=thumb_url if material.thumbnail else "",
        file_label=label,
    )


GONE = {
    # state: (status, title, message)
    "not_found": (
        404,
        gettext_lazy("Material not found"),
        gettext_lazy(
            "This link is wrong, or the material was removed from the portal. Check the QR code or the "
            "link, or ask your cell secretary."
        ),
    ),
    "revoked": (
        410,
        gettext_lazy("This link was revoked"),
        gettext_lazy(
            "The issuing unit has withdrawn this link: the material is no longer shared through it. Ask "
            "your cell secretary for the current link."
        ),
    ),
    "expired": (410, gettext_lazy("This link has expired"), gettext_lazy("This link was valid until %(date)s.")),
    "pending": (404, gettext_lazy("This link is not valid yet"), gettext_lazy("This link becomes valid on %(date)s.")),
    "withdrawn": (
        410,
        gettext_lazy("This material is no longer shared"),
        gettext_lazy("The issuing unit has stopped sharing this material for now. Ask your cell secretary."),
    ),
    "not_audience": (
        403,
        gettext_lazy("Internal material"),
        gettext_lazy(
            "This material is only for the cadres and Party members of its study campaign; your "
            "account is not among them."
        ),
    ),
}


def gone(request: HttpRequest, state: str, *, date: Any = None) -> HttpResponse:
    """The clear page for a link that does not lead to a material (never the file)."""
    status, title, message = GONE[state]
    text = str(message)
    if date is not None:
        text = text % {"date": timezone.localtime(date).strftime("%H:%M %d/%m/%Y")}
    response = render(
        request, "materials/link_gone.html", {"title": title, "message": text, "state": state}, status=status
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _refusal(
    request: HttpRequest, *, secret: bool, revoked_at: Any, valid_from: Any, valid_until: Any, published: bool
) -> HttpResponse | None:
    """The page refusing a link that does not lead to its material now, or None when it does."""
    # The secret gate first: whatever the link's dates, nothing of a secret material goes out.
    if secret or revoked_at is not None:
        return gone(request, "revoked")
    now = timezone.now()
    if valid_until is not None and valid_until <= now:
        return gone(request, "expired", date=valid_until)
    if valid_from is not None and valid_from > now:
        return gone(request, "pending", date=valid_from)
    if not published:
        return gone(request, "withdrawn")
    return None


def _not_for(request: HttpRequest, material: Material) -> HttpResponse | None:
    """Internal material: the login page for anonymous users, the "internal material" page outside the audience."""
    if access.can_open_material_link(request.user, material):
        return None
    if not request.user.is_authenticated:
        messages.info(request, _("This material is internal to its study campaign: log in to open it."))
        return redirect_to_login(request.get_full_path())
    return gone(request, "not_audience")


def resolve(request: HttpRequest, code: str) -> tuple[ShareLink | None, HttpResponse | None]:
    """The live link of ``code`` (with its material) that this user may open, or the response that refuses it.
    Checked on every request from the database, never from a cache: a revoked link stops at once."""
    link = selectors.link_get(code)
    if link is None:
        return None, gone(request, "not_found")
    material = link.material
    refusal = _refusal(
        request,
        secret=material.is_secret or link.material_classification == Classification.SECRET,
        revoked_at=link.revoked_at,
        valid_from=link.valid_from,
        valid_until=link.valid_until,
        published=material.published,
    ) or _not_for(request, material)
    return (None, refusal) if refusal is not None else (link, None)


def who(request: HttpRequest, link: Any) -> tuple[int | None, int | None]:
    """(person, cell) to count an access for: a logged-in person's own cell, else the cell the link was made for."""
    scope = access.scope_of(request.user)
    if scope.person_id is not None:
        return scope.person_id, scope.person_org_id
    return None, link.cell_id if link is not None else None


def link_urls(code: str) -> dict[str, str]:
    return {
        "file_url": reverse("material_link_file", args=[code]),
        "download_url": reverse("material_link_download", args=[code]),
        "thumb_url": reverse("material_link_thumb", args=[code]),
    }


LANDING_CACHE_SECONDS = 600


@never_cache
@require_safe
def material_link(request: HttpRequest, code: str) -> HttpResponse:
    """/q/<code>: the material's page, as a phone shows it after scanning the QR code.

    Hundreds scan the same code within minutes of a conference: per request, one narrow query decides about
    the link (revoked, expired, withdrawn, secret, who may open it) and one row is appended for the count;
    the page itself is the same for every scanner, so its HTML is cached, keyed by the material's last
    change (a rename, a new file or preview image, a classification change all make a new key).
    """
    state = selectors.link_state(code)
    if state is None:
        return gone(request, "not_found")
    refusal = _refusal(
        request,
        secret=state.is_secret,
        revoked_at=state.revoked_at,
        valid_from=state.valid_from,
        valid_until=state.valid_until,
        published=state.published,
    )
    if refusal is None and state.classification != Classification.PUBLIC:
        refusal = _not_for(request, Material.objects.select_related("issuing_unit").get(pk=state.material_id))
    if refusal is not None:
        return refusal
    if request.method == "GET" and not is_bot(request):
        person_id, cell_id = who(request, state)
        services.access_record(
            material_id=state.material_id, link_id=state.id, person_id=person_id, cell_id=cell_id, kind=Access.Kind.VIEW
        )
    version = f"{state.material_id}:{state.updated_at.timestamp()}"
    key = f"materials:landing:{state.id}:{version}:{translation.get_language()}:{int(request.user.is_authenticated)}"
    html = cache.get(key)
    if html is None:
        html = _landing_html(request, code, state.material_id)
        cache.set(key, html, LANDING_CACHE_SECONDS)
    return HttpResponse(html)


def _landing_html(request: HttpRequest, code: str, material_id: int) -> str:
    material = Material.objects.select_related("issuing_unit", "document", "campaign").get(pk=material_id)
    urls = link_urls(code)
    public = material.classification == Classification.PUBLIC
    og_image = base_url() + (urls["thumb_url"] if material.thumbnail and public else static("materials/og-default.png"))
    return render_to_string(
        "materials/link_landing.html",
        {
            "shown": present(material, **urls),
            "material": material,
            "canonical": codes.link_url(code),
            "og_image": og_image,
            "og_description": material.description
            or _("Study material issued by %(unit)s.") % {"unit": material.issuing_unit.name},
            "portal_host": base_url().split("://", 1)[-1],
        },
        request=request,
    )


@require_safe
@xframe_options_sameorigin
def material_link_file(request: HttpRequest, code: str) -> HttpResponse:
    """/q/<code>/file: the file itself for the preview and the player (inline, byte ranges)."""
    link, refusal = resolve(request, code)
    if refusal is not None:
        return refusal
    assert link is not None
    material = link.material
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
def material_link_download(request: HttpRequest, code: str) -> HttpResponse:
    """/q/<code>/download: the file as an attachment; each download is counted (not its resumed parts)."""
    link, refusal = resolve(request, code)
    if refusal is not None:
        return refusal
    assert link is not None
    material = link.material
    if not material.file:
        raise Http404
    if request.method == "GET" and not is_bot(request) and _is_start(request):
        person_id, cell_id = who(request, link)
        services.access_record(
            material_id=material.pk, link_id=link.pk, person_id=person_id, cell_id=cell_id, kind=Access.Kind.DOWNLOAD
        )
    return serving.file_response(
        request,
        material.file,
        content_type=material.content_type or "application/octet-stream",
        filename=material.file_name or "tai-lieu",
        etag=material.sha256[:32],
        attachment=True,
    )


def _is_start(request: HttpRequest) -> bool:
    """A download starts with no Range, or a range from byte 0; later ranges resume it."""
    wanted = request.headers.get("Range", "")
    return not wanted or bool(re.match(r"^\s*bytes\s*=\s*0\s*-", wanted))


@require_safe
def material_link_thumb(request: HttpRequest, code: str) -> HttpResponse:
    """/q/<code>/preview.jpg: the preview image that chat apps show with a shared link (Open Graph)."""
    link, refusal = resolve(request, code)
    if refusal is not None:
        return refusal
    assert link is not None
    material = link.material
    if not material.thumbnail:
        raise Http404
    return serving.file_response(
        request, material.thumbnail, content_type="image/jpeg", filename="preview.jpg", etag="", attachment=False
    )
