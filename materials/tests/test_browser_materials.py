"""Browser tests (Chromium): staff publish a material and a phone opens its QR code; a recording plays and seeks
(answered with 206); a secret material offers no link anywhere."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from playwright.sync_api import Page, expect

from campaigns.tests.factories import make_campaign, make_session
from materials import codes, services
from materials.demo import _recording_wav
from materials.models import Access, Material
from materials.tests.factories import general_link, make_material, pdf_bytes

pytestmark = [pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill("demo-portal")
    page.locator("form button[type=submit]").click()
    expect(page).to_have_url(f"{base}/")


@pytest.mark.skipif(not shutil.which("zbarimg"), reason="zbarimg (zbar-tools) reads the QR code")
def test_staff_publish_a_material_and_a_phone_opens_its_qr_code(cast, live_server, browser, settings, tmp_path):
    settings.PORTAL_BASE_URL = live_server.url  # the address printed in the QR code
    campaign = make_campaign(cast.province, audience=[cast.committee_a], title="Học tập Kết luận 21-KL/TW")
    staff = browser.new_context(viewport=DESKTOP, locale="vi-VN", accept_downloads=True)
    page = staff.new_page()
    log_in(page, live_server.url, "staff")
    page.goto(f"{live_server.url}/materials/manage/new/")
    page.locator("#id_title").fill("Tài liệu hướng dẫn học tập Kết luận 21")
    page.locator("#id_kind").select_option("book")
    page.locator("#id_campaign").select_option(str(campaign.pk))
    page.locator("input[name=classification][value=public]").check()
    page.locator("#id_upload").set_input_files(
        {"name": "huong-dan.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes(2)}
    )
    page.locator("form.material-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/materials/manage/\d+/$"))
    expect(page.locator(".alert-success")).to_contain_text("bản nháp")
    page.get_by_test_id("publish").click()
    expect(page.locator(".alert-success")).to_contain_text("Đã công bố tài liệu")
    shown_url = page.locator(".links-table a.link-url").first.inner_text()
    png = staff.request.get(
        live_server.url + page.locator(".links-table a", has_text="PNG").first.get_attribute("href")
    )
    (tmp_path / "qr.png").write_bytes(png.body())
    scanned = subprocess.run(
        ["zbarimg", "-q", "--raw", str(tmp_path / "qr.png")], capture_output=True, text=True
    ).stdout.strip()
    assert scanned == shown_url and scanned.startswith(f"{live_server.url}/q/")
    staff.close()

    phone = browser.new_context(viewport=PHONE, locale="vi-VN", accept_downloads=True, is_mobile=True, has_touch=True)
    page = phone.new_page()
    page.goto(scanned)
    expect(page.locator(".issuer-name")).to_have_text(re.compile("Tỉnh ủy Phú Yên", re.I))
    expect(page.get_by_role("heading", level=1)).to_have_text("Tài liệu hướng dẫn học tập Kết luận 21")
    expect(page.locator(".trust-note")).to_contain_text(live_server.url.split("://")[1])
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # nothing wider than the phone
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Tải về")).click()
    assert download.value.suggested_filename == "huong-dan.pdf"
    material = Material.objects.get()
    assert Access.objects.filter(material=material, kind="view").count() == 1
    assert Access.objects.filter(material=material, kind="download").count() == 1
    phone.close()


def test_a_recording_plays_and_seeks_with_range_requests(cast, live_server, browser):
    material = make_material(
        cast.province,
        title="Ghi âm bài quán triệt",
        kind=Material.Kind.AUDIO,
        file=("ghi-am.wav", _recording_wav(seconds=8)),
    )
    _link, code = general_link(material)
    context = browser.new_context(viewport=PHONE, locale="vi-VN")
    page = context.new_page()
    statuses: list[int] = []
    page.on("response", lambda r: statuses.append(r.status) if r.url.endswith(f"/q/{code}/file") else None)
    page.goto(f"{live_server.url}/q/{code}")
    audio = page.locator("audio")
    expect(audio).to_be_visible()
    state = page.evaluate(
        """async () => {
          const a = document.querySelector('audio');
          a.muted = true;
          await a.play();
          await new Promise(r => setTimeout(r, 400));
          const before = a.currentTime;
          a.currentTime = 5;
          await new Promise(r => a.addEventListener('seeked', r, {once: true}));
          const seeked = a.currentTime;
          await new Promise(r => setTimeout(r, 500));
          return {before, seeked, later: a.currentTime, duration: a.duration, paused: a.paused};
        }"""
    )
    assert abs(state["duration"] - 8) < 0.1
    assert 0 < state["before"] < 2
    assert 4.9 <= state["seeked"] <= 5.2
    assert state["later"] > state["seeked"] and not state["paused"]  # it goes on playing from there
    assert 206 in statuses, statuses
    context.close()


def test_a_secret_material_offers_no_link_anywhere(cast, live_server, browser):
    campaign = make_campaign(cast.province, audience=[cast.cell_a])
    session = make_session(campaign, cast.province, days_ago=-1)
    once_public = make_material(cast.province, campaign=campaign, title="Sổ tay mật A")
    _link, old_code = general_link(once_public)
    services.material_classify(actor=None, material=once_public, classification="secret")
    make_material(cast.province, campaign=campaign, title="Hướng dẫn công khai")

    staff = browser.new_context(viewport=DESKTOP, locale="vi-VN")
    page = staff.new_page()
    log_in(page, live_server.url, "staff")
    page.goto(f"{live_server.url}/materials/manage/{once_public.pk}/")
    expect(page.get_by_test_id("secret-notice")).to_contain_text("đây là tài liệu mật")
    expect(page.locator(".links-table")).to_have_count(0)
    expect(page.locator("svg")).to_have_count(0)
    expect(page.get_by_test_id("publish")).to_have_count(0)
    assert old_code not in page.content()
    page.goto(f"{live_server.url}/admin/materials/material/{once_public.pk}/change/")
    expect(page.locator(".secret-explained")).to_contain_text("đây là tài liệu mật")
    assert old_code not in page.content()
    page.goto(f"{live_server.url}/materials/sessions/{session.pk}/")
    expect(page.locator("main")).to_contain_text("1 tài liệu mật chỉ phát bản giấy")
    expect(page.locator("main")).not_to_contain_text("Sổ tay mật A")
    page.goto(f"{live_server.url}/materials/sessions/{session.pk}/cells/")
    page.get_by_test_id("make-cell-links").click()
    expect(page.locator(".cell-message").first).to_contain_text("Tài liệu mật không gửi qua mạng")
    assert "Sổ tay mật A" not in page.content()
    staff.close()

    member = browser.new_context(viewport=PHONE, locale="vi-VN")
    page = member.new_page()
    log_in(page, live_server.url, "member_a")
    page.goto(f"{live_server.url}/materials/")
    secret_item = page.locator("[data-material=secret]")
    expect(secret_item).to_contain_text("Tài liệu mật — nhận bản giấy tại chi bộ")
    expect(secret_item.locator("a")).to_have_count(0)
    expect(page.locator("main")).not_to_contain_text("Sổ tay mật A")
    response = page.goto(f"{live_server.url}/q/{old_code}")
    assert response is not None and response.status == 410
    expect(page.get_by_role("heading", level=1)).to_have_text("Đường link đã bị thu hồi")
    response = page.goto(f"{live_server.url}/q/{old_code}/file")
    assert response is not None and response.status == 410
    assert codes.code_of(once_public.links.get()) == old_code  # the same code, refused
    member.close()
