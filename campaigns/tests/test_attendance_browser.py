"""Browser tests: a secretary records a sheet on a phone; a member checks in by scanning the projector's QR code."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from campaigns.models import Attendance, AttendanceSheet
from campaigns.tests.factories import make_campaign, make_session

pytestmark = [pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def log_in(page: Page, base: str, username: str, *, expect_url: str | re.Pattern[str] | None = None) -> None:
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill("demo-portal")
    page.locator("form button[type=submit]").click()
    if expect_url is not None:
        expect(page).to_have_url(expect_url)


def test_secretary_records_the_sheet_of_their_cell_on_a_phone(cast, live_server, browser):
    session = make_session(make_campaign(cast.province), title="Hội nghị học tập Kết luận 21-KL/TW")
    page = browser.new_context(viewport=PHONE, locale="vi-VN").new_page()
    page.goto(f"{live_server.url}/login/")
    log_in(page, live_server.url, "secretary_a", expect_url=f"{live_server.url}/")

    page.goto(f"{live_server.url}/campaigns/attendance/")
    page.get_by_role("link", name=re.compile("Chi bộ thôn Phú Tân 1")).click()
    expect(page).to_have_url(f"{live_server.url}/campaigns/attendance/{session.pk}/{cast.cell_a.pk}/")
    row = page.locator(f"#p{cast.person_a.pk}")
    reason = row.locator(f"select[name=reason-{cast.person_a.pk}]")
    expect(reason).to_be_hidden()  # shown only once "absent" is chosen
    row.locator("label", has_text="Vắng").click()
    expect(reason).to_be_visible()
    expect(page.locator("[data-count=absent]")).to_have_text("1")  # the bottom bar counts as you go
    expect(page.locator("[data-count=present]")).to_have_text("1")

    page.get_by_role("button", name=re.compile("Lưu bảng điểm danh")).click()  # no reason yet: refused
    expect(row.locator("[role=alert]")).to_have_text("Chọn lý do vắng mặt.")
    assert not Attendance.objects.exists()

    row.locator(f"select[name=reason-{cast.person_a.pk}]").select_option("sick")
    save = page.get_by_role("button", name=re.compile("Lưu bảng điểm danh"))
    box = save.bounding_box()
    assert box is not None and box["height"] >= 44 and box["y"] + box["height"] <= PHONE["height"]  # in reach
    save.click()
    expect(page.locator(".alert-success")).to_contain_text("1 có mặt, 1 vắng")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # nothing sticks out
    stored = {a.person_id: (a.status, a.reason) for a in Attendance.objects.filter(session=session)}
    assert stored[cast.person_a.pk] == ("absent", "sick") and len(stored) == 2
    assert AttendanceSheet.objects.get(session=session, cell=cast.cell_a).submitted_by == cast.secretary_a


def test_member_checks_in_by_scanning_the_code_on_the_screen(cast, live_server, browser):
    session = make_session(make_campaign(cast.province), title="Hội nghị tại hội trường")
    screen = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    screen.goto(f"{live_server.url}/login/")
    log_in(screen, live_server.url, "staff", expect_url=f"{live_server.url}/")
    screen.goto(f"{live_server.url}/campaigns/sessions/{session.pk}/checkin/screen/")
    expect(screen.locator("#checkin-qr svg")).to_be_visible()
    expect(screen.locator("#checkin-total")).to_have_text("0")
    # What the phone's camera reads from the code: the link the screen encodes right now.
    status = screen.request.get(f"{live_server.url}/campaigns/sessions/{session.pk}/checkin/status.json").json()
    link = status["qr"]["url"]

    phone = browser.new_context(viewport=PHONE, locale="vi-VN").new_page()  # a member's phone in Vietnam
    phone.goto(link)
    expect(phone).to_have_url(re.compile(r"/login/\?next="))
    log_in(phone, live_server.url, "member_a")
    expect(phone.locator("h1")).to_have_text("Bạn đã điểm danh thành công")
    assert Attendance.objects.filter(session=session, person=cast.person_a, source="qr", status="present").exists()

    expect(screen.locator("#checkin-total")).to_have_text("1", timeout=10_000)  # the screen polls every 3 s
    expect(screen.locator("#checkin-cells")).to_contain_text("Chi bộ thôn Phú Tân 1")
