"""Browser tests of writing an essay: the page is lost mid-draft and nothing is lost; offline; a stale tab."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Page, expect

from essays.models import Essay
from essays.tests.factories import PARAGRAPHS, make_essay_campaign

pytestmark = [pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
SAVED = re.compile(r"Đã lưu lúc \d\d:\d\d:\d\d")


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill("demo-portal")
    page.locator("form button[type=submit]").click()
    expect(page).to_have_url(f"{base}/")


def stored_body(campaign) -> str:
    essay = Essay.objects.filter(campaign=campaign).first()
    return essay.body if essay else ""


def wait_for_body(campaign, expected: str, timeout: float = 10.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = stored_body(campaign)
        if body == expected:
            return body
        time.sleep(0.1)
    return stored_body(campaign)


def test_member_writes_loses_the_page_mid_draft_comes_back_and_submits(cast, live_server, browser):
    campaign = make_essay_campaign(cast.province, min_words=60, title="Học tập Kết luận 21-KL/TW")
    base = live_server.url
    context = browser.new_context(viewport=PHONE, locale="vi-VN")
    page = context.new_page()
    log_in(page, base, "member_a")
    page.goto(f"{base}/essays/mine/")
    page.get_by_role("link", name="Viết bài thu hoạch").click()
    expect(page).to_have_url(f"{base}/essays/campaign/{campaign.pk}/write/")
    page.wait_for_load_state()

    editor = page.locator("#essay-body")
    first = PARAGRAPHS[0]
    editor.fill(first)
    expect(page.locator("#essay-words")).to_have_text(f"{len(first.split())} từ")  # live count
    expect(page.locator("#essay-words")).to_have_class(re.compile("is-short"))  # below the minimum of 60
    expect(page.locator("#essay-save-status")).to_have_text(SAVED, timeout=10_000)  # autosaved
    assert stored_body(campaign) == first

    # Typing on, then leaving the page at once (before the autosave delay): the page saves as it goes.
    second = f"{first}\n\n{PARAGRAPHS[1]}"
    editor.fill(second)
    page.goto(f"{base}/essays/mine/")
    assert wait_for_body(campaign, second) == second

    # Back to the draft; more typing, then the connection is lost and the page closed: nothing reaches the server.
    page.goto(f"{base}/essays/campaign/{campaign.pk}/write/")
    expect(editor).to_have_value(second)
    third = f"{second}\n\n{PARAGRAPHS[2]}"
    editor.fill(third)
    page.evaluate("() => { navigator.sendBeacon = () => false; window.fetch = () => new Promise(() => {}); }")
    page.close(run_before_unload=True)
    time.sleep(1)
    assert stored_body(campaign) == second  # the server never got the last paragraph

    # Coming back (same browser): the text is there, restored from this device.
    page = context.new_page()
    page.goto(f"{base}/essays/campaign/{campaign.pk}/write/")
    editor = page.locator("#essay-body")
    expect(editor).to_have_value(third)
    expect(page.locator("#essay-notice")).to_have_text(
        "Đã khôi phục từ máy này phần bài viết chưa kịp lưu lên hệ thống."
    )
    expect(page.locator("#essay-save-status")).to_have_text(SAVED, timeout=10_000)
    assert wait_for_body(campaign, third) == third
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # nothing sticks out

    # Submitting: explicit, with a confirmation step.
    page.get_by_role("button", name="Nộp bài…").click()
    expect(page).to_have_url(f"{base}/essays/campaign/{campaign.pk}/submit/")
    expect(page.locator("h1")).to_have_text("Xác nhận nộp bài thu hoạch?")
    expect(page.locator(".essay-preview")).to_contain_text(PARAGRAPHS[2])
    page.get_by_role("button", name="Xác nhận nộp bài").click()
    expect(page).to_have_url(re.compile(r"/essays/mine/#campaign-"))
    expect(page.locator(".alert-success")).to_contain_text("Đã nộp bài thu hoạch lúc")
    expect(page.locator(f"#campaign-{campaign.pk} .essay-state")).to_have_text("Đã nộp")
    essay = Essay.objects.get(campaign=campaign)
    assert essay.status == Essay.Status.SUBMITTED and essay.body == third and not essay.is_late
    assert page.evaluate(f"localStorage.getItem('essay:{cast.person_a.pk}:{campaign.pk}:1')") is None
    # Read-only afterwards.
    page.goto(f"{base}/essays/campaign/{campaign.pk}/write/")
    expect(page.locator("#essay-body")).to_have_count(0)
    expect(page.locator(".essay-read")).to_contain_text(PARAGRAPHS[2])
    context.close()


def test_losing_the_connection_loses_nothing(cast, live_server, browser):
    campaign = make_essay_campaign(cast.province)
    base = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="vi-VN")
    page = context.new_page()
    log_in(page, base, "member_a")
    page.goto(f"{base}/essays/campaign/{campaign.pk}/write/")
    context.set_offline(True)
    page.locator("#essay-body").fill(PARAGRAPHS[0])
    expect(page.locator("#essay-save-status")).to_have_text("Chưa lưu được (mất kết nối) — sẽ thử lại", timeout=10_000)
    assert stored_body(campaign) == ""
    context.set_offline(False)
    expect(page.locator("#essay-save-status")).to_have_text(SAVED, timeout=15_000)
    assert stored_body(campaign) == PARAGRAPHS[0]
    context.close()


def test_a_stale_tab_does_not_overwrite_the_newer_draft(cast, live_server, browser):
    campaign = make_essay_campaign(cast.province)
    base = live_server.url
    laptop = browser.new_context(viewport={"width": 1280, "height": 800}, locale="vi-VN")
    phone = browser.new_context(viewport=PHONE, locale="vi-VN")
    a, b = laptop.new_page(), phone.new_page()
    log_in(a, base, "member_a")
    log_in(b, base, "member_a")
    a.goto(f"{base}/essays/campaign/{campaign.pk}/write/")
    b.goto(f"{base}/essays/campaign/{campaign.pk}/write/")  # opened before the laptop saves anything

    a.locator("#essay-body").fill("Bản viết trên máy tính")
    expect(a.locator("#essay-save-status")).to_have_text(SAVED, timeout=10_000)
    b.locator("#essay-body").fill("Bản viết trên điện thoại")
    conflict = b.locator("#essay-conflict")
    expect(conflict).to_be_visible(timeout=10_000)
    expect(conflict).to_contain_text("cửa sổ hoặc thiết bị khác")
    assert stored_body(campaign) == "Bản viết trên máy tính"

    b.get_by_role("button", name="Tải bản mới hơn").click()
    expect(b.locator("#essay-body")).to_have_value("Bản viết trên máy tính")
    expect(b.locator("#essay-local-text")).to_have_value("Bản viết trên điện thoại")  # still there to copy
    b.locator("#essay-body").fill("Bản viết trên máy tính, bổ sung trên điện thoại")
    expect(b.locator("#essay-save-status")).to_have_text(SAVED, timeout=10_000)
    assert stored_body(campaign) == "Bản viết trên máy tính, bổ sung trên điện thoại"
    laptop.close()
    phone.close()
