"""Browser test of grading: a grader grades from the queue, the committee releases, the member sees the grade."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from essays.models import Essay
from essays.tests.factories import make_essay, make_essay_campaign

pytestmark = [pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill("demo-portal")
    page.locator("form button[type=submit]").click()
    expect(page).to_have_url(f"{base}/")


def test_grader_grades_the_committee_releases_and_the_member_sees_the_grade(cast, live_server, browser):
    campaign = make_essay_campaign(cast.province, title="Học tập Kết luận 21-KL/TW")
    essay = make_essay(campaign, cast.person_a, status=Essay.Status.SUBMITTED)
    following = make_essay(campaign, cast.person_a2, status=Essay.Status.SUBMITTED)
    base = live_server.url

    # The grader (an officer of the committee with the grading right) opens the queue from the home page.
    grader = browser.new_context(viewport=DESKTOP, locale="vi-VN").new_page()
    log_in(grader, base, "officer_a")
    grader.get_by_role("link", name=re.compile("Chấm bài thu hoạch")).first.click()
    expect(grader).to_have_url(f"{base}/essays/grading/")
    expect(grader.get_by_role("link", name="Lê Văn Cường")).to_be_visible()
    grader.get_by_role("link", name="Nguyễn Văn An").click()
    expect(grader).to_have_url(re.compile(rf"/essays/{essay.pk}/grade/"))
    expect(grader.locator(".essay-read")).to_contain_text("Kết luận số 21-KL/TW")

    # A failing grade needs a comment: the form says so and nothing is saved.
    grader.locator("label", has_text="Không đạt").click()
    grader.get_by_role("button", name=re.compile("Lưu và chấm bài tiếp theo")).click()
    expect(grader.locator(".invalid-feedback")).to_contain_text("Cần ghi nhận xét")
    grader.locator("label", has_text="Khá").click()
    grader.get_by_label("Nhận xét gửi người viết").fill("Bài viết có liên hệ thực tiễn tốt.")
    grader.get_by_role("button", name=re.compile("Lưu và chấm bài tiếp theo")).click()

    # Saved, and straight on to the next essay of the list.
    expect(grader).to_have_url(re.compile(rf"/essays/{following.pk}/grade/"))
    expect(grader.locator(".alert-success")).to_contain_text("Nguyễn Văn An")
    essay.refresh_from_db()
    assert (essay.grade.label, essay.released_at) == ("Khá", None)

    # Not released yet: the member does not see the grade.
    member = browser.new_context(viewport=PHONE, locale="vi-VN").new_page()
    log_in(member, base, "member_a")
    member.goto(f"{base}/essays/mine/")
    expect(member.locator("main")).not_to_contain_text("Khá")

    # The committee releases its organisation's grades at once, after confirming.
    grader.goto(f"{base}/essays/grading/")
    grader.get_by_role("link", name=re.compile("Công bố kết quả")).click()
    expect(grader).to_have_url(f"{base}/essays/campaign/{campaign.pk}/release/")
    release = grader.get_by_role("button", name=re.compile("Công bố kết quả"))
    release.click()  # without ticking the box: the browser asks for it and nothing is sent
    assert Essay.objects.filter(released_at__isnull=False).count() == 0
    grader.get_by_label(re.compile("Tôi xác nhận công bố 1 kết quả")).check()
    release.click()
    expect(grader.locator(".alert-success")).to_contain_text("Đã công bố 1 kết quả")

    # The member sees the grade and the grader's comment.
    member.goto(f"{base}/essays/mine/")
    expect(member.locator(".essay-grade")).to_have_text("Khá")
    expect(member.locator("main")).to_contain_text("Bài viết có liên hệ thực tiễn tốt.")
