"""Browser test: a member whose essay failed sees the re-study instruction; their secretary's re-study sheet lists
only them; once marked present, the member is told to write again."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from campaigns.models import Attendance, StudySession
from campaigns.tests.factories import make_session
from essays import rules
from essays.tests.factories import make_essay, make_essay_campaign

pytestmark = [pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill("demo-portal")
    page.locator("form button[type=submit]").click()
    expect(page).to_have_url(f"{base}/")


def test_a_failed_member_is_sent_to_restudy_and_then_writes_again(cast, live_server, browser):
    campaign = make_essay_campaign(cast.committee_a, deadline=-dt.timedelta(days=10), title="Học tập Kết luận 21")
    make_essay(
        campaign, cast.person_a, passed=False, released=True, graded_at=timezone.now() - dt.timedelta(days=5),
        grade_comment="Chưa liên hệ thực tiễn của bản thân.",
    )  # fmt: skip
    make_essay(campaign, cast.cell_a.people.get(full_name="Trần Thị Bình"), passed=True, released=True)
    session = make_session(campaign, kind=StudySession.Kind.RESTUDY, days_ago=0.1, title="Hội nghị học lại")

    member = browser.new_context(viewport=PHONE, locale="vi-VN").new_page()
    log_in(member, live_server.url, "member_a")
    member.goto(f"{live_server.url}/essays/mine/")
    notice = member.locator(".essay-restudy")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("không đạt")
    expect(notice).to_contain_text("phải học tập lại nghị quyết")
    expect(notice).to_contain_text("Hội nghị học lại")
    expect(member.get_by_text("Chưa liên hệ thực tiễn của bản thân.")).to_be_visible()
    assert member.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # The secretary's re-study sheet lists only the member who must re-study.
    secretary = browser.new_context(viewport=PHONE, locale="vi-VN").new_page()
    log_in(secretary, live_server.url, "secretary_a")
    secretary.goto(f"{live_server.url}/campaigns/attendance/{session.pk}/{cast.cell_a.pk}/")
    expect(secretary.locator(f"#p{cast.person_a.pk}")).to_be_visible()
    expect(secretary.get_by_text("Trần Thị Bình")).to_have_count(0)
    secretary.get_by_role("button", name=re.compile("Lưu bảng điểm danh")).click()
    expect(secretary.locator(".alert-success")).to_be_visible()
    assert Attendance.objects.filter(session=session, person=cast.person_a, status="present").exists()
    assert rules.person_state(campaign, cast.person_a).state == rules.State.RESTUDIED

    member.reload()
    expect(member.locator(".essay-restudy")).to_have_count(0)
    expect(member.get_by_text(re.compile("đã học lại nghị quyết"))).to_be_visible()
    expect(member.get_by_role("link", name=re.compile("Viết lại bài"))).to_be_visible()


def test_staff_open_the_restudy_list_on_a_desktop(cast, live_server, browser):
    campaign = make_essay_campaign(cast.province, deadline=-dt.timedelta(days=10))
    make_essay(campaign, cast.person_a, passed=False, released=True, graded_at=timezone.now() - dt.timedelta(days=5))
    page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN").new_page()
    log_in(page, live_server.url, "staff")
    page.goto(f"{live_server.url}/essays/campaign/{campaign.pk}/restudy/")
    expect(page.locator("h1")).to_contain_text("Tỉnh ủy Phú Yên")
    page.get_by_role("link", name="Huyện ủy Tuy An").click()
    page.get_by_role("link", name="Đảng bộ xã An Dân").click()
    page.get_by_role("link", name="Chi bộ thôn Phú Tân 1").click()
    expect(page.locator("#names")).to_contain_text("Nguyễn Văn An")
    expect(page.locator("#names")).to_contain_text("Phải học lại")
