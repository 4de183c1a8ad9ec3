"""Permission-matrix cases for the materials app (portal pages, public links and admin).

Targets, seen from the A side of the cast (each a published material with a PDF, a preview image and a
general share link, for a campaign with one main session):
  own      issued by committee_a for a campaign of committee_a whose audience is cell_a: PUBLIC
  sibling  issued by grassroots_a for a campaign of grassroots_a whose audience is cell_a2: INTERNAL
  outside  issued by committee_b for a campaign of committee_b whose audience is cell_b: PUBLIC
The files are one shared sample written once under MEDIA_ROOT (the matrix makes many casts).
Secret materials are tried on every route by materials/tests/test_secret_routes.py.
"""

from __future__ import annotations

import hashlib
import io
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse

from portal.testing.matrix import LOGGED_IN, MANAGERS, REDIRECT, VIEW, Case, admin_cases, table

ONLY = ("-",)
SAMPLE_PDF = "materials/permission-matrix-sample.pdf"
SAMPLE_THUMB = "materials/thumbs/permission-matrix-sample.jpg"

# Reading a material inside the portal: its issuing unit's subtree by role, or its campaign's audience.
READ = VIEW
# Managing it: officers and staff over its issuing unit; a participant of its audience sees it but may not.
MANAGE = table(
    anonymous=REDIRECT,
    outsider=404,
    member_a=(403, 404, 404),
    secretary_a=(403, 404, 404),
    officer_a=(200, 200, 404),
    staff=200,
    superuser=200,
)
# A refused or harmless POST (unknown action, invalid dates): authorisation first, then back to the material.
MANAGE_POST = table(
    anonymous=REDIRECT,
    outsider=404,
    member_a=(403, 404, 404),
    secretary_a=(403, 404, 404),
    officer_a=(REDIRECT, REDIRECT, 404),
    staff=REDIRECT,
    superuser=REDIRECT,
)
# A share link row: only whoever manages its material's issuing unit sees it at all.
LINK_MANAGE = table(
    anonymous=REDIRECT,
    outsider=404,
    member_a=404,
    secretary_a=404,
    officer_a=(200, 200, 404),
    staff=200,
    superuser=200,
)
LINK_POST = table(
    anonymous=REDIRECT,
    outsider=404,
    member_a=404,
    secretary_a=404,
    officer_a=(REDIRECT, REDIRECT, 404),
    staff=REDIRECT,
    superuser=REDIRECT,
)
# /q/<code>: public material for anyone holding the link; internal (sibling) needs a login and the audience
# (cell_a2) or a role over it: anonymous users are sent to log in, others get the "internal material" page.
PUBLIC_LINK = table(
    anonymous=(200, REDIRECT, 200),
    outsider=(200, 403, 200),
    member_a=(200, 403, 200),
    secretary_a=(200, 403, 200),
    officer_a=200,
    staff=200,
    superuser=200,
)


def _sample() -> tuple[str, str, int, str]:
    """The shared sample PDF and preview image (written once), with the PDF's size and hash."""
    from materials.tests.factories import pdf_bytes, png_bytes

    data = pdf_bytes()
    if not default_storage.exists(SAMPLE_PDF):
        default_storage.save(SAMPLE_PDF, ContentFile(data))
    if not default_storage.exists(SAMPLE_THUMB):
        from PIL import Image

        image = Image.open(io.BytesIO(png_bytes(120, 63))).convert("RGB")
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG")
        default_storage.save(SAMPLE_THUMB, ContentFile(buffer.getvalue()))
    stored = default_storage.open(SAMPLE_PDF, "rb").read()
    return SAMPLE_PDF, SAMPLE_THUMB, len(stored), hashlib.sha256(stored).hexdigest()


def targets(cast: Any) -> dict[str, dict[str, Any]]:
    """The own / sibling / outside materials, their links' codes and sessions (created once per test)."""
    cached = getattr(cast, "_material_targets", None)
    if cached is not None:
        return cached
    from campaigns.tests.factories import make_campaign, make_session
    from materials import services
    from materials.models import Material
    from materials.tests.factories import general_link

    pdf_name, thumb_name, size, digest = _sample()
    specs = {
        "own": (cast.committee_a, cast.cell_a, "public"),
        "sibling": (cast.grassroots_a, cast.cell_a2, "internal"),
        "outside": (cast.committee_b, cast.cell_b, "public"),
    }
    built: dict[str, dict[str, Any]] = {}
    for key, (unit, cell, classification) in specs.items():
        campaign = make_campaign(unit, audience=[cell], title=f"Học tập tài liệu {key}")
        session = make_session(campaign, unit, days_ago=-2)
        material = services.material_create(
            actor=None,
            title=f"Tài liệu {key}",
            kind=Material.Kind.BOOK,
            classification=classification,
            issuing_unit=unit,
            campaign=campaign,
        )
        Material.objects.filter(pk=material.pk).update(
            file=pdf_name,
            file_name="tai-lieu.pdf",
            content_type="application/pdf",
            file_size=size,
            sha256=digest,
            thumbnail=thumb_name,
        )
        services.material_publish(actor=None, material=material)
        link, code = general_link(material)
        old, _code = services.link_create(actor=None, material=material, label="old")
        services.link_revoke(actor=None, link=old)
        built[key] = {"material": material, "link": link, "code": code, "session": session, "revoked": old}
    cast._material_targets = built
    return built


def materials(cast: Any) -> dict[str, Any]:
    return {key: value["material"] for key, value in targets(cast).items()}


def cases() -> list[Case]:
    def material_url(name: str) -> Any:
        return lambda c, t: reverse(name, args=[targets(c)[t]["material"].pk])

    def link_url(name: str) -> Any:
        return lambda c, t: reverse(name, args=[targets(c)[t]["link"].pk])

    def session_url(name: str) -> Any:
        return lambda c, t: reverse(name, args=[targets(c)[t]["session"].pk])

    def code_url(name: str) -> Any:
        return lambda c, t: reverse(name, args=[targets(c)[t]["code"]])

    result = [
        Case("materials:study", lambda c, t: reverse("materials:study"), LOGGED_IN, targets=ONLY),
        Case("materials:view", material_url("materials:view"), READ),
        Case("materials:file", material_url("materials:file"), READ),
        Case("materials:download", material_url("materials:download"), READ),
        Case("materials:preview", material_url("materials:preview"), READ),
        Case("materials:manage", lambda c, t: reverse("materials:manage"), MANAGERS, targets=ONLY),
        Case("materials:create", lambda c, t: reverse("materials:create"), MANAGERS, targets=ONLY),
        Case("materials:manage_detail", material_url("materials:manage_detail"), MANAGE),
        Case("materials:edit", material_url("materials:edit"), MANAGE),
        Case(
            "materials:action",
            material_url("materials:action"),
            MANAGE_POST,
            method="post",
            data=lambda c, t: {"action": "no-such-action"},
            note="an unknown action changes nothing, so success is a plain redirect",
        ),
        Case(
            "materials:link_create",
            material_url("materials:link_create"),
            MANAGE_POST,
            method="post",
            data=lambda c, t: {"valid_until": "not a date"},
            note="invalid dates make no link, so success is a plain redirect",
        ),
        Case(
            "materials:link_revoke",
            lambda c, t: reverse("materials:link_revoke", args=[targets(c)[t]["revoked"].pk]),
            LINK_POST,
            method="post",
            data=lambda c, t: {},
            note="on a link already revoked: nothing changes, so success is a plain redirect",
        ),
        Case("materials:link_qr_png", link_url("materials:link_qr_png"), LINK_MANAGE),
        Case("materials:link_qr_svg", link_url("materials:link_qr_svg"), LINK_MANAGE),
        Case("materials:session", session_url("materials:session"), MANAGE),
        Case("materials:session_sheet", session_url("materials:session_sheet"), MANAGE),
        Case("materials:session_cells", session_url("materials:session_cells"), MANAGE),
        Case("material_link", code_url("material_link"), PUBLIC_LINK),
        Case("material_link_file", code_url("material_link_file"), PUBLIC_LINK),
        Case("material_link_download", code_url("material_link_download"), PUBLIC_LINK),
        Case("material_link_thumb", code_url("material_link_thumb"), PUBLIC_LINK),
    ]
    from materials.models import Material

    result += admin_cases(Material, materials)
    return result
