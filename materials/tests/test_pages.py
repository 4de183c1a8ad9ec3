"""The portal pages of the materials app, end to end through the test client; list pages pin their query count
at two sizes."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns import services as campaign_services
from campaigns.tests.factories import make_campaign, make_session
from materials import codes, services
from materials.models import Access, Material, ShareLink
from materials.tests.factories import general_link, make_material, pdf_bytes, upload
from organisations.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(cast):
    return make_campaign(cast.province, audience=[cast.committee_a])


def _many(cast, campaign, count: int) -> list[Material]:
    made = []
    for i in range(count):
        material = make_material(cast.province, campaign=campaign, title=f"Tài liệu số {i}", order=i)
        link, _code = general_link(material)
        services.access_record(material_id=material.pk, link_id=link.pk, cell_id=cast.cell_a.pk, kind="view")
        made.append(material)
    return made


def test_a_member_sees_the_materials_of_their_campaigns_in_order_with_what_they_opened(cast, client, campaign):
    first, second = _many(cast, campaign, 2)
    make_material(cast.province, campaign=campaign, title="Bản nháp", publish=False)
    other = make_campaign(cast.committee_b, audience=[cast.cell_b])
    make_material(cast.committee_b, campaign=other, title="Của Sông Cầu")
    client.force_login(cast.member_a)
    client.get(reverse("materials:view", args=[second.pk]))
    page = client.get(reverse("materials:study")).content.decode()
    assert page.index("Tài liệu số 0") < page.index("Tài liệu số 1")
    assert "Bản nháp" not in page and "Của Sông Cầu" not in page
    assert page.count("Đã mở ngày") == 1 and page.count("Chưa mở") == 1
    assert Access.objects.get(person=cast.person_a).cell == cast.cell_a


@pytest.mark.parametrize("count", [2, 12])
def test_list_pages_cost_the_same_number_of_queries_whatever_their_size(
    cast, client, campaign, count, django_assert_max_num_queries
):
    _many(cast, campaign, count)
    session = make_session(campaign, cast.province, days_ago=-1)
    client.force_login(cast.member_a)
    with django_assert_max_num_queries(9):
        assert client.get(reverse("materials:study")).status_code == 200
    client.force_login(cast.staff)
    with django_assert_max_num_queries(11):
        assert client.get(reverse("materials:manage")).status_code == 200
    with django_assert_max_num_queries(16):
        assert client.get(reverse("materials:session", args=[session.pk])).status_code == 200
    services.links_for_cells(actor=None, materials=list(Material.objects.all()), cells=[cast.cell_a, cast.cell_a2])
    with django_assert_max_num_queries(17):
        assert client.get(reverse("materials:session_cells", args=[session.pk])).status_code == 200
    material = Material.objects.first()
    for _ in range(count):
        services.link_create(actor=None, material=material)
    with django_assert_max_num_queries(15):
        assert client.get(reverse("materials:manage_detail", args=[material.pk])).status_code == 200


def test_the_manage_list_searches_without_diacritics_and_filters(cast, client, campaign):
    make_material(cast.province, campaign=campaign, title="Tài liệu hướng dẫn học tập")
    make_material(cast.province, campaign=campaign, title="Đề cương báo cáo viên", classification="internal")
    client.force_login(cast.staff)
    page = client.get(reverse("materials:manage"), {"q": "huong dan"}).content.decode()
    assert "Tài liệu hướng dẫn học tập" in page and "Đề cương" not in page
    page = client.get(reverse("materials:manage"), {"classification": "internal"}).content.decode()
    assert "Đề cương báo cáo viên" in page and "hướng dẫn học tập" not in page


def test_staff_add_a_material_with_its_file_then_publish_it(cast, client, campaign):
    client.force_login(cast.staff)
    assert client.get(reverse("materials:create")).status_code == 200
    response = client.post(
        reverse("materials:create"),
        {
            "title": "Sách hỏi đáp Kết luận 21",
            "kind": "book",
            "issuing_unit": cast.province.pk,
            "campaign": campaign.pk,
            "classification": "public",
            "order": 1,
            "upload": upload("hoi-dap.pdf", pdf_bytes()),
        },
    )
    material = Material.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "materials:manage_detail", args=[material.pk]
    )
    assert not material.published and material.created_by == cast.staff
    response = client.post(reverse("materials:action", args=[material.pk]), {"action": "publish"}, follow=True)
    assert "Đã công bố tài liệu, kèm đường link và mã QR." in response.content.decode()
    link, code = general_link(material)
    page = response.content.decode()
    assert codes.link_url(code) in page and reverse("materials:link_qr_png", args=[link.pk]) in page


def test_an_officer_cannot_issue_for_the_province(cast, client):
    client.force_login(cast.officer_a)
    response = client.post(
        reverse("materials:create"),
        {"title": "X", "kind": "book", "issuing_unit": cast.province.pk, "classification": "public", "order": 0},
    )
    assert response.status_code == 200  # the province is not among the choices
    assert "issuing_unit" in response.context["form"].errors
    assert not Material.objects.exists()


def test_editing_classification_to_secret_revokes_and_says_so(cast, client, campaign):
    material = make_material(cast.province, campaign=campaign)
    client.force_login(cast.staff)
    response = client.post(
        reverse("materials:action", args=[material.pk]), {"action": "classify", "classification": "secret"}, follow=True
    )
    assert "đã gỡ công bố và thu hồi 1 đường link" in response.content.decode()
    assert not ShareLink.objects.filter(revoked_at__isnull=True).exists()


def test_links_are_made_with_a_window_and_revoked_from_the_page(cast, client, campaign):
    material = make_material(cast.province, campaign=campaign)
    client.force_login(cast.staff)
    until = timezone.localtime() + dt.timedelta(hours=3)
    client.post(
        reverse("materials:link_create", args=[material.pk]),
        {"label": "Màn chiếu hội trường", "valid_until": until.strftime("%Y-%m-%dT%H:%M")},
    )
    link = material.links.get(label="Màn chiếu hội trường")
    assert link.valid_until is not None
    response = client.post(reverse("materials:link_revoke", args=[link.pk]), follow=True)
    assert "Đã thu hồi đường link" in response.content.decode()
    link.refresh_from_db()
    assert link.revoked_at is not None
    assert client.get(reverse("materials:link_qr_png", args=[link.pk])).status_code == 404


@pytest.mark.skipif(not shutil.which("zbarimg"), reason="zbarimg (zbar-tools) decodes QR codes")
def test_the_qr_codes_png_and_svg_decode_to_the_link(cast, client, campaign, tmp_path):
    material = make_material(cast.province, campaign=campaign)
    link, code = general_link(material)
    client.force_login(cast.staff)
    png = client.get(reverse("materials:link_qr_png", args=[link.pk]))
    assert png["Content-Type"] == "image/png" and png["Content-Disposition"].startswith("attachment")
    (tmp_path / "qr.png").write_bytes(png.content)
    decoded = subprocess.run(["zbarimg", "-q", "--raw", str(tmp_path / "qr.png")], capture_output=True, text=True)
    assert decoded.stdout.strip() == codes.link_url(code)
    from PIL import Image

    with Image.open(tmp_path / "qr.png") as image:
        assert image.width >= 600  # 24 px per module: sharp when printed at 5 cm and more
    svg = client.get(reverse("materials:link_qr_svg", args=[link.pk]))
    assert svg["Content-Type"].startswith("image/svg+xml") and svg.content.startswith(b"<?xml")


def test_the_cell_lists_make_links_once_and_give_each_cell_its_message(cast, client, campaign):
    session = make_session(campaign, cast.committee_a, days_ago=-2)
    make_material(cast.province, campaign=campaign, title="Tài liệu hướng dẫn")
    make_material(cast.province, campaign=campaign, title="Bản mật", classification="secret", file=None)
    client.force_login(cast.staff)
    page = client.get(reverse("materials:session_cells", args=[session.pk])).content.decode()
    assert "Tạo link còn thiếu cho 2 chi bộ" in page
    client.post(reverse("materials:session_cells", args=[session.pk]))
    client.post(reverse("materials:session_cells", args=[session.pk]))
    assert ShareLink.objects.filter(cell__isnull=False).count() == 2
    page = client.get(reverse("materials:session_cells", args=[session.pk])).content.decode()
    assert "Kính gửi các đồng chí đảng viên Chi bộ thôn Phú Tân 1," in page
    assert "Tài liệu mật không gửi qua mạng" in page and "Bản mật" not in page
    assert "Tạo link còn thiếu" not in page
    text = client.get(reverse("materials:session_cells", args=[session.pk]), {"format": "txt"})
    assert text["Content-Type"].startswith("text/plain")
    body = text.content.decode()
    for link in ShareLink.objects.filter(cell__isnull=False):
        assert codes.link_url(codes.code_of(link)) in body
    assert AuditEntry.objects.filter(action="links_for_cells").count() == 1


def test_the_session_page_tells_which_cells_opened_the_materials_before_it(cast, client, campaign):
    session = make_session(campaign, cast.committee_a, days_ago=-1)
    material = make_material(cast.province, campaign=campaign)
    services.links_for_cells(actor=None, materials=[material], cells=[cast.cell_a, cast.cell_a2])
    services.access_record(material_id=material.pk, cell_id=cast.cell_a.pk, kind="view")
    client.force_login(cast.staff)
    response = client.get(reverse("materials:session", args=[session.pk]))
    assert response.context["counts"] == {"total": 2, "before": 1, "after": 0, "never": 1}
    page = client.get(reverse("materials:session", args=[session.pk]), {"state": "never"}).content.decode()
    assert "Chi bộ thôn Phú Tân 2" in page and "Chi bộ thôn Phú Tân 1" not in page
    detail = client.get(reverse("materials:manage_detail", args=[material.pk])).content.decode()
    assert "trước hội nghị" in detail


def test_an_officers_session_page_links_materials_issued_above_to_their_reading_page(cast, client, campaign):
    plans = {p.organisation_id: p for p in campaign_services.campaign_cascade(actor=None, campaign=campaign).created}
    plan = plans[cast.committee_a.pk]
    session = make_session(plan, cast.committee_a, days_ago=-1)
    provincial = make_material(cast.province, campaign=campaign, title="Của Tỉnh ủy")
    own = make_material(cast.committee_a, campaign=plan, title="Của Huyện ủy", session=session)
    client.force_login(cast.officer_a)
    page = client.get(reverse("materials:session", args=[session.pk])).content.decode()
    # the province's material is not theirs to manage (403): its link goes to the page that reads it
    assert reverse("materials:manage_detail", args=[provincial.pk]) not in page
    assert reverse("materials:view", args=[provincial.pk]) in page
    assert reverse("materials:manage_detail", args=[own.pk]) in page
    assert client.get(reverse("materials:view", args=[provincial.pk])).status_code == 200


def test_deleting_a_material_from_its_page_leaves_its_codes_answering_not_found(cast, client, campaign):
    material = make_material(cast.province, campaign=campaign)
    _link, code = general_link(material)
    client.force_login(cast.staff)
    response = client.post(reverse("materials:action", args=[material.pk]), {"action": "delete"})
    assert response.status_code == 302 and not Material.objects.exists()
    assert client.get(f"/q/{code}").status_code == 404


def test_the_home_page_offers_staff_the_management_of_materials(cast, client):
    client.force_login(cast.staff)
    page = client.get("/").content.decode()
    assert 'data-section="materials_manage"' in page and "Quản lý tài liệu học tập" in page
