"""No route gives a secret material's content to anyone but its managers, and no route ever gives it through a
link or a code: every URL of the materials app (portal, /q/ and admin) is tried with every id and code a secret
material has, as every kind of user. A new URL without an entry in ``_args`` fails this test."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from campaigns.tests.factories import make_campaign, make_session
from materials import codes, services, thumbnails
from materials.models import Material, ShareLink
from materials.tests.factories import make_material, pdf_bytes

pytestmark = pytest.mark.django_db

SECRET_TITLE = "Tài liệu mật XK-2025"
MARKER = b"SECRET-CONTENT-7f3a"


def _pdf_with_marker() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(100, 100)
    writer.add_metadata({"/Title": MARKER.decode()})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture
def secrets(cast):
    """Two secret materials for cell_a's campaign: one that was public with links (then marked secret), one that
    was secret from the start; both with a stored file and a preview image, in a session with public material."""
    campaign = make_campaign(cast.province, audience=[cast.cell_a])
    session = make_session(campaign, days_ago=-1)
    once_public = make_material(
        cast.province, campaign=campaign, title=SECRET_TITLE, file=("mat.pdf", _pdf_with_marker())
    )
    services.link_create(actor=None, material=once_public, label="Màn chiếu")
    services.links_for_cells(actor=None, materials=[once_public], cells=[cast.cell_a])
    link_codes = [codes.code_of(link) for link in once_public.links.all()]
    services.material_classify(actor=None, material=once_public, classification="secret")
    born_secret = make_material(
        cast.province,
        session=session,
        title=SECRET_TITLE + " (bản 2)",
        classification="secret",
        file=("mat2.pdf", _pdf_with_marker()),
    )
    for material in (once_public, born_secret):
        thumbnails.make(material)
    make_material(cast.province, campaign=campaign, title="Tài liệu công khai", file=("cong-khai.pdf", pdf_bytes()))
    return {
        "materials": [once_public, born_secret],
        "links": list(ShareLink.objects.filter(material=once_public)),
        "codes": link_codes,
        "session": session,
    }


def _material_urls() -> list[tuple[str, list[str]]]:
    """(name, converter names) of every URL of the materials app and its admin."""
    found: list[tuple[str, list[str]]] = []

    def walk(patterns: list, namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace)
            elif isinstance(pattern, URLPattern) and pattern.name:
                name = f"{namespace}{pattern.name}"
                if name.startswith(("materials:", "material_link", "admin:materials_")):
                    found.append((name, list(pattern.pattern.converters)))

    walk(get_resolver().url_patterns, "")
    return sorted(found)


def _args(name: str, converters: list[str], data: dict) -> list[list]:
    """The argument lists to try for a URL: every id or code of the secret materials it could take."""
    if not converters:
        return [[]]
    if converters == ["code"]:
        return [[code] for code in data["codes"]]
    if name.startswith("materials:link_"):
        return [[link.pk] for link in data["links"]]
    if name.startswith("materials:session"):
        return [[data["session"].pk]]
    if name.startswith(("materials:", "admin:materials_material_")):
        return [[m.pk] for m in data["materials"]]
    raise AssertionError(f"{name}: say here which secret ids its arguments take")


def test_every_url_is_known_to_this_test():
    names = {name for name, _ in _material_urls()}
    assert {"material_link", "material_link_file", "materials:file", "materials:session_sheet"} <= names
    for name, converters in _material_urls():
        _args(name, converters, {"codes": ["x"], "links": [], "session": SimpleNamespace(pk=1), "materials": []})


MANAGERS = ("staff", "superuser")
OTHERS = ("anonymous", "member_a", "secretary_a", "officer_a", "outsider", "member_b")


@pytest.mark.parametrize("actor", OTHERS + MANAGERS)
def test_no_route_gives_a_secret_materials_content_but_to_its_managers_and_never_by_link(actor, cast, client, secrets):
    user = None if actor == "anonymous" else getattr(cast, actor)
    manager = actor in MANAGERS
    leaks = []
    for name, converters in _material_urls():
        for args in _args(name, converters, secrets):
            client.logout()
            if user is not None:
                client.force_login(user)
            url = reverse(name, args=args)
            response = client.get(url)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            public_route = name.startswith("material_link")
            reads_content = MARKER in body or (
                response.status_code == 200
                and response.get("Content-Type", "").startswith(("application/pdf", "image/jpeg"))
                and name != "materials:session_sheet"
            )
            if reads_content and (public_route or not manager):
                leaks.append(f"{url} ({name}) gave the content: {response.status_code}")
            if public_route and response.status_code == 200:
                leaks.append(f"{url} ({name}) answered 200")
            if not manager and SECRET_TITLE.encode() in body:
                leaks.append(f"{url} ({name}) shows the secret title")
            if any(code.encode() in body for code in secrets["codes"]):
                leaks.append(f"{url} ({name}) shows a code of a secret material's link")
            if name.startswith("materials:link_qr") and response.status_code == 200:
                leaks.append(f"{url} ({name}) drew a QR code for a secret material")
    assert not leaks, "\n".join(leaks)


def test_managers_cannot_publish_or_link_a_secret_material_and_the_page_says_why(cast, client, secrets):
    client.force_login(cast.staff)
    for material in secrets["materials"]:
        response = client.post(reverse("materials:action", args=[material.pk]), {"action": "publish"}, follow=True)
        assert "không bao giờ được công bố" in response.content.decode()
        client.post(reverse("materials:link_create", args=[material.pk]), {"label": "x"})
        page = client.get(reverse("materials:manage_detail", args=[material.pk])).content.decode()
        assert "Không có đường link, không có mã QR: đây là tài liệu mật." in page
        assert "links-table" not in page and "<svg" not in page
    client.post(reverse("materials:session_cells", args=[secrets["session"].pk]))
    assert not ShareLink.objects.filter(material__in=secrets["materials"], revoked_at__isnull=True).exists()
    assert not Material.objects.filter(pk__in=[m.pk for m in secrets["materials"]], published=True).exists()


def test_members_see_a_secret_material_only_as_a_paper_placeholder(cast, client, secrets):
    client.force_login(cast.member_a)
    page = client.get(reverse("materials:study")).content.decode()
    assert page.count("Tài liệu mật — nhận bản giấy tại chi bộ") == 2
    assert "Tài liệu công khai" in page and SECRET_TITLE not in page
    response = client.get(reverse("materials:view", args=[secrets["materials"][0].pk]))
    assert response.status_code == 403
    assert "nhận bản giấy tại chi bộ" in response.content.decode()
    assert SECRET_TITLE not in response.content.decode()


def test_the_admin_explains_why_a_secret_material_has_no_link(cast, client, secrets):
    client.force_login(cast.staff)
    page = client.get(reverse("admin:materials_material_change", args=[secrets["materials"][0].pk])).content.decode()
    assert "Không có đường link, không có mã QR: đây là tài liệu mật." in page
    assert "chính cơ sở dữ liệu từ chối" in page
    listing = client.get(reverse("admin:materials_material_changelist")).content.decode()
    assert "mật: chỉ phát bản giấy, không có link" in listing
