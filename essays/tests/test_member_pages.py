"""The member's pages: "Bài thu hoạch của tôi", the write page, autosave, the confirmation step, files."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from campaigns import services as campaign_services
from campaigns.models import Attendance, StudySession
from campaigns.tests.factories import attend, make_campaign, make_session
from essays import submission, uploads
from essays.models import Essay, Exemption
from essays.tests.factories import docx_upload, essay_text, make_essay, make_essay_campaign, pdf_upload

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    html = response.content.decode()
    html = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def section(response, campaign) -> str:
    html = response.content.decode()
    match = re.search(rf'<section[^>]*id="campaign-{campaign.pk}".*?</section>', html, re.S)
    assert match, f"campaign {campaign.pk} is not listed"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(0)))


# --------------------------------------------------------------------------------------------
# Bài thu hoạch của tôi
# --------------------------------------------------------------------------------------------


def test_my_essays_lists_each_campaign_with_its_state(cast, client):
    p = cast.person_a
    not_started = make_essay_campaign(cast.province, title="Chưa viết", min_words=300)
    draft = make_essay_campaign(cast.province, title="Đang viết")
    make_essay(draft, p, body="Bản nháp đầu tiên")
    late = make_essay_campaign(cast.province, title="Nộp muộn")
    make_essay(late, p, status=Essay.Status.SUBMITTED, is_late=True)
    passed = make_essay_campaign(cast.province, title="Đã đạt")
    make_essay(passed, p, passed=True, released=True, grade_comment="Bài viết sâu sắc, liên hệ tốt.")
    unreleased = make_essay_campaign(cast.province, title="Chưa công bố")
    make_essay(unreleased, p, passed=False, released=False, grade_comment="Bí mật đến khi công bố")
    exempt = make_essay_campaign(cast.province, title="Được miễn")
    Exemption.objects.create(campaign=exempt, person=p, reason="Tuổi cao, sức yếu")
    make_essay_campaign(cast.province, title="Không yêu cầu viết", essay_required=False)
    make_essay_campaign(cast.committee_b, title="Của Sông Cầu")
    make_essay_campaign(cast.province, title="Còn nháp", status="draft")

    client.force_login(cast.member_a)
    response = client.get(reverse("essays:mine"))
    assert response.status_code == 200
    page = text_of(response)
    assert "Không yêu cầu viết" not in page and "Của Sông Cầu" not in page and "Còn nháp" not in page

    s = section(response, not_started)
    assert "Chưa viết" in s and "Hạn nộp" in s and "300 từ" in s and "Viết bài thu hoạch" in s
    s = section(response, draft)
    assert "Nháp" in s and "Viết tiếp" in s and "4 từ" in s
    s = section(response, late)
    assert "Đã nộp" in s and "nộp muộn" in s and "Đang chờ kết quả" in s
    s = section(response, passed)
    assert "Xuất sắc" in s or "Excellent" in s
    assert "Bài viết sâu sắc" in s
    s = section(response, unreleased)
    assert "Đã nộp" in s and "chờ kết quả" in s
    assert "Bí mật đến khi công bố" not in s and "Không đạt" not in s and "Fail" not in s  # not released
    s = section(response, exempt)
    assert "Miễn viết" in s and "Tuổi cao, sức yếu" in s and "Viết bài (tự nguyện)" in s


def test_a_failed_member_sees_the_restudy_instruction_and_their_sessions(cast, client):
    campaign = make_essay_campaign(cast.province, title="Học tập Kết luận 21")
    plan_a = campaign_services.campaign_cascade(actor=None, campaign=campaign).created
    plan_a = next(p for p in plan_a if p.organisation_id == cast.committee_a.pk)
    make_essay(campaign, cast.person_a, passed=False, released=True, grade_comment="Chưa liên hệ bản thân.")
    mine = make_session(
        plan_a,
        cast.grassroots_a,
        kind=StudySession.Kind.RESTUDY,
        days_ago=-3,
        title="Học lại tại Đảng bộ xã An Dân",
        venue="Hội trường xã",
    )
    make_session(
        campaign, cast.grassroots_b, kind=StudySession.Kind.RESTUDY, days_ago=-3, title="Học lại tại phường Xuân Phú"
    )
    make_session(campaign, cast.province, kind=StudySession.Kind.MAKEUP, days_ago=-2, title="Học bù toàn tỉnh")
    client.force_login(cast.member_a)
    response = client.get(reverse("essays:mine"))
    s = section(response, campaign)
    assert "Phải học lại" in s and "không đạt" in s and "tham dự một buổi học lại" in s
    assert "Học lại tại Đảng bộ xã An Dân" in s and "Hội trường xã" in s
    assert "Xuân Phú" not in s and "Học bù toàn tỉnh" not in s
    assert "Chưa liên hệ bản thân." in s
    assert "Viết lại bài" not in s  # no new attempt yet

    attend(mine, [cast.person_a])
    StudySession.objects.filter(pk=mine.pk).update(
        starts_at=timezone.now() - dt.timedelta(hours=3), ends_at=timezone.now() - dt.timedelta(hours=1)
    )
    s = section(client.get(reverse("essays:mine")), campaign)
    assert "Đã học lại" in s and "Viết lại bài" in s and "lần 2" in s


def test_without_a_restudy_session_the_member_is_told_one_will_come(cast, client):
    campaign = make_essay_campaign(cast.province)
    make_essay(campaign, cast.person_a, passed=False, released=True)
    client.force_login(cast.member_a)
    s = section(client.get(reverse("essays:mine")), campaign)
    assert "Chưa có buổi học lại nào được xếp lịch" in s


def test_every_attempt_is_kept_and_shown(cast, client):
    campaign = make_essay_campaign(cast.province)
    first = make_essay(campaign, cast.person_a, passed=False, released=True)
    attend(make_session(campaign, kind=StudySession.Kind.RESTUDY, days_ago=0.2), [cast.person_a])
    second = make_essay(campaign, cast.person_a, attempt=2, status=Essay.Status.SUBMITTED)
    client.force_login(cast.member_a)
    response = client.get(reverse("essays:mine"))
    s = section(response, campaign)
    html = response.content.decode()
    assert reverse("essays:detail", args=[first.pk]) in html and reverse("essays:detail", args=[second.pk]) in html
    assert "Không đạt" in s or "Fail" in s


def _fill(cast, campaigns: int) -> None:
    """``campaigns`` campaigns in every state, with several attempts where the rules allow."""
    for i in range(campaigns):
        campaign = make_essay_campaign(cast.province, title=f"Đợt {i}")
        kind = i % 5
        if kind == 0:
            make_essay(campaign, cast.person_a)
        elif kind == 1:
            make_essay(campaign, cast.person_a, passed=True, released=True)
        elif kind == 2:
            make_essay(campaign, cast.person_a, passed=False, released=True)
            make_session(campaign, kind=StudySession.Kind.RESTUDY, days_ago=-1)
        elif kind == 3:
            make_essay(campaign, cast.person_a, passed=False, released=True)
            attend(make_session(campaign, kind=StudySession.Kind.RESTUDY, days_ago=0.1), [cast.person_a])
            make_essay(campaign, cast.person_a, attempt=2)
        else:
            Exemption.objects.create(campaign=campaign, person=cast.person_a, reason="Ốm dài ngày")


def test_my_essays_query_count_does_not_depend_on_the_number_of_campaigns(cast, client):
    client.force_login(cast.member_a)
    _fill(cast, 5)
    client.get(reverse("essays:mine"))  # warm caches (session, translations)
    with CaptureQueriesContext(connection) as small:
        response = client.get(reverse("essays:mine"))
    assert response.content.decode().count('class="card mb-3 essay-campaign"') == 5
    _fill(cast, 20)
    with CaptureQueriesContext(connection) as large:
        response = client.get(reverse("essays:mine"))
    assert response.content.decode().count('class="card mb-3 essay-campaign"') == 25
    assert len(large) == len(small), [q["sql"][:120] for q in large.captured_queries]
    assert len(large) <= 13  # 8 for the page (one of them the grade changes after release), 5 session and auth


# --------------------------------------------------------------------------------------------
# Writing, autosave, submitting
# --------------------------------------------------------------------------------------------


def test_write_page_shows_the_editor_with_the_minimum_and_deadline(cast, client):
    campaign = make_essay_campaign(cast.province, min_words=300, deadline=dt.timedelta(days=3))
    campaign.essay_outline = "I. Nhận thức\nII. Liên hệ bản thân"
    campaign.save(update_fields=["essay_outline"])
    client.force_login(cast.member_a)
    response = client.get(reverse("essays:write", args=[campaign.pk]))
    html = response.content.decode()
    assert response.status_code == 200 and not Essay.objects.exists()  # a GET creates nothing
    assert 'name="body"' in html and 'data-autosave-url="/essays/campaign/' in html
    assert 'data-min-words="300"' in html and "tối thiểu 300" in html
    assert "essays/write.js" in html and "Đề cương" in html and "II. Liên hệ bản thân" in html
    assert campaign.essay_deadline.astimezone(timezone.get_current_timezone()).strftime("%H:%M %d/%m/%Y") in html


def test_autosave_answers_the_new_version_and_refuses_a_stale_one(cast, client):
    campaign = make_essay_campaign(cast.province)
    client.force_login(cast.member_a)
    url = reverse("essays:autosave", args=[campaign.pk])
    first = client.post(url, {"version": 0, "body": "Đoạn mở đầu"}).json()
    assert first["ok"] and first["version"] == 1 and first["words"] == 3
    assert re.fullmatch(r"\d\d:\d\d:\d\d", first["saved_at_display"])
    second = client.post(url, {"version": 1, "body": "Đoạn mở đầu, viết tiếp"}).json()
    assert second["version"] == 2
    stale = client.post(url, {"version": 1, "body": "Bản cũ ghi đè"})
    assert stale.status_code == 409
    data = stale.json()
    assert data["error"] == "conflict" and data["version"] == 2 and data["body"] == "Đoạn mở đầu, viết tiếp"
    assert "cửa sổ hoặc thiết bị khác" in data["message"]
    assert client.get(url).json()["version"] == 2
    assert Essay.objects.get().body == "Đoạn mở đầu, viết tiếp"


def test_autosave_after_the_cutoff_is_refused_with_a_message(cast, client):
    campaign = make_essay_campaign(cast.province, deadline=dt.timedelta(hours=-2), cutoff=dt.timedelta(hours=-1))
    client.force_login(cast.member_a)
    response = client.post(reverse("essays:autosave", args=[campaign.pk]), {"version": 0, "body": "Muộn quá"})
    assert response.status_code == 409 and response.json()["error"] == "closed"
    assert "không còn nhận bài" in response.json()["message"]
    assert not Essay.objects.exists()


def test_write_submit_confirm_flow(cast, client):
    campaign = make_essay_campaign(cast.province, min_words=20)
    client.force_login(cast.member_a)
    body = essay_text(40)
    response = client.post(
        reverse("essays:write", args=[campaign.pk]), {"version": 0, "body": body, "action": "review"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("essays:submit", args=[campaign.pk])
    confirm = client.get(response["Location"])
    essay = Essay.objects.get()
    assert "Xác nhận nộp bài" in text_of(confirm) and "không sửa được bài nữa" in text_of(confirm)
    assert f'name="version" value="{essay.version}"' in confirm.content.decode()
    done = client.post(
        reverse("essays:submit", args=[campaign.pk]), {"essay": essay.pk, "version": essay.version}, follow=True
    )
    assert "Đã nộp bài thu hoạch lúc" in text_of(done)
    again = client.post(
        reverse("essays:submit", args=[campaign.pk]), {"essay": essay.pk, "version": essay.version}, follow=True
    )
    assert "đã được nộp lúc" in text_of(again)
    assert Essay.objects.filter(status=Essay.Status.SUBMITTED).count() == 1
    # Read-only afterwards: the page shows the text, no editor.
    page = client.get(reverse("essays:write", args=[campaign.pk])).content.decode()
    assert 'name="body"' not in page and "Qua học tập, quán triệt" in page


def test_the_minimum_is_enforced_at_submit_with_a_message(cast, client):
    campaign = make_essay_campaign(cast.province, min_words=300)
    client.force_login(cast.member_a)
    essay = submission.essay_draft_save(
        actor=cast.member_a, person=cast.person_a, campaign=campaign, version=0, body=essay_text(50)
    ).essay
    confirm = client.get(reverse("essays:submit", args=[campaign.pk]))
    assert re.search(r"Bài mới có \d+ từ", text_of(confirm)) and 'name="essay"' not in confirm.content.decode()
    response = client.post(reverse("essays:submit", args=[campaign.pk]), {"essay": essay.pk, "version": 1})
    assert response.status_code == 400
    assert "yêu cầu tối thiểu 300 từ" in text_of(response)
    assert Essay.objects.get().status == Essay.Status.DRAFT


def test_late_submission_is_marked_late_and_after_the_cutoff_refused(cast, client):
    campaign = make_essay_campaign(cast.province, deadline=dt.timedelta(hours=-1), cutoff=dt.timedelta(days=1))
    client.force_login(cast.member_a)
    essay = submission.essay_draft_save(
        actor=cast.member_a, person=cast.person_a, campaign=campaign, version=0, body="Bài nộp muộn"
    ).essay
    confirm = client.get(reverse("essays:submit", args=[campaign.pk]))
    assert "ghi nhận là nộp muộn" in text_of(confirm)
    done = client.post(reverse("essays:submit", args=[campaign.pk]), {"essay": essay.pk, "version": 1}, follow=True)
    assert "nộp muộn" in text_of(done) and Essay.objects.get().is_late

    closed = make_essay_campaign(
        cast.province, deadline=dt.timedelta(days=1), cutoff=dt.timedelta(days=2), title="Sắp hết hạn"
    )
    essay = submission.essay_draft_save(
        actor=cast.member_a, person=cast.person_a, campaign=closed, version=0, body="Chưa kịp nộp"
    ).essay
    closed.essay_deadline = timezone.now() - dt.timedelta(hours=2)
    closed.essay_cutoff = timezone.now() - dt.timedelta(hours=1)
    closed.save(update_fields=["essay_deadline", "essay_cutoff"])
    refused = client.post(reverse("essays:submit", args=[closed.pk]), {"essay": essay.pk, "version": 1})
    assert refused.status_code == 409
    assert "Hiện không còn nhận bài thu hoạch" in text_of(refused) and 'name="essay"' not in refused.content.decode()
    assert Essay.objects.get(pk=essay.pk).status == Essay.Status.DRAFT
    mine = client.get(reverse("essays:mine"))
    assert "không còn nhận bài" in section(mine, closed)


def test_a_stale_form_post_shows_the_conflict_and_keeps_the_sent_text(cast, client):
    campaign = make_essay_campaign(cast.province)
    client.force_login(cast.member_a)
    submission.essay_draft_save(actor=cast.member_a, person=cast.person_a, campaign=campaign, version=0, body="A")
    submission.essay_draft_save(actor=cast.member_a, person=cast.person_a, campaign=campaign, version=1, body="B")
    response = client.post(reverse("essays:write", args=[campaign.pk]), {"version": 1, "body": "Bản của thẻ cũ"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "Bản của thẻ cũ" in html and 'name="version" value="2"' in html
    assert Essay.objects.get().body == "B"


# --------------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def test_a_pdf_is_shown_inline_with_protective_headers(cast, client, media, django_capture_on_commit_callbacks):
    campaign = make_essay_campaign(cast.province)
    with django_capture_on_commit_callbacks(execute=True):
        essay = submission.essay_upload(
            actor=cast.member_a,
            person=cast.person_a,
            campaign=campaign,
            checked=uploads.check_upload(pdf_upload("Bài thu hoạch An.pdf")),
        )
    client.force_login(cast.member_a)
    response = client.get(reverse("essays:file", args=[essay.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    policy = response["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src 'none'" in policy and "frame-ancestors 'self'" in policy
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_a_docx_is_a_download_in_a_sandbox(cast, client, media, django_capture_on_commit_callbacks):
    campaign = make_essay_campaign(cast.province)
    with django_capture_on_commit_callbacks(execute=True):
        essay = submission.essay_upload(
            actor=cast.member_a, person=cast.person_a, campaign=campaign, checked=uploads.check_upload(docx_upload())
        )
    client.force_login(cast.officer_a)  # a grader of the member's committee
    response = client.get(reverse("essays:file", args=[essay.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert "sandbox" in response["Content-Security-Policy"]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument")


def test_files_are_never_under_a_public_url(cast, client, media, django_capture_on_commit_callbacks):
    campaign = make_essay_campaign(cast.province)
    with django_capture_on_commit_callbacks(execute=True):
        essay = submission.essay_upload(
            actor=cast.member_a, person=cast.person_a, campaign=campaign, checked=uploads.check_upload(pdf_upload())
        )
    client.force_login(cast.member_a)
    assert client.get("/media-not-served/" + essay.file.name).status_code == 404
    client.force_login(cast.member_b)
    assert client.get(reverse("essays:file", args=[essay.pk])).status_code == 404  # by URL guessing too
    client.force_login(cast.officer_b)
    assert client.get(reverse("essays:file", args=[essay.pk])).status_code == 404


def test_a_grader_never_reads_the_essays_of_their_own_cell(cast, client, media, django_capture_on_commit_callbacks):
    from organisations.models import RoleGrant
    from organisations.tests.factories import grant

    grant(cast.member_a, cast.committee_a, RoleGrant.Role.OFFICER, can_grade=True)  # an officer in cell_a
    campaign = make_essay_campaign(cast.province)
    from organisations.models import Person

    neighbour = Person.objects.get(full_name="Trần Thị Bình")
    essay = make_essay(campaign, neighbour, status=Essay.Status.SUBMITTED)
    client.force_login(cast.member_a)
    assert client.get(reverse("essays:detail", args=[essay.pk])).status_code == 403
    other = make_essay(campaign, cast.person_a2, status=Essay.Status.SUBMITTED)
    assert client.get(reverse("essays:detail", args=[other.pk])).status_code == 200


def test_detail_shows_the_grade_only_once_released(cast, client):
    campaign = make_essay_campaign(cast.province)
    essay = make_essay(campaign, cast.person_a, passed=False, released=False, grade_comment="Nhận xét chưa công bố")
    client.force_login(cast.member_a)
    page = text_of(client.get(reverse("essays:detail", args=[essay.pk])))
    assert "Nhận xét chưa công bố" not in page and "Kết quả" not in page
    Essay.objects.filter(pk=essay.pk).update(released_at=timezone.now())
    page = text_of(client.get(reverse("essays:detail", args=[essay.pk])))
    assert "Nhận xét chưa công bố" in page and "Kết quả" in page


def test_a_plan_campaign_id_leads_to_the_provincial_essay(cast, client):
    campaign = make_campaign(cast.province, essay_required=True)
    plan = next(
        p
        for p in campaign_services.campaign_cascade(actor=None, campaign=campaign).created
        if p.organisation_id == cast.committee_a.pk
    )
    client.force_login(cast.member_a)
    client.post(reverse("essays:autosave", args=[plan.pk]), {"version": 0, "body": "Viết từ trang của huyện"})
    assert Essay.objects.get().campaign_id == campaign.pk
    assert Attendance.objects.count() == 0


def test_a_grade_changed_after_release_says_so_on_the_members_page(cast, client):
    from essays import grading, rules
    from essays.tests.factories import make_essay, make_essay_campaign

    campaign = make_essay_campaign(cast.province)
    essay = make_essay(campaign, cast.person_a, status=Essay.Status.GRADED, passed=True, released=True)
    before = essay.grade
    better = next(level for level in rules.ensure_scale(campaign) if level.passing and level.pk != before.pk)
    grading.grade(actor=cast.staff, essay=essay, grade=better, comment="Chấm lại sau phúc khảo")
    client.force_login(cast.member_a)
    html = client.get(reverse("essays:mine")).content.decode()
    assert better.label in html
    assert "grading-changed" in html
    note = html.split("grading-changed")[1].split("</p>")[0]
    assert before.label in note  # "… (previously: <the released grade>)"
