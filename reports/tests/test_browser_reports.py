"""Browser test: an officer asks for a report, watches the progress bar, downloads the PDF."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from campaigns.tests.factories import attend, make_campaign, make_session
from campaigns.tests.test_browser_campaigns import log_in
from reports.models import Report

pytestmark = [pytest.mark.django_db(transaction=True)]


def test_an_officer_asks_for_a_report_watches_it_being_built_and_downloads_the_pdf(
    cast, live_server, browser, celery_worker
):
    campaign = make_campaign(cast.province)
    attend(make_session(campaign, cast.committee_a), [cast.person_a])
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN", accept_downloads=True)
    page = context.new_page()
    log_in(page, live_server.url, "officer_a")

    page.goto(f"{live_server.url}/")
    page.locator("a[href='/reports/']").first.click()
    expect(page.locator("h1")).to_have_text("Báo cáo")
    page.locator("#id_campaign").select_option(str(campaign.pk))
    page.locator("#id_organisation").select_option(str(cast.committee_a.pk))
    page.get_by_role("button", name="Lập báo cáo").click()
    expect(page).to_have_url(re.compile(r"/reports/\d+/$"))
    expect(page.locator("#report-bar")).to_be_visible()  # the progress bar, polled while the worker builds

    download_button = page.locator("#download-pdf")
    expect(download_button).to_be_visible(timeout=60_000)
    expect(page.locator("#report-bar")).to_have_text("100%")
    with page.expect_download() as info:
        download_button.click(modifiers=["Alt"])  # Alt-click: save the link instead of opening it
    path = info.value.path()
    with open(path, "rb") as handle:
        assert handle.read(5) == b"%PDF-"
    report = Report.objects.get()
    assert report.status == Report.Status.DONE and report.organisation == cast.committee_a
    context.close()
