"""The writing services: draft saves with the version guard, attempts, submission windows, idempotent submit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from campaigns import services as campaign_services
from campaigns.models import Attendance, StudySession
from campaigns.tests.factories import attend, make_session
from essays import mine, rules, submission
from essays.models import Essay, Exemption
from essays.rules import State
from essays.tests.factories import essay_text, make_essay, make_essay_campaign
from organisations.models import AuditEntry, Person

pytestmark = pytest.mark.django_db


def save(cast, campaign, body, version=0, person=None, **kw):
    return submission.essay_draft_save(
        actor=cast.member_a, person=person or cast.person_a, campaign=campaign, version=version, body=body, **kw
    )


def submit(cast, campaign, essay, version=None, **kw):
    return submission.essay_submit(
        actor=cast.member_a,
        person=cast.person_a,
        campaign=campaign,
        essay_id=essay.pk,
        version=essay.version if version is None else version,
        **kw,
    )


def test_first_save_creates_attempt_one_and_later_saves_bump_the_version(cast):
    campaign = make_essay_campaign(cast.province)
    first = save(cast, campaign, "Mở đầu bài thu hoạch")
    assert first.changed and first.essay.attempt == 1 and first.essay.version == 1
    assert first.essay.word_count == 5 and first.essay.status == Essay.Status.DRAFT
    second = save(cast, campaign, "Mở đầu bài thu hoạch, thêm ý", version=1)
    assert second.essay.pk == first.essay.pk and second.essay.version == 2
    assert AuditEntry.objects.filter(action="essay_start", target_id=str(first.essay.pk)).count() == 1


def test_saving_the_same_text_writes_nothing(cast):
    campaign = make_essay_campaign(cast.province)
    essay = save(cast, campaign, "Nội dung").essay
    again = save(cast, campaign, "Nội dung", version=1)
    assert not again.changed and Essay.objects.get(pk=essay.pk).version == 1


def test_a_stale_tab_cannot_overwrite_a_newer_draft(cast):
    campaign = make_essay_campaign(cast.province)
    save(cast, campaign, "Bản ở thẻ thứ nhất")
    save(cast, campaign, "Bản mới hơn ở thẻ thứ hai", version=1)
    with pytest.raises(submission.Conflict) as refused:
        save(cast, campaign, "Bản cũ của thẻ thứ nhất, sửa tiếp", version=1)
    assert refused.value.essay.version == 2 and refused.value.essay.body == "Bản mới hơn ở thẻ thứ hai"
    assert Essay.objects.get().body == "Bản mới hơn ở thẻ thứ hai"


def test_a_stale_version_with_the_stored_text_is_not_a_conflict(cast):
    """A beacon saved the text, the page did not learn the new version: saving the same text again is fine."""
    campaign = make_essay_campaign(cast.province)
    save(cast, campaign, "Đã gửi bằng beacon")
    result = save(cast, campaign, "Đã gửi bằng beacon", version=0)
    assert not result.changed and result.essay.version == 1


def test_two_first_saves_from_two_tabs_make_one_attempt(cast):
    campaign = make_essay_campaign(cast.province)
    save(cast, campaign, "Thẻ một")
    with pytest.raises(submission.Conflict):
        save(cast, campaign, "Thẻ hai", version=0)
    assert Essay.objects.count() == 1


def test_submit_marks_the_essay_submitted_once_even_when_repeated(cast):
    campaign = make_essay_campaign(cast.province)
    essay = save(cast, campaign, essay_text(50)).essay
    first = submit(cast, campaign, essay)
    assert not first.repeated and first.essay.status == Essay.Status.SUBMITTED and not first.essay.is_late
    again = submit(cast, campaign, essay)
    assert again.repeated and again.essay.submitted_at == first.essay.submitted_at
    assert Essay.objects.filter(status=Essay.Status.SUBMITTED).count() == 1
    assert AuditEntry.objects.filter(action="essay_submit").count() == 1


def test_after_submission_the_text_is_read_only(cast):
    campaign = make_essay_campaign(cast.province)
    essay = save(cast, campaign, "Bài đã nộp").essay
    submit(cast, campaign, essay)
    with pytest.raises(submission.NotWritable, match="can no longer be changed|không sửa được|không thể"):
        save(cast, campaign, "Sửa sau khi nộp", version=1)
    assert Essay.objects.get().body == "Bài đã nộp"


def test_submit_refuses_a_version_other_than_the_confirmed_one(cast):
    campaign = make_essay_campaign(cast.province)
    essay = save(cast, campaign, "Bản đã xem").essay
    save(cast, campaign, "Bản sửa ở thẻ khác", version=1)
    with pytest.raises(submission.Conflict):
        submit(cast, campaign, essay, version=1)
    assert Essay.objects.get().status == Essay.Status.DRAFT


def test_submit_enforces_the_minimum_length(cast):
    campaign = make_essay_campaign(cast.province, min_words=100)
    essay = save(cast, campaign, essay_text(30)).essay
    with pytest.raises(submission.DomainError, match="100"):
        submit(cast, campaign, essay)
    essay = save(cast, campaign, essay_text(120), version=essay.version).essay
    assert submit(cast, campaign, essay).essay.status == Essay.Status.SUBMITTED


def test_an_empty_essay_cannot_be_submitted(cast):
    campaign = make_essay_campaign(cast.province)
    essay = save(cast, campaign, "   ").essay
    with pytest.raises(submission.DomainError):
        submit(cast, campaign, essay)


def test_late_submission_between_deadline_and_cutoff_is_accepted_and_marked_late(cast):
    campaign = make_essay_campaign(cast.province, deadline=dt.timedelta(days=5), cutoff=dt.timedelta(days=8))
    essay = save(cast, campaign, "Nộp muộn").essay
    later = timezone.now() + dt.timedelta(days=6)
    result = submit(cast, campaign, essay, now=later)
    assert result.essay.is_late and result.essay.status == Essay.Status.SUBMITTED


def test_after_the_cutoff_drafts_and_submissions_are_refused(cast):
    campaign = make_essay_campaign(cast.province, deadline=dt.timedelta(days=1), cutoff=dt.timedelta(days=2))
    essay = save(cast, campaign, "Gần hết hạn").essay
    after = timezone.now() + dt.timedelta(days=3)
    with pytest.raises(submission.Closed) as refused:
        submit(cast, campaign, essay, now=after)
    assert "no longer accepted" in refused.value.message or "không còn nhận" in refused.value.message
    with pytest.raises(submission.Closed):
        save(cast, campaign, "Sửa sau hạn", version=1, now=after)
    assert Essay.objects.get().status == Essay.Status.DRAFT


def test_without_a_cutoff_nothing_is_accepted_after_the_deadline(cast):
    campaign = make_essay_campaign(cast.province, deadline=dt.timedelta(days=-1))
    with pytest.raises(submission.Closed):
        save(cast, campaign, "Quá hạn")
    assert not Essay.objects.exists()


def test_a_closed_campaign_accepts_nothing(cast):
    campaign = make_essay_campaign(cast.province)
    essay = save(cast, campaign, "Trước khi kết thúc").essay
    campaign_services.campaign_close(actor=None, campaign=campaign)
    campaign.refresh_from_db()
    with pytest.raises(submission.Closed):
        submit(cast, campaign, essay)


def test_someone_outside_the_audience_cannot_write(cast):
    campaign = make_essay_campaign(cast.committee_b)
    with pytest.raises(submission.NotWritable):
        save(cast, campaign, "Không thuộc đối tượng")


def test_essay_of_a_plan_belongs_to_the_provincial_campaign(cast):
    campaign = make_essay_campaign(cast.province)
    plan = next(
        p
        for p in campaign_services.campaign_cascade(actor=None, campaign=campaign).created
        if p.organisation_id == cast.committee_a.pk
    )
    essay = save(cast, plan, "Viết từ kế hoạch của huyện").essay
    assert essay.campaign_id == campaign.pk


def test_an_exempt_member_may_write_voluntarily(cast):
    campaign = make_essay_campaign(cast.province)
    Exemption.objects.create(campaign=campaign, person=cast.person_a, reason="Tuổi cao, sức yếu")
    [item] = mine.my_campaigns(user=cast.member_a, person=cast.person_a)
    assert item.state == State.EXEMPT and item.can_write and not item.campaign.required
    essay = save(cast, campaign, "Bài viết tự nguyện").essay
    submit(cast, campaign, essay)
    assert Essay.objects.get().status == Essay.Status.SUBMITTED


def test_failed_member_must_restudy_before_a_new_attempt_opens(cast):
    campaign = make_essay_campaign(cast.province)
    failed = make_essay(campaign, cast.person_a, passed=False, released=True)
    with pytest.raises(submission.NotWritable, match="re-study|học lại"):
        save(cast, campaign, "Viết lại ngay", version=0)
    # A re-study session after the grade, attended: a new attempt opens.
    session = make_session(campaign, kind=StudySession.Kind.RESTUDY, days_ago=0.1)
    attend(session, [cast.person_a], Attendance.Status.PRESENT)
    [item] = mine.my_campaigns(user=cast.member_a, person=cast.person_a)
    assert item.state == State.RESTUDIED and item.attempt_number == 2 and item.can_write
    second = save(cast, campaign, "Bài viết lại sau khi học lại", version=0).essay
    assert second.attempt == 2 and second.pk != failed.pk
    submit(cast, campaign, second)
    assert list(Essay.objects.order_by("attempt").values_list("attempt", "status")) == [
        (1, Essay.Status.GRADED),
        (2, Essay.Status.SUBMITTED),
    ]


def test_a_restudy_attempt_is_open_after_the_cutoff_and_never_late(cast):
    campaign = make_essay_campaign(cast.province, deadline=dt.timedelta(days=-10), cutoff=dt.timedelta(days=-5))
    make_essay(
        campaign, cast.person_a, passed=False, released=True, submitted_at=timezone.now() - dt.timedelta(days=12)
    )
    attend(make_session(campaign, kind=StudySession.Kind.RESTUDY, days_ago=0.1), [cast.person_a])
    second = save(cast, campaign, "Viết lại").essay
    result = submit(cast, campaign, second)
    assert result.essay.attempt == 2 and not result.essay.is_late


def test_an_unreleased_failing_grade_does_not_show_and_does_not_block(cast):
    campaign = make_essay_campaign(cast.province)
    make_essay(campaign, cast.person_a, passed=False, released=False)
    [item] = mine.my_campaigns(user=cast.member_a, person=cast.person_a)
    assert item.state == State.SUBMITTED and not item.can_write


def test_person_campaigns_agrees_with_required_people(cast):
    """rules.person_campaigns (the member's side) and rules.required_people (the committee's) agree."""
    kept = make_essay_campaign(cast.province, title="Toàn tỉnh")
    make_essay_campaign(cast.province, title="Không yêu cầu", essay_required=False)
    make_essay_campaign(cast.province, title="Chỉ người ngoài Đảng", include_official=False, include_probationary=False)
    make_essay_campaign(cast.committee_b, title="Sông Cầu")
    mine_ids = set(rules.person_campaigns(cast.person_a).values_list("pk", flat=True))
    assert mine_ids == {kept.pk}
    for campaign in rules.person_campaigns(cast.person_a):
        assert rules.required_people(campaign, cast.province).filter(pk=cast.person_a.pk).exists()
    Person.objects.filter(pk=cast.person_a.pk).update(status=Person.Status.EXCUSED)
    cast.person_a.refresh_from_db()
    assert not rules.person_campaigns(cast.person_a).exists()
