"""Grading services: grades with their history, concurrent graders, releases per organisation, the scale."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone

from campaigns.models import StudySession
from campaigns.services import ChildRow
from campaigns.tests.factories import attend, make_session
from essays import grading, rules
from essays.models import Criterion, Essay, GradeChange, GradeLevel, GradeRelease
from essays.rules import State
from essays.tests.factories import make_essay, make_essay_campaign
from organisations import access
from organisations.models import AuditEntry, RoleGrant
from organisations.tests.factories import PersonFactory, UserFactory, grant
from portal.lib.errors import DomainError

S = Essay.Status


@pytest.fixture
def campaign(cast):
    return make_essay_campaign(cast.province, title="Học tập Kết luận 21-KL/TW")


def levels(campaign):
    scale = rules.ensure_scale(campaign)
    return {level.label: level for level in scale}


def best(campaign) -> GradeLevel:
    return rules.ensure_scale(campaign)[0]


def failing(campaign) -> GradeLevel:
    return next(level for level in rules.ensure_scale(campaign) if not level.passing)


def submitted(campaign, person, **fields) -> Essay:
    return make_essay(campaign, person, status=S.SUBMITTED, **fields)


# --------------------------------------------------------------------------------------------
# Grading one essay
# --------------------------------------------------------------------------------------------


def test_grader_grades_a_submitted_essay_with_a_history_row_and_an_audit_entry(cast, campaign):
    essay = submitted(campaign, cast.person_a)
    result = grading.grade(actor=cast.officer_a, essay=essay, grade=best(campaign), comment="Bài viết sâu sắc.")
    essay.refresh_from_db()
    assert (essay.status, essay.grade, essay.graded_by, essay.grade_comment) == (
        S.GRADED,
        best(campaign),
        cast.officer_a,
        "Bài viết sâu sắc.",
    )
    assert essay.graded_at is not None and essay.released_at is None
    change = GradeChange.objects.get(essay=essay)
    assert (change.from_grade, change.to_grade, change.after_release, change.changed_by) == (
        None,
        best(campaign),
        False,
        cast.officer_a,
    )
    assert result.change == change and not result.repeated
    entry = AuditEntry.objects.get(action=grading.GRADE_ACTION)
    assert (entry.actor, entry.target_id, entry.organisation) == (cast.officer_a, str(essay.pk), cast.cell_a)
    assert entry.changes["grade"] == [None, best(campaign).label]


def test_a_draft_cannot_be_graded(cast, campaign):
    essay = make_essay(campaign, cast.person_a)
    with pytest.raises(DomainError):
        grading.grade(actor=cast.officer_a, essay=essay, grade=best(campaign), comment="")
    assert not GradeChange.objects.exists()


def test_a_failing_grade_needs_a_comment(cast, campaign):
    essay = submitted(campaign, cast.person_a)
    with pytest.raises(DomainError) as caught:
        grading.grade(actor=cast.officer_a, essay=essay, grade=failing(campaign), comment="  ")
    assert caught.value.field == "comment"
    essay.refresh_from_db()
    assert essay.status == S.SUBMITTED


def test_a_grade_from_another_campaigns_scale_is_refused(cast, campaign):
    other = make_essay_campaign(cast.province, title="Đợt khác")
    essay = submitted(campaign, cast.person_a)
    with pytest.raises(DomainError):
        grading.grade(actor=cast.officer_a, essay=essay, grade=best(other))


def test_notes_are_kept_only_for_the_campaigns_criteria(cast, campaign):
    criterion = Criterion.objects.create(campaign=campaign, title="Liên hệ thực tiễn địa phương")
    essay = submitted(campaign, cast.person_a)
    grading.grade(
        actor=cast.officer_a,
        essay=essay,
        grade=best(campaign),
        notes={criterion.pk: " Có liên hệ cụ thể. ", 999999: "lạc đề", str(criterion.pk + 1): ""},
    )
    essay.refresh_from_db()
    assert essay.criteria_notes == {str(criterion.pk): "Có liên hệ cụ thể."}


def test_sending_the_same_grade_twice_changes_nothing(cast, campaign):
    essay = submitted(campaign, cast.person_a)
    token = grading.state_token(essay)
    grading.grade(actor=cast.officer_a, essay=essay, grade=best(campaign), comment="Tốt.", expected_state=token)
    again = grading.grade(actor=cast.officer_a, essay=essay, grade=best(campaign), comment="Tốt.", expected_state=token)
    assert again.repeated
    assert GradeChange.objects.filter(essay=essay).count() == 1
    assert AuditEntry.objects.filter(action__startswith="essay_grade").count() == 1


def test_an_officer_without_the_grading_right_cannot_grade(cast, campaign):
    reader = UserFactory(username="officer_no_grade")
    grant(reader, cast.committee_a, RoleGrant.Role.OFFICER, can_grade=False)
    essay = submitted(campaign, cast.person_a)
    with pytest.raises(PermissionDenied):
        grading.grade(actor=reader, essay=essay, grade=best(campaign))
    with pytest.raises(PermissionDenied):
        grading.grade(actor=cast.officer_b, essay=essay, grade=best(campaign))  # another committee
    assert not GradeChange.objects.exists()


def test_nobody_grades_the_essays_of_their_own_cell(cast, campaign):
    """A grader who is also a member of cell_a never gets cell_a's essays: not in the queue, not by URL."""
    grader = UserFactory(username="grader_in_cell_a")
    PersonFactory(full_name="Đặng Văn Giang", organisation=cast.cell_a, user=grader)
    grant(grader, cast.committee_a, RoleGrant.Role.OFFICER, can_grade=True)
    own_cell = submitted(campaign, cast.person_a)
    next_cell = submitted(campaign, cast.person_a2)
    queue = grading.queue(grader, grading.QueueFilters())
    assert list(queue) == [next_cell]
    with pytest.raises(PermissionDenied):
        grading.grade(actor=grader, essay=own_cell, grade=best(campaign))
    grading.grade(actor=grader, essay=next_cell, grade=best(campaign))
    assert Essay.objects.get(pk=next_cell.pk).graded_by == grader


def test_a_later_attempt_blocks_grading_the_earlier_one(cast, campaign):
    first = make_essay(campaign, cast.person_a, passed=False, released=True, grade_comment="Chưa đạt.")
    make_essay(campaign, cast.person_a, attempt=2, status=S.SUBMITTED)
    with pytest.raises(DomainError):
        grading.grade(actor=cast.officer_a, essay=first, grade=best(campaign))


# --------------------------------------------------------------------------------------------
# Two graders at once
# --------------------------------------------------------------------------------------------


def test_the_second_grader_sees_the_first_grade_instead_of_overwriting_it(cast, campaign):
    essay = submitted(campaign, cast.person_a)
    seen = grading.state_token(essay)  # both graders opened the page before either saved
    grading.grade(actor=cast.officer_a, essay=essay, grade=best(campaign), comment="Xuất sắc.", expected_state=seen)
    fail = failing(campaign)
    with pytest.raises(grading.GradeConflict) as caught:
        grading.grade(actor=cast.staff, essay=essay, grade=fail, comment="Sơ sài.", expected_state=seen)
    current = caught.value.essay
    assert (current.grade, current.graded_by) == (best(campaign), cast.officer_a)
    assert "officer_a" in caught.value.message or cast.officer_a.get_full_name() in caught.value.message
    essay.refresh_from_db()
    assert essay.grade == best(campaign) and GradeChange.objects.filter(essay=essay).count() == 1
    # Having seen it, the second grader may replace it deliberately.
    grading.grade(
        actor=cast.staff, essay=essay, grade=fail, comment="Sơ sài.", expected_state=grading.state_token(current)
    )
    essay.refresh_from_db()
    assert (essay.grade, essay.graded_by) == (fail, cast.staff)
    assert [c.to_grade for c in grading.history(essay)] == [best(campaign), fail]


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs two concurrent writers: the in-memory SQLite test database has table locks instead",
)
@pytest.mark.django_db(transaction=True)
def test_two_graders_saving_at_the_same_moment_one_wins_the_other_sees_it(cast):
    import threading

    from django.db import connections

    campaign = make_essay_campaign(cast.province)
    essay = submitted(campaign, cast.person_a)
    scale = rules.ensure_scale(campaign)
    seen = grading.state_token(essay)
    wanted = {"officer_a": (scale[0], "Rất tốt."), "staff": (scale[-1], "Chưa đạt yêu cầu.")}
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def save(who: str) -> None:
        try:
            barrier.wait()
            level, comment = wanted[who]
            grading.grade(actor=getattr(cast, who), essay=essay, grade=level, comment=comment, expected_state=seen)
            outcomes[who] = "saved"
        except grading.GradeConflict:
            outcomes[who] = "conflict"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=(who,)) for who in wanted]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes.values()) == ["conflict", "saved"], outcomes
    winner = next(who for who, outcome in outcomes.items() if outcome == "saved")
    essay.refresh_from_db()
    assert essay.grade == wanted[winner][0] and essay.graded_by == getattr(cast, winner)
    assert GradeChange.objects.filter(essay=essay).count() == 1


# --------------------------------------------------------------------------------------------
# Changing a grade after release
# --------------------------------------------------------------------------------------------


def test_changing_a_released_grade_keeps_the_history_and_shows_the_member_the_change(cast, campaign):
    essay = submitted(campaign, cast.person_a)
    grading.grade(actor=cast.officer_a, essay=essay, grade=best(campaign), comment="Tốt.")
    grading.release(actor=cast.officer_a, campaign=campaign, organisation=cast.committee_a)
    essay.refresh_from_db()
    released_at = essay.released_at
    assert rules.person_state(campaign, cast.person_a).state == State.PASSED

    grading.grade(actor=cast.staff, essay=essay, grade=failing(campaign), comment="Sao chép bài của người khác.")
    essay.refresh_from_db()
    assert essay.released_at == released_at  # still released: the member sees the current grade at once
    assert rules.person_state(campaign, cast.person_a).state == State.MUST_RESTUDY
    first, second = grading.history(essay)
    assert (first.after_release, second.after_release) == (False, True)
    assert (second.from_grade, second.to_grade) == (best(campaign), failing(campaign))
    assert grading.changed_after_release([essay.pk]) == {essay.pk: second}
    entry = AuditEntry.objects.get(action=grading.REGRADE_ACTION)
    assert entry.changes["after_release"] is True


def test_correcting_only_the_comments_keeps_a_restudy_counting(cast, campaign):
    """graded_at moves only with the grade: a re-study attended after the failing grade still counts."""
    essay = submitted(campaign, cast.person_a)
    grading.grade(
        actor=cast.officer_a,
        essay=essay,
        grade=failing(campaign),
        comment="Sơ sài.",
        now=timezone.now() - dt.timedelta(days=3),
    )
    grading.release(actor=cast.officer_a, campaign=campaign, organisation=cast.committee_a)
    session = make_session(campaign, kind=StudySession.Kind.RESTUDY, days_ago=1)
    attend(session, [cast.person_a])
    assert rules.person_state(campaign, cast.person_a).state == State.RESTUDIED
    grading.grade(actor=cast.officer_a, essay=essay, grade=failing(campaign), comment="Sơ sài, thiếu liên hệ bản thân.")
    assert rules.person_state(campaign, cast.person_a).state == State.RESTUDIED
    assert GradeChange.objects.filter(essay=essay).count() == 2


# --------------------------------------------------------------------------------------------
# Releasing
# --------------------------------------------------------------------------------------------


def test_release_publishes_every_graded_essay_under_the_organisation_at_once(cast, campaign):
    a = make_essay(campaign, cast.person_a, passed=True)
    a2 = make_essay(campaign, cast.person_a2, passed=False, grade_comment="Chưa đạt.")
    b = make_essay(campaign, cast.person_b, passed=True)
    waiting = submitted(campaign, PersonFactory(full_name="Bùi Thị Hạnh", organisation=cast.cell_a))
    row = grading.release(actor=cast.officer_a, campaign=campaign, organisation=cast.committee_a)
    assert row is not None and (row.essays, row.organisation, row.released_by) == (2, cast.committee_a, cast.officer_a)
    released = set(Essay.objects.filter(released_at__isnull=False).values_list("pk", flat=True))
    assert released == {a.pk, a2.pk}
    assert Essay.objects.get(pk=b.pk).released_at is None and Essay.objects.get(pk=waiting.pk).released_at is None
    assert rules.person_state(campaign, cast.person_a2).state == State.MUST_RESTUDY
    entry = AuditEntry.objects.get(action=grading.RELEASE_ACTION)
    assert (entry.organisation, entry.changes["essays"]) == (cast.committee_a, [None, 2])


def test_releasing_twice_is_harmless(cast, campaign):
    make_essay(campaign, cast.person_a, passed=True)
    assert grading.release(actor=cast.officer_a, campaign=campaign, organisation=cast.cell_a) is not None
    assert grading.release(actor=cast.officer_a, campaign=campaign, organisation=cast.cell_a) is None
    assert GradeRelease.objects.count() == 1
    assert AuditEntry.objects.filter(action=grading.RELEASE_ACTION).count() == 1


def test_release_needs_the_committee_right_on_that_organisation(cast, campaign):
    make_essay(campaign, cast.person_a, passed=True)
    for actor, where in (
        (cast.secretary_a, cast.cell_a),
        (cast.officer_b, cast.committee_a),
        (cast.member_a, cast.cell_a),
    ):
        with pytest.raises(PermissionDenied):
            grading.release(actor=actor, campaign=campaign, organisation=where)
    assert not Essay.objects.filter(released_at__isnull=False).exists()


def test_a_plan_releases_its_provincial_campaigns_essays(cast, campaign):
    from campaigns import services

    plan = next(
        p
        for p in services.campaign_cascade(actor=None, campaign=campaign).created
        if p.organisation_id == cast.committee_a.pk
    )
    make_essay(campaign, cast.person_a, passed=True)
    row = grading.release(actor=cast.officer_a, campaign=plan, organisation=cast.committee_a)
    assert row is not None and row.campaign == campaign


def test_release_rows_count_per_child_in_two_queries(cast, campaign, django_assert_num_queries):
    make_essay(campaign, cast.person_a, passed=True)
    submitted(campaign, cast.person_a2)
    make_essay(campaign, cast.person_b, passed=True, released=True)
    with django_assert_num_queries(2):
        total, rows = grading.release_rows(campaign, cast.province, [cast.committee_a, cast.committee_b])
    assert (total.to_release, total.ungraded, total.released) == (1, 1, 1)
    assert [(r.organisation, r.to_release, r.ungraded, r.released) for r in rows] == [
        (cast.committee_a, 1, 1, 0),
        (cast.committee_b, 0, 0, 1),
    ]


# --------------------------------------------------------------------------------------------
# The scale and criteria
# --------------------------------------------------------------------------------------------


def rows_of(campaign, **changes):
    return [
        ChildRow(
            fields={"label": lv.label, "order": lv.order, "passing": lv.passing, **changes.get(lv.label, {})}, pk=lv.pk
        )
        for lv in rules.ensure_scale(campaign)
    ]


def test_a_grade_given_to_essays_can_be_renamed_but_not_removed_or_flipped(cast, campaign):
    scale = levels(campaign)
    pass_label = next(label for label, lv in scale.items() if lv.passing and lv.order == 3)
    essay = make_essay(campaign, cast.person_a, status=S.SUBMITTED)
    grading.grade(actor=cast.officer_a, essay=essay, grade=scale[pass_label])
    grading.scale_save(
        actor=cast.staff, campaign=campaign, rows=rows_of(campaign, **{pass_label: {"label": "Trung bình"}})
    )
    assert GradeLevel.objects.get(pk=scale[pass_label].pk).label == "Trung bình"
    with pytest.raises(DomainError):
        grading.scale_save(
            actor=cast.staff, campaign=campaign, rows=[ChildRow(fields={}, pk=scale[pass_label].pk, delete=True)]
        )
    with pytest.raises(DomainError):
        grading.scale_save(
            actor=cast.staff, campaign=campaign, rows=rows_of(campaign, **{"Trung bình": {"passing": False}})
        )
    assert GradeLevel.objects.get(pk=scale[pass_label].pk).passing is True
    assert AuditEntry.objects.filter(action=grading.SCALE_ACTION).count() == 1


def test_a_scale_keeps_a_passing_grade_and_unique_names(cast, campaign):
    scale = rules.ensure_scale(campaign)
    with pytest.raises(DomainError):
        grading.scale_save(
            actor=cast.staff,
            campaign=campaign,
            rows=[ChildRow(fields={}, pk=lv.pk, delete=True) for lv in scale if lv.passing],
        )
    with pytest.raises(DomainError):
        grading.scale_save(
            actor=cast.staff,
            campaign=campaign,
            rows=[ChildRow(fields={"label": scale[0].label, "order": 9, "passing": True})],
        )
    assert GradeLevel.objects.filter(campaign=campaign).count() == len(scale)


def test_criteria_are_added_changed_and_removed_with_an_audit_entry(cast, campaign):
    grading.criteria_save(
        actor=cast.staff,
        campaign=campaign,
        rows=[
            ChildRow(fields={"title": "Nhận thức về Kết luận", "description": "", "order": 0}),
            ChildRow(fields={"title": "Liên hệ bản thân", "description": "Cụ thể, thiết thực", "order": 1}),
        ],
    )
    first, second = Criterion.objects.filter(campaign=campaign).order_by("order")
    grading.criteria_save(
        actor=cast.staff,
        campaign=campaign,
        rows=[
            ChildRow(fields={"title": "Nhận thức", "description": "", "order": 0}, pk=first.pk),
            ChildRow(fields={}, pk=second.pk, delete=True),
        ],
    )
    assert list(Criterion.objects.filter(campaign=campaign).values_list("title", flat=True)) == ["Nhận thức"]
    assert AuditEntry.objects.filter(action=grading.CRITERIA_ACTION).count() == 2


def test_a_plan_has_no_scale_of_its_own(cast, campaign):
    from campaigns import services

    plan = services.campaign_cascade(actor=None, campaign=campaign).created[0]
    with pytest.raises(DomainError):
        grading.scale_save(actor=cast.staff, campaign=plan, rows=[ChildRow(fields={"label": "Đạt", "passing": True})])


def test_access_scope_is_what_the_queue_uses(cast, campaign):
    """Sanity: the queue is access.visible(GRADE) minus drafts."""
    submitted(campaign, cast.person_a)
    make_essay(campaign, cast.person_a2)  # a draft
    submitted(campaign, cast.person_b)
    mine = access.visible(Essay.objects.exclude(status=S.DRAFT), cast.officer_a, access.Action.GRADE)
    assert (
        set(grading.queue(cast.officer_a, grading.QueueFilters()))
        == set(mine)
        == {Essay.objects.get(person=cast.person_a)}
    )
