"""The A4 QR sheet of a session: rendered to PNG, its codes decode to the materials' links, its text is right."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest
from django.urls import reverse

from campaigns.tests.factories import make_campaign, make_session
from materials import codes
from materials.models import Material
from materials.tests.factories import general_link, make_material, png_bytes, wav_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def session_with_materials(cast):
    campaign = make_campaign(cast.province, audience=[cast.committee_a])
    session = make_session(campaign, cast.province, days_ago=-1, title="Hội nghị học tập, quán triệt Kết luận 21")
    made = [
        make_material(cast.province, campaign=campaign, title="Tài liệu hướng dẫn học tập Kết luận số 21-KL/TW"),
        make_material(
            cast.province,
            campaign=campaign,
            title="Infographic sáu nhóm giải pháp",
            file=("a.png", png_bytes()),
            kind=Material.Kind.OTHER,
        ),
        make_material(
            cast.province,
            session=session,
            title="Ghi âm bài quán triệt",
            kind=Material.Kind.AUDIO,
            classification="internal",
            file=("a.wav", wav_bytes()),
        ),
        make_material(
            cast.province,
            campaign=campaign,
            title="Toàn văn trên Tư liệu văn kiện",
            file=None,
            external_url="https://tulieuvankien.dangcongsan.vn/",
        ),
        make_material(
            cast.province, campaign=campaign, title="Sổ tay sinh hoạt chi bộ (mật)", classification="secret", file=None
        ),
    ]
    urls = {codes.link_url(general_link(m)[1]) for m in made if m.published}
    return session, urls


def test_the_sheet_is_an_a4_pdf_in_vietnamese_without_the_secret_material(cast, client, session_with_materials):
    from pypdf import PdfReader

    session, urls = session_with_materials
    client.force_login(cast.staff)
    response = client.get(reverse("materials:session_sheet", args=[session.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    width, height = (float(x) for x in reader.pages[0].mediabox.upper_right)
    assert round(width / 72 * 25.4) == 210 and round(height / 72 * 25.4) == 297
    text = " ".join(page.extract_text() for page in reader.pages)
    for expected in (
        "ĐẢNG CỘNG SẢN VIỆT NAM",
        "TÀI LIỆU HỌC TẬP",
        "Hội nghị học tập, quán triệt Kết luận 21",
        "Tài liệu hướng dẫn học tập Kết luận số 21-KL/TW",
        "Ghi âm bài quán triệt",
        "Tài liệu 4",
        "Do Tỉnh ủy Phú Yên phát hành",
        "tài liệu mật được phát bản giấy",
    ):
        assert expected in " ".join(text.split()), expected
    assert "Sổ tay sinh hoạt chi bộ" not in text


@pytest.mark.skipif(
    not (shutil.which("pdftoppm") and shutil.which("zbarimg")),
    reason="poppler-utils (pdftoppm) and zbar-tools (zbarimg) read the sheet back",
)
def test_every_code_on_the_sheet_scans_to_its_materials_link(cast, client, session_with_materials, tmp_path):
    session, urls = session_with_materials
    client.force_login(cast.staff)
    (tmp_path / "sheet.pdf").write_bytes(client.get(reverse("materials:session_sheet", args=[session.pk])).content)
    # 150 dpi: about the detail a phone camera sees of a printed sheet
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(tmp_path / "sheet.pdf"), str(tmp_path / "page")], check=True)
    pages = sorted(str(p) for p in tmp_path.glob("page*.png"))
    decoded = subprocess.run(["zbarimg", "-q", "--raw", *pages], capture_output=True, text=True).stdout.split()
    assert sorted(decoded) == sorted(urls)
    assert len(urls) == 4  # the secret material has no code
    for url in decoded:  # and each one opens its material
        assert client.get("/q/" + url.rsplit("/q/", 1)[1]).status_code == 200
