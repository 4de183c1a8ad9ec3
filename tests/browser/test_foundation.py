"""Browser tests of the foundation: each demo role logs in on the portal's page and lands on its home."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}

# Demo account -> sections its home page must offer, and sections it must not.
ROLES = {
    "demo_staff": ({"admin", "people", "import", "activation", "campaigns", "reports"}, {"my_essays"}),
    "demo_officer": ({"admin", "people", "import", "grading"}, {"my_essays"}),
    "demo_secretary": ({"attendance", "my_essays"}, {"admin", "import"}),
    "demo_member": ({"my_study", "my_essays", "materials"}, {"admin", "attendance", "import"}),
    "admin": ({"admin", "people"}, set()),
}


@pytest.fixture
def demo_province(django_db_blocker):  # type: ignore[no-untyped-def]
    call_command("seed_demo", scale=0.01, verbosity=0)


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    page.get_by_label(re.compile("Tên đăng nhập", re.I)).fill(username)
    page.get_by_label(re.compile("Mật khẩu", re.I)).fill("demo-portal")
    page.get_by_role("button", name=re.compile("Đăng nhập", re.I)).click()


@pytest.mark.parametrize("username", list(ROLES))
def test_each_demo_role_logs_in_on_a_phone_and_sees_its_home(username, demo_province, live_server, browser):
    context = browser.new_context(viewport=PHONE, locale="vi-VN")
    page = context.new_page()
    log_in(page, live_server.url, username)
    expect(page).to_have_url(f"{live_server.url}/")
    present, absent = ROLES[username]
    sections = set(page.locator("[data-section]").evaluate_all("els => els.map(e => e.dataset.section)"))
    assert present <= sections, f"{username} misses {present - sections}"
    assert not (absent & sections), f"{username} should not see {absent & sections}"
    expect(page.get_by_role("heading", level=1)).to_contain_text("Xin chào")
    context.close()


def test_wrong_password_is_explained_in_vietnamese(demo_province, live_server, browser):
    page = browser.new_context(viewport=PHONE, locale="vi-VN").new_page()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label(re.compile("Tên đăng nhập", re.I)).fill("demo_member")
    page.get_by_label(re.compile("Mật khẩu", re.I)).fill("wrong")
    page.get_by_role("button", name=re.compile("Đăng nhập", re.I)).click()
    expect(page.locator(".alert, .invalid-feedback, .errorlist").first).to_contain_text("mật khẩu")
