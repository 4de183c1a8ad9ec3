"""Participation figures on the cast, against numbers worked out by hand.

The scenario (a provincial campaign cascaded to both committees):

    cell_a   Nguyễn Văn An      present at committee_a's session (point grassroots_a) AND at the provincial one
             Trần Thị Bình      absent (sick) at committee_a's session
    cell_a2  Lê Văn Cường       absent at committee_a's session, present at the make-up session
             Đỗ Văn Giang       EXCUSED from Party activities, present anyway
    cell_b   Phạm Thị Dung      present only at a RE-STUDY session
             Hoàng Văn Em       present at committee_b's plan session
             Võ Thị Hoa         non-party cadre, "attended at another point"
             Bùi Văn Khánh      TRANSFERRED OUT (present: still out of everything)
             Mai Văn Long       DECEASED

    province:     expected 6, studied 4 (An, Cường, Em, Hoa), excused 1 (Giang)
    committee_a:  expected 3, studied 2, excused 1      committee_b: expected 3, studied 2, excused 0
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from campaigns import participation, services
from campaigns.models import Attendance, StudySession
from campaigns.participation import Figures
from campaigns.tests.factories import attend, make_campaign, make_session
from organisations.models import Person
from organisations.tests.factories import PersonFactory

A = Attendance.Status


@pytest.fixture
def scenario(cast):
    giang = PersonFactory(full_name="Đỗ Văn Giang", organisation=cast.cell_a2, status=Person.Status.EXCUSED)
    khanh = PersonFactory(full_name="Bùi Văn Khánh", organisation=cast.cell_b, status=Person.Status.TRANSFERRED_OUT)
    PersonFactory(full_name="Mai Văn Long", organisation=cast.cell_b, status=Person.Status.DECEASED)
    people = {p.full_name.split()[-1]: p for p in Person.objects.all()}
    campaign = make_campaign(cast.province)
    plans = {p.organisation_id: p for p in services.campaign_cascade(actor=None, campaign=campaign).created}
    plan_a, plan_b = plans[cast.committee_a.pk], plans[cast.committee_b.pk]
    provincial = make_session(campaign, cast.province, days_ago=8, points=[cast.committee_a])
    session_a = make_session(plan_a, cast.committee_a, days_ago=5, points=[cast.grassroots_a])
    makeup_a = make_session(plan_a, cast.committee_a, kind=StudySession.Kind.MAKEUP, days_ago=3)
    session_b = make_session(plan_b, cast.committee_b, days_ago=5)
    restudy_b = make_session(plan_b, cast.committee_b, kind=StudySession.Kind.RESTUDY, days_ago=1)
    point_a = session_a.points.get()
    attend(provincial, [people["An"]], point=provincial.points.get())
    attend(session_a, [people["An"]], point=point_a)
    attend(session_a, [people["Bình"], people["Cường"]], A.ABSENT)
    attend(session_a, [giang, khanh])
    attend(makeup_a, [people["Cường"]])
    attend(restudy_b, [people["Dung"]])
    attend(session_b, [people["Em"]])
    attend(session_b, [people["Hoa"]], A.ELSEWHERE)
    return {
        "campaign": campaign,
        "plan_a": plan_a,
        "plan_b": plan_b,
        "people": people,
        "giang": giang,
        "session_a": session_a,
        "session_b": session_b,
        "makeup_a": makeup_a,
    }


def test_province_figures_count_each_person_once_and_leave_excused_out(cast, scenario):
    frame = participation.frame_of(scenario["campaign"])
    assert participation.figures(frame, cast.province) == Figures(expected=6, studied=4, excused=1)
    assert participation.figures(frame, cast.province).rate == Decimal(4) / Decimal(6)


def test_breakdown_by_committee_is_one_query(cast, scenario, django_assert_num_queries):
    frame = participation.frame_of(scenario["campaign"])
    with django_assert_num_queries(1):
        result = participation.breakdown(frame, cast.province, [cast.committee_a, cast.committee_b])
    assert [(r.organisation, r.figures) for r in result.rows] == [
        (cast.committee_a, Figures(3, 2, 1)),
        (cast.committee_b, Figures(3, 2, 0)),
    ]
    assert result.total == Figures(6, 4, 1)
    assert result.own == Figures()


def test_breakdown_by_cell_under_a_grassroots_organisation(cast, scenario):
    frame = participation.frame_of(scenario["campaign"])
    rows = participation.breakdown(frame, cast.grassroots_a, [cast.cell_a, cast.cell_a2]).rows
    assert [r.figures for r in rows] == [Figures(2, 1, 0), Figures(1, 1, 1)]


def test_a_plan_counts_its_own_committee_with_the_whole_familys_sessions(cast, scenario):
    frame = participation.frame_of(scenario["plan_a"])
    # An also attended the provincial session; the plan counts it, once.
    assert participation.figures(frame, cast.committee_a) == Figures(3, 2, 1)
    assert participation.figures(frame, cast.province) == Figures(3, 2, 1)  # nothing of committee_b
    assert participation.figures(frame, cast.committee_b) == Figures()


def test_makeup_session_counts_and_restudy_does_not(cast, scenario):
    frame = participation.frame_of(scenario["campaign"])
    names = {p.full_name for p in participation.not_studied(frame, cast.province)}
    assert "Lê Văn Cường" not in names  # make-up
    assert "Phạm Thị Dung" in names  # re-study only


def test_not_studied_lists_names_with_their_recorded_absence(cast, scenario):
    frame = participation.frame_of(scenario["campaign"])
    rows = [(p.full_name, p.last_status, p.last_reason) for p in participation.not_studied(frame, cast.province)]
    # Dung was seen only at a re-study session: nothing recorded at a session that counts.
    assert rows == [("Trần Thị Bình", "absent", "sick"), ("Phạm Thị Dung", None, None)]


def test_excused_people_are_listed_apart_and_transferred_or_deceased_nowhere(cast, scenario):
    frame = participation.frame_of(scenario["campaign"])
    assert [p.full_name for p in participation.excused_people(frame, cast.province)] == ["Đỗ Văn Giang"]
    everyone = {p.full_name for p in participation.participants(frame, cast.province)}
    assert not everyone & {"Bùi Văn Khánh", "Mai Văn Long"}


def test_person_kinds_not_included_are_not_expected(cast, scenario):
    campaign = scenario["campaign"]
    services.campaign_update(actor=None, campaign=campaign, include_non_party=False)
    frame = participation.frame_of(campaign)
    assert participation.figures(frame, cast.committee_b) == Figures(2, 1, 0)  # Hoa is a non-party cadre


def test_a_campaign_for_part_of_the_tree_expects_nobody_elsewhere(cast):
    campaign = make_campaign(cast.province, audience=[cast.cell_a])
    frame = participation.frame_of(campaign)
    assert participation.figures(frame, cast.province) == Figures(2, 0, 0)
    assert participation.figures(frame, cast.committee_b) == Figures()
    assert frame.covers(cast.committee_a) and frame.covers(cast.cell_a) and not frame.covers(cast.cell_a2)


def test_completion_counts_committees_and_grassroots_that_held_their_session(cast, scenario):
    frame = participation.frame_of(scenario["campaign"])
    result = participation.breakdown(frame, cast.province, [cast.committee_a, cast.committee_b])
    children, grassroots = participation.completion(frame, cast.province, result.rows)
    assert [(c.kind, c.held, c.total) for c in children] == [("committee", 2, 2)]
    assert (grassroots.held, grassroots.total) == (2, 2)


def test_a_session_still_to_come_is_not_held(cast):
    campaign = make_campaign(cast.province)
    make_session(campaign, cast.committee_a, days_ago=-2)
    frame = participation.frame_of(campaign)
    result = participation.breakdown(frame, cast.province, [cast.committee_a, cast.committee_b])
    children, grassroots = participation.completion(frame, cast.province, result.rows)
    assert [(c.held, c.total) for c in children] == [(0, 2)]
    assert (grassroots.held, grassroots.total) == (0, 2)


def test_cells_completion_under_a_grassroots_organisation(cast, scenario):
    frame = participation.frame_of(scenario["campaign"])
    result = participation.breakdown(frame, cast.grassroots_a, [cast.cell_a, cast.cell_a2])
    children, grassroots = participation.completion(frame, cast.grassroots_a, result.rows)
    # A point at grassroots_a counts for grassroots_a, not for the cells under it: each cell held its
    # session because someone of it studied.
    assert [(c.kind, c.held, c.total) for c in children] == [("cell", 2, 2)]
    assert (grassroots.held, grassroots.total) == (1, 1)


# Flags -------------------------------------------------------------------------------------


def _flags(campaign, org, **kw):
    frame = participation.frame_of(campaign)
    return {u.name: u for u in participation.flagged_units(frame, org, **kw)}


def test_a_cell_below_target_is_flagged_to_the_committee_above(cast, scenario):
    flags = _flags(scenario["campaign"], cast.province)
    # cell_a 1/2 = 50 %, cell_b 2/3 = 66.7 %: below 90 %. cell_a2 1/1 is not.
    assert set(flags) == {cast.cell_a.name, cast.cell_b.name}
    assert flags[cast.cell_a.name].below_target and flags[cast.cell_a.name].no_attendance_since is None
    assert flags[cast.cell_a.name].above == cast.committee_a
    assert flags[cast.cell_b.name].above == cast.committee_b
    assert _flags(scenario["campaign"], cast.committee_a)[cast.cell_a.name].above == cast.grassroots_a


def test_a_cell_without_attendance_is_flagged_48_hours_after_its_session(cast):
    campaign = make_campaign(cast.province)
    session = make_session(campaign, cast.committee_a, days_ago=3, hours=2)
    attend(session, list(Person.objects.filter(organisation=cast.cell_a)))
    flags = _flags(campaign, cast.province)
    assert set(flags) == {cast.cell_a2.name}  # committee_b's people are in no session yet
    assert flags[cast.cell_a2.name].no_attendance_since == session.ends_at
    assert not flags[cast.cell_a2.name].below_target


def test_no_flag_before_48_hours_have_passed(cast):
    campaign = make_campaign(cast.province)
    session = make_session(campaign, cast.committee_a, days_ago=1, hours=2)
    attend(session, list(Person.objects.filter(organisation=cast.cell_a)))
    assert _flags(campaign, cast.province) == {}
    later = timezone.now() + dt.timedelta(days=2)
    assert set(_flags(campaign, cast.province, now=later)) == {cast.cell_a2.name}


def test_a_session_reaches_the_cells_under_its_connection_points(cast):
    campaign = make_campaign(cast.province)
    make_session(campaign, cast.province, days_ago=4, points=[cast.grassroots_b], format=StudySession.Format.ONLINE)
    # The session is organised by the province: it includes everyone, whatever its points.
    assert set(_flags(campaign, cast.province)) == {cast.cell_a.name, cast.cell_a2.name, cast.cell_b.name}
    other = make_campaign(cast.province, title="Khác")
    make_session(other, cast.committee_b, days_ago=4, points=[cast.grassroots_b])
    assert set(_flags(other, cast.province)) == {cast.cell_b.name}


# Query counts ---------------------------------------------------------------------------------


def _grow(cast, cells: int, people_per_cell: int) -> None:
    from organisations.tests.factories import make_org

    for i in range(cells):
        cell = make_org(f"Chi bộ thêm {i}", "cell", cast.grassroots_b)
        for j in range(people_per_cell):
            PersonFactory(full_name=f"Người Thứ {i} {j}", organisation=cell)


@pytest.mark.parametrize("cells", [0, 6])
def test_summary_query_count_does_not_grow_with_the_tree(cast, scenario, cells, django_assert_num_queries):
    _grow(cast, cells, 4)
    frame = participation.frame_of(scenario["campaign"])
    with django_assert_num_queries(9):
        result = participation.summary(frame, cast.province, [cast.committee_a, cast.committee_b])
    assert result.breakdown.total.expected == 6 + cells * 4
