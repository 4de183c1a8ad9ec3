"""Browser test: staff create a campaign, then a hybrid session with two connection points, in Chromium."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from campaigns.models import Campaign, ConnectionPoint, StudySession
from campaigns.tests.factories import make_document

pytestmark = [pytest.mark.django_db(transaction=True)]


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill("demo-portal")
    page.locator("form button[type=submit]").click()
    expect(page).to_have_url(f"{base}/")


def test_staff_create_a_campaign_with_a_hybrid_session_and_two_connection_points(cast, live_server, browser):
    document = make_document()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    log_in(page, live_server.url, "staff")

    page.goto(f"{live_server.url}/campaigns/new/")
    page.locator("#id_title").fill("Học tập, quán triệt Kết luận số 21-KL/TW")
    page.locator(f"input[name=documents][value='{document.pk}']").check()
    today = timezone.localdate()
    page.locator("#id_starts_on").fill(today.isoformat())
    page.locator("#id_ends_on").fill((today + dt.timedelta(days=45)).isoformat())
    page.locator("form.js-once button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/campaigns/\d+/$"))
    campaign = Campaign.objects.get()
    assert campaign.status == Campaign.Status.DRAFT

    page.locator(f"a[href='/campaigns/{campaign.pk}/sessions/new/']").click()
    page.locator("#id_title").fill("Hội nghị trực tuyến học tập Kết luận 21-KL/TW")
    page.locator("#id_format").select_option("in_person")
    expect(page.locator(".points-section")).to_be_hidden()  # points only for online or hybrid sessions
    page.locator("#id_format").select_option("hybrid")
    expect(page.locator(".points-section")).to_be_visible()
    start = timezone.localtime() + dt.timedelta(days=3)
    page.locator("#id_starts_at").fill(start.strftime("%Y-%m-%dT07:30"))
    page.locator("#id_ends_at").fill(start.strftime("%Y-%m-%dT11:30"))
    page.locator("#id_venue").fill("Hội trường Tỉnh ủy Phú Yên")
    page.locator("#id_speakers-0-name").fill("Nguyễn Văn Báo")
    page.locator("#id_points-0-host").select_option(str(cast.committee_a.pk))
    page.locator("#id_points-0-venue").fill("Hội trường Huyện ủy Tuy An")
    page.locator("#id_points-1-host").select_option(str(cast.committee_b.pk))
    page.locator("#id_points-1-venue").fill("Hội trường Thị ủy Sông Cầu")
    page.locator(".js-add-row[data-prefix=points]").click()  # a third, blank row: ignored on save
    expect(page.locator("#id_points-2-host")).to_be_visible()
    expect(page.locator("#id_points-TOTAL_FORMS")).to_have_value("3")
    page.locator("form.session-form button[type=submit]").click()

    expect(page).to_have_url(re.compile(r"/campaigns/sessions/\d+/$"))
    expect(page.locator(".points-table tbody tr")).to_have_count(2)
    expect(page.locator(".points-table")).to_contain_text("Hội trường Thị ủy Sông Cầu")
    session = StudySession.objects.get()
    assert session.format == StudySession.Format.HYBRID and session.campaign == campaign
    assert set(ConnectionPoint.objects.values_list("host__name", flat=True)) == {"Huyện ủy Tuy An", "Thị ủy Sông Cầu"}
    context.close()
