"""Browser test: a member logs in on a phone, opens "my study" from the home page and sees their session and
attendance; a link to the managers' campaign page brings them back to their own card."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from campaigns import services
from campaigns.models import Attendance, Speaker
from campaigns.tests.factories import attend, make_campaign, make_session
from campaigns.tests.test_browser_campaigns import log_in

pytestmark = [pytest.mark.django_db(transaction=True)]


def test_member_opens_my_study_from_the_home_page_and_sees_their_session_and_attendance(
    cast, live_server, browser: Browser
):
    campaign = make_campaign(cast.province, title="Học tập, quán triệt Kết luận số 21-KL/TW")
    plan = services.campaign_cascade(actor=None, campaign=campaign).created[0]
    session = make_session(
        plan, cast.committee_a, title="Hội nghị học tập Kết luận 21 – Tuy An", points=[cast.grassroots_a]
    )
    Speaker.objects.create(session=session, name="Lê Văn Báo", title="Báo cáo viên Huyện ủy")
    attend(session, [cast.person_a], Attendance.Status.PRESENT, point=session.points.get())
    coming = make_session(plan, cast.committee_a, title="Hội nghị chuyên đề bổ sung", days_ago=-2)

    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN", is_mobile=True)
    page = context.new_page()
    log_in(page, live_server.url, "member_a")
    page.locator("a[data-section=my_study]").click()
    expect(page).to_have_url(f"{live_server.url}/campaigns/mine/")
    expect(page.locator("h1")).to_have_text("Việc học tập của tôi")

    card = page.locator(f"#campaign-{campaign.pk}")
    expect(card).to_contain_text("Học tập, quán triệt Kết luận số 21-KL/TW")
    expect(card.locator(".my-outcome")).to_have_text(re.compile("Đã học tập"))
    mine = page.locator(f"#session-{session.pk}")
    expect(mine).to_contain_text("Hội trường Đảng bộ xã An Dân")  # their connection point
    expect(mine).to_contain_text("Lê Văn Báo")
    expect(mine.locator(".my-attendance")).to_contain_text("Có mặt")
    expect(page.locator(f"#session-{coming.pk} .my-attendance")).to_contain_text("Sắp diễn ra")
    # nothing runs off a phone's screen
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # A link to the managers' page of the campaign brings the member to their own card instead.
    page.goto(f"{live_server.url}/campaigns/{plan.pk}/")
    expect(page).to_have_url(f"{live_server.url}/campaigns/mine/#campaign-{campaign.pk}")
    expect(page.locator(".participation-headline")).to_have_count(0)
    context.close()
