"""Quality figures (essays/quality.py) against a brute-force count made person by person in Python.

The scenario (a provincial campaign asking for an essay; grades on the default scale):

    cell_a   Nguyễn Văn An     attempt 1 on time, Excellent, released
             Trần Thị Bình     attempt 1 late, Fail, released; re-studied; attempt 2 Good (not released)
    cell_a2  Lê Văn Cường      attempt 1 draft
             Đỗ Văn Giang      attempt 1 Fail, released; absent from the re-study session: must re-study
             Mai Văn Long      excused from Party activities, exempt: out of every figure
    cell_b   Phạm Thị Dung     attempt 1 submitted, waiting for a grade
             Hoàng Văn Em      nothing
             Võ Thị Hoa        non-party cadre, nothing
             Bùi Văn Khánh     attempt 1 Fail, NOT released: graded, not failed
             Lý Văn Minh       exempt, wrote voluntarily: Fail, released (must re-study, not required)
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.utils import timezone

from campaigns import participation
from campaigns.models import Attendance, StudySession
from campaigns.tests.factories import attend, make_campaign, make_session
from essays import quality, rules
from essays.models import Essay, Exemption
from essays.quality import Figures, Show
from essays.tests.factories import make_essay, make_essay_campaign
from organisations.models import Person
from organisations.tests.factories import PersonFactory

G = Essay.Status


@pytest.fixture
def scenario(cast):
    now = timezone.now()
    campaign = make_essay_campaign(cast.province, deadline=-dt.timedelta(days=3))
    levels = rules.ensure_scale(campaign)
    excellent, good, fail = levels[0], levels[1], levels[4]  # Xuất sắc, Tốt, Không đạt
    people = {p.full_name.split()[-1]: p for p in Person.objects.all()}
    giang = PersonFactory(full_name="Đỗ Văn Giang", organisation=cast.cell_a2)
    long_ = PersonFactory(full_name="Mai Văn Long", organisation=cast.cell_a2, status=Person.Status.EXCUSED)
    khanh = PersonFactory(full_name="Bùi Văn Khánh", organisation=cast.cell_b)
    minh = PersonFactory(full_name="Lý Văn Minh", organisation=cast.cell_b)
    people.update(Giang=giang, Long=long_, Khánh=khanh, Minh=minh)
    for person in (long_, minh):
        Exemption.objects.create(campaign=campaign, person=person, reason="Tuổi cao, sức yếu")

    def graded(person, grade, *, attempt=1, released=True, late=False, days_ago=6):
        return make_essay(
            campaign, person, attempt=attempt, status=G.GRADED, grade=grade, is_late=late,
            graded_at=now - dt.timedelta(days=days_ago), passed=grade.passing, released=released,
        )  # fmt: skip

    graded(people["An"], excellent)
    graded(people["Bình"], fail, late=True)
    make_essay(campaign, people["Bình"], attempt=2, grade=good, passed=True, graded_at=now)
    make_essay(campaign, people["Cường"])
    graded(giang, fail)
    make_essay(campaign, people["Dung"], status=G.SUBMITTED)
    graded(khanh, fail, released=False)
    graded(minh, fail)
    restudy = make_session(campaign, cast.province, kind=StudySession.Kind.RESTUDY, days_ago=3)
    attend(restudy, [people["Bình"]])
    attend(restudy, [giang], Attendance.Status.ABSENT)
    return {"campaign": campaign, "levels": levels, "people": people, "frame": participation.frame_of(campaign)}


def brute_force(frame, org, levels) -> Figures:
    """The figures worked out person by person, from each person's rows (the slow, obvious way)."""
    root = frame.campaign
    counts = Counter()
    grades = Counter()
    index = {lv.pk: i for i, lv in enumerate(levels)}
    for person in participation.expected_people(frame, org):
        attempts = list(Essay.objects.filter(campaign=root, person=person).select_related("grade").order_by("attempt"))
        exempt = Exemption.objects.filter(campaign=root, person=person).exists()
        state = rules.person_state(root, person).state
        failing = [a for a in attempts if a.status == G.GRADED and a.released_at and not a.grade.passing]
        restudied = any(
            Attendance.objects.filter(
                person=person, session__kind="restudy", session__starts_at__gte=a.graded_at,
                status__in=participation.STUDIED_STATUSES,
            ).exists()
            for a in failing
        )  # fmt: skip
        counts["failed"] += bool(failing)
        counts["restudied"] += restudied
        counts["must_restudy"] += state == rules.State.MUST_RESTUDY
        submitted = bool(attempts) and attempts[0].status != G.DRAFT
        if exempt:
            counts["exempt"] += 1
            counts["voluntary"] += submitted
            continue
        counts["required"] += 1
        counts["submitted"] += submitted
        counts["on_time"] += submitted and not attempts[0].is_late
        last_graded = [a for a in attempts if a.status == G.GRADED]
        if last_graded:
            counts["graded"] += 1
            counts["passed"] += last_graded[-1].grade.passing
            grades[index[last_graded[-1].grade_id]] += 1
    return Figures(grades=tuple(grades[i] for i in range(len(levels))), **counts)


def test_province_figures_match_the_hand_count(cast, scenario):
    figures = quality.figures(scenario["frame"], cast.province, scenario["levels"])
    # Required: An, Bình, Cường, Giang, Dung, Em, Hoa, Khánh (Long excused, Minh exempt).
    assert figures.required == 8
    assert (figures.submitted, figures.on_time, figures.late) == (5, 4, 1)  # An, Bình (late), Giang, Dung, Khánh
    assert figures.not_submitted == 3  # Cường (draft), Em, Hoa
    assert figures.graded == 4  # An, Bình (attempt 2), Giang, Khánh
    assert figures.grades == (1, 1, 0, 0, 2)  # Xuất sắc An, Tốt Bình, Không đạt Giang and Khánh
    assert figures.passed == 2 and figures.waiting == 1  # Dung waits
    assert (figures.failed, figures.must_restudy, figures.restudied) == (3, 2, 1)  # Bình, Giang, Minh
    assert (figures.exempt, figures.voluntary) == (1, 1)


def test_figures_equal_the_brute_force_count_at_every_level(cast, scenario):
    frame, levels = scenario["frame"], scenario["levels"]
    for org in (cast.province, cast.committee_a, cast.grassroots_a, cast.cell_a, cast.cell_a2, cast.committee_b,
                cast.cell_b):  # fmt: skip
        assert quality.figures(frame, org, levels) == brute_force(frame, org, levels), org.name


def test_breakdown_is_two_queries_and_each_child_matches_the_brute_force(cast, scenario, django_assert_num_queries):
    frame, levels = scenario["frame"], scenario["levels"]
    with django_assert_num_queries(2):  # the essays' grouped query, participation's grouped query
        result = quality.breakdown(frame, cast.province, [cast.committee_a, cast.committee_b], levels)
    assert [row.figures for row in result.rows] == [
        brute_force(frame, cast.committee_a, levels),
        brute_force(frame, cast.committee_b, levels),
    ]
    assert result.total == brute_force(frame, cast.province, levels)
    assert result.own == Figures(grades=(0,) * 5)
    # Participation beside: An and Bình attended nothing counting (re-study does not count).
    assert [(r.participation.expected, r.participation.studied) for r in result.rows] == [(4, 0), (5, 0)]


def test_people_directly_in_an_organisation_are_its_own_row(cast, scenario):
    frame, levels = scenario["frame"], scenario["levels"]
    PersonFactory(full_name="Phan Văn Quang", organisation=cast.grassroots_a)
    result = quality.breakdown(frame, cast.grassroots_a, [cast.cell_a, cast.cell_a2], levels)
    assert result.own.required == 1 and result.total.required == 5


def test_the_sums_of_the_children_are_the_total(cast, scenario):
    frame, levels = scenario["frame"], scenario["levels"]
    result = quality.breakdown(frame, cast.province, [cast.committee_a, cast.committee_b], levels)
    assert result.rows[0].figures + result.rows[1].figures + result.own == result.total


def test_must_restudy_in_sql_is_the_state_of_the_member_page(cast, scenario):
    root = scenario["campaign"]
    in_sql = set(Person.objects.filter(rules.must_restudy_exists(root)).values_list("full_name", flat=True))
    by_state = {p.full_name for p in Person.objects.all() if rules.person_state(root, p).state == "must_restudy"}
    assert in_sql == by_state == {"Đỗ Văn Giang", "Lý Văn Minh"}


def test_names_behind_each_figure(cast, scenario):
    frame = scenario["frame"]

    def names(show):
        return [p.full_name for p in quality.people(frame, cast.province, show)]

    assert names(Show.NOT_SUBMITTED) == ["Lê Văn Cường", "Hoàng Văn Em", "Võ Thị Hoa"]
    assert names(Show.LATE) == ["Trần Thị Bình"]
    assert names(Show.WAITING) == ["Phạm Thị Dung"]
    assert names(Show.FAILED) == ["Trần Thị Bình", "Đỗ Văn Giang", "Lý Văn Minh"]
    assert names(Show.MUST_RESTUDY) == ["Đỗ Văn Giang", "Lý Văn Minh"]
    assert names(Show.RESTUDIED) == ["Trần Thị Bình"]
    assert names(Show.EXEMPT) == ["Lý Văn Minh"]
    assert len(names(Show.ALL)) == 9


def test_names_carry_the_state_grade_and_re_study_date(cast, scenario):
    rows = list(quality.people(scenario["frame"], cast.province, Show.FAILED))
    quality.label_rows(rows)
    by_name = {r.full_name: r for r in rows}
    assert by_name["Trần Thị Bình"].state == rules.State.SUBMITTED  # attempt 2 graded, not released
    assert by_name["Trần Thị Bình"].grade_label == scenario["levels"][1].label  # Tốt
    assert by_name["Trần Thị Bình"].restudied_on is not None
    assert by_name["Đỗ Văn Giang"].state == rules.State.MUST_RESTUDY and by_name["Đỗ Văn Giang"].restudied_on is None


def test_a_campaign_without_essay_has_empty_figures(cast):
    campaign = make_campaign(cast.province, essay_required=False)
    frame = participation.frame_of(campaign)
    assert quality.figures(frame, cast.province, []) == Figures()
    assert not quality.people(frame, cast.province, Show.ALL).exists()
