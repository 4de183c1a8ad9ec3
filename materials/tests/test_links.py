"""The public share links (/q/<code>): landing page, previews, byte ranges, counting, and every way a link can
stop leading to the file."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from campaigns.tests.factories import make_campaign
from materials import codes, services, thumbnails
from materials.models import Access, Material
from materials.tests.factories import general_link, make_material, wav_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def public(cast):
    """A public PDF of the province for a campaign of cell_a's audience, published, with a preview image."""
    campaign = make_campaign(cast.province, audience=[cast.cell_a])
    material = make_material(cast.province, campaign=campaign, description="Tài liệu cho hội nghị học tập.")
    thumbnails.make(material)
    material.refresh_from_db()
    link, code = general_link(material)
    return material, link, code


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_the_landing_page_names_the_issuing_committee_and_offers_preview_and_download(client, public, settings):
    material, link, code = public
    response = client.get(f"/q/{code}")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Tỉnh ủy Phú Yên" in html and "Tài liệu chính thức" in html
    assert material.title in html
    assert f'src="/q/{code}/file"' in html  # the PDF preview
    assert f'href="/q/{code}/download"' in html and "Tải về" in html
    base = settings.PORTAL_BASE_URL.rstrip("/")
    assert f'<meta property="og:title" content="{material.title}">' in html
    assert f'<meta property="og:url" content="{base}/q/{code}">' in html
    assert f'<meta property="og:image" content="{base}/q/{code}/preview.jpg">' in html
    assert '<meta property="og:description" content="Tài liệu cho hội nghị học tập.">' in html
    assert "no-store" in response["Cache-Control"]
    assert "sessionid" not in response.cookies and "csrftoken" not in response.cookies  # nothing kept per scan


def test_each_opening_appends_one_row_and_no_row_is_updated(client, public):
    material, link, code = public
    with CaptureQueriesContext(connection) as queries:
        client.get(f"/q/{code}")
    writes = [q["sql"] for q in queries.captured_queries if not q["sql"].lstrip().upper().startswith("SELECT")]
    assert len(writes) == 1 and writes[0].lstrip().upper().startswith("INSERT INTO") and "materials_access" in writes[0]
    client.get(f"/q/{code}")
    assert Access.objects.filter(link=link, kind="view").count() == 2


def test_link_preview_bots_are_not_counted(client, public):
    material, link, code = public
    response = client.get(f"/q/{code}", HTTP_USER_AGENT="facebookexternalhit/1.1")
    assert response.status_code == 200 and "og:image" in response.content.decode()
    assert not Access.objects.exists()


def test_a_cell_link_counts_for_its_cell_and_a_logged_in_member_for_their_own(client, cast, public):
    material, _link, _code = public
    services.links_for_cells(actor=None, materials=[material], cells=[cast.cell_a2])
    cell_link = material.links.get(cell=cast.cell_a2)
    client.get(f"/q/{codes.code_of(cell_link)}")
    client.force_login(cast.member_a)
    client.get(f"/q/{codes.code_of(cell_link)}")
    rows = list(Access.objects.order_by("pk").values_list("link_id", "cell_id", "person_id"))
    assert rows == [(cell_link.pk, cast.cell_a2.pk, None), (cell_link.pk, cast.cell_a.pk, cast.person_a.pk)]


def test_the_file_answers_byte_ranges_for_seeking(client, cast):
    data = wav_bytes(seconds=1)
    material = make_material(cast.province, kind=Material.Kind.AUDIO, file=("ghi-am.wav", data))
    _link, code = general_link(material)
    url = f"/q/{code}/file"
    whole = client.get(url)
    assert whole.status_code == 200 and whole["Accept-Ranges"] == "bytes"
    assert int(whole["Content-Length"]) == len(data) and _body(whole) == data
    assert whole["Content-Type"] == "audio/wav" and whole["Content-Disposition"].startswith("inline")
    part = client.get(url, HTTP_RANGE="bytes=100-199")
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 100-199/{len(data)}" and part["Content-Length"] == "100"
    assert _body(part) == data[100:200]
    tail = client.get(url, HTTP_RANGE="bytes=-10")
    assert tail.status_code == 206 and _body(tail) == data[-10:]
    open_ended = client.get(url, HTTP_RANGE=f"bytes={len(data) - 5}-")
    assert _body(open_ended) == data[-5:]
    assert client.get(url, HTTP_RANGE=f"bytes={len(data)}-").status_code == 416
    stale = client.get(url, HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE='"another-etag"')
    assert stale.status_code == 200 and _body(stale) == data
    head = client.head(url, HTTP_RANGE="bytes=0-9")
    assert head.status_code == 206 and head["Content-Length"] == "10" and head.content == b""


def test_a_download_is_counted_once_not_for_each_resumed_part(client, public):
    material, link, code = public
    response = client.get(f"/q/{code}/download")
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    assert "tai-lieu.pdf" in response["Content-Disposition"]
    client.get(f"/q/{code}/download", HTTP_RANGE="bytes=500-")
    client.get(f"/q/{code}/file")
    assert Access.objects.filter(kind="download").count() == 1


def _assert_gone(response, status: int, text: str, data: bytes = b"") -> None:
    assert response.status_code == status
    body = _body(response)
    assert text in body.decode()
    assert b"%PDF" not in body and (not data or data not in body)


ROUTES = ("", "/file", "/download", "/preview.jpg")


def test_a_revoked_link_shows_a_clear_page_and_never_the_file(client, public):
    material, link, code = public
    services.link_revoke(actor=None, link=link)
    for route in ROUTES:
        _assert_gone(client.get(f"/q/{code}{route}"), 410, "Đường link đã bị thu hồi")


def test_an_expired_link_shows_until_when_it_was_valid(client, public):
    material, _link, _code = public
    until = timezone.now() + dt.timedelta(hours=1)
    link, code = services.link_create(actor=None, material=material, valid_until=until)
    ShareLink = type(link)
    ShareLink.objects.filter(pk=link.pk).update(valid_until=timezone.now() - dt.timedelta(minutes=5))
    for route in ROUTES:
        _assert_gone(client.get(f"/q/{code}{route}"), 410, "Đường link đã hết hạn")


def test_a_link_not_valid_yet_says_from_when(client, public):
    material, _link, _code = public
    start = timezone.now() + dt.timedelta(days=2)
    _link, code = services.link_create(actor=None, material=material, valid_from=start)
    response = client.get(f"/q/{code}")
    _assert_gone(response, 404, "Đường link chưa có hiệu lực")
    assert timezone.localtime(start).strftime("%d/%m/%Y") in response.content.decode()


def test_a_withdrawn_material_answers_410_until_published_again(client, public):
    material, _link, code = public
    services.material_unpublish(actor=None, material=material)
    for route in ROUTES:
        _assert_gone(client.get(f"/q/{code}{route}"), 410, "Tài liệu tạm ngừng chia sẻ")
    services.material_publish(actor=None, material=material)
    assert client.get(f"/q/{code}").status_code == 200


def test_a_deleted_material_or_a_wrong_code_answers_404(client, public):
    material, _link, code = public
    services.material_delete(actor=None, material=material)
    for route in ROUTES:
        _assert_gone(client.get(f"/q/{code}{route}"), 404, "Không tìm thấy tài liệu")
    _assert_gone(client.get("/q/not-a-code"), 404, "Không tìm thấy tài liệu")
    _assert_gone(client.get("/q/" + "A" * 22), 404, "Không tìm thấy tài liệu")


def test_internal_material_asks_for_a_login_then_for_the_audience(client, cast, settings):
    campaign = make_campaign(cast.province, audience=[cast.cell_a])
    material = make_material(cast.province, campaign=campaign, classification="internal")
    _link, code = general_link(material)
    response = client.get(f"/q/{code}")
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert material.title not in response.content.decode()
    client.force_login(cast.member_b)  # cell_b is not in the audience
    _assert_gone(client.get(f"/q/{code}/file"), 403, "Tài liệu nội bộ")
    client.force_login(cast.member_a)
    page = client.get(f"/q/{code}")
    assert page.status_code == 200
    assert client.get(f"/q/{code}/file").status_code == 200
    # no preview image of internal material for chat apps: the portal's generic card, which exists
    default_image = settings.PORTAL_BASE_URL.rstrip("/") + "/static/materials/og-default.png"
    assert f'og:image" content="{default_image}"' in page.content.decode()
    assert finders.find("materials/og-default.png")


def test_a_material_with_an_external_link_leads_there_and_has_no_file(client, cast):
    material = make_material(cast.province, external_url="https://tulieuvankien.dangcongsan.vn/", file=None)
    _link, code = general_link(material)
    html = client.get(f"/q/{code}").content.decode()
    assert 'href="https://tulieuvankien.dangcongsan.vn/"' in html and 'rel="noopener noreferrer"' in html
    assert client.get(f"/q/{code}/file").status_code == 404


def test_the_landing_page_costs_a_constant_number_of_queries(client, cast, public, django_assert_num_queries):
    material, _link, code = public
    with django_assert_num_queries(3):  # the link's state; the appended access; the material, to render it once
        client.get(f"/q/{code}")
    with django_assert_num_queries(2):  # then the page comes from the cache: the link's state, the access
        client.get(f"/q/{code}")
    with django_assert_num_queries(1):
        client.get(f"/q/{code}/file")  # the link alone: the file's size comes from the disk


def test_the_cached_page_follows_the_material_and_never_outlives_its_link(client, cast, public):
    material, link, code = public
    assert material.title in client.get(f"/q/{code}").content.decode()
    services.material_update(actor=None, material=material, title="Tiêu đề mới")
    assert "Tiêu đề mới" in client.get(f"/q/{code}").content.decode()
    services.link_revoke(actor=None, link=link)
    assert client.get(f"/q/{code}").status_code == 410
