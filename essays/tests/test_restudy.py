"""Re-study: a re-study session's attendance sheet lists exactly who must re-study; marking them present opens
a new attempt; the re-study pages list them per organisation with who has done it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns.attendance import sheets
from campaigns.models import Attendance, StudySession
from campaigns.tests.factories import attend, make_session
from essays import rules
from essays.models import Essay
from essays.tests.factories import make_essay, make_essay_campaign
from organisations.tests.factories import PersonFactory

RESTUDY = StudySession.Kind.RESTUDY


@pytest.fixture
def failed(cast):
    """cell_a: An failed (released), Bình passed. cell_a2: Cường failed but not released yet, Giang failed
    (released) and already re-studied at an earlier re-study session. A re-study session of committee_a."""
    campaign = make_essay_campaign(cast.committee_a, deadline=-dt.timedelta(days=10))
    binh = cast.cell_a.people.get(full_name="Trần Thị Bình")
    giang = PersonFactory(full_name="Đỗ Văn Giang", organisation=cast.cell_a2)
    week_ago = timezone.now() - dt.timedelta(days=7)
    make_essay(campaign, cast.person_a, passed=False, released=True, graded_at=week_ago)
    make_essay(campaign, binh, passed=True, released=True, graded_at=week_ago)
    make_essay(campaign, cast.person_a2, passed=False, released=False, graded_at=week_ago)
    make_essay(campaign, giang, passed=False, released=True, graded_at=week_ago)
    earlier = make_session(campaign, kind=RESTUDY, days_ago=5, title="Học lại đợt 1")
    attend(earlier, [giang])
    session = make_session(campaign, kind=RESTUDY, days_ago=1, title="Học lại đợt 2")
    return {"campaign": campaign, "session": session, "giang": giang, "binh": binh}


def roster(session, cell):
    session = sheets.sheet_session_get(session_id=session.pk, cell=cell)
    return [row.full_name for row in sheets.sheet_rows(session=session, cell=cell)]


def test_a_restudy_sheet_lists_only_who_must_restudy(cast, failed):
    assert roster(failed["session"], cast.cell_a) == ["Nguyễn Văn An"]
    # Cường's failing grade is not released yet; Giang has already re-studied.
    assert roster(failed["session"], cast.cell_a2) == []


def test_a_main_session_still_lists_everyone(cast, failed):
    main = make_session(failed["campaign"], days_ago=1)
    assert roster(main, cast.cell_a) == ["Nguyễn Văn An", "Trần Thị Bình"]


def test_marking_them_present_opens_a_new_attempt_and_keeps_them_on_the_sheet(cast, failed):
    session = sheets.sheet_session_get(session_id=failed["session"].pk, cell=cast.cell_a)
    assert rules.person_state(failed["campaign"], cast.person_a).state == rules.State.MUST_RESTUDY
    entries = {cast.person_a.pk: sheets.Entry(Attendance.Status.PRESENT)}
    sheets.attendance_sheet_save(
        actor=cast.secretary_a, session=session, cell=cast.cell_a, version=0, entries=entries, points=[]
    )
    assert rules.person_state(failed["campaign"], cast.person_a).state == rules.State.RESTUDIED
    assert roster(failed["session"], cast.cell_a) == ["Nguyễn Văn An"]  # recorded: still on the sheet


def test_a_grade_given_after_the_session_started_is_not_on_its_sheet(cast, failed):
    late = make_essay_campaign(cast.committee_b)
    session = make_session(late, kind=RESTUDY, days_ago=3)
    make_essay(late, cast.person_b, passed=False, released=True, graded_at=timezone.now() - dt.timedelta(days=1))
    assert roster(session, cast.cell_b) == []  # attending it would not count for that grade
    later = make_session(late, kind=RESTUDY, days_ago=-1)
    assert roster(later, cast.cell_b) == ["Phạm Thị Dung"]


def test_a_plans_restudy_session_uses_the_provincial_campaigns_essays(cast):
    from campaigns import services

    campaign = make_essay_campaign(cast.province)
    plan = services.campaign_cascade(actor=None, campaign=campaign).created[0]
    make_essay(campaign, cast.person_a, passed=False, released=True, graded_at=timezone.now() - dt.timedelta(days=3))
    session = make_session(plan, kind=RESTUDY, days_ago=1)
    assert roster(session, cast.cell_a) == ["Nguyễn Văn An"]


def test_the_cells_of_a_restudy_session_count_only_who_must_restudy(cast, failed):
    session = failed["session"]
    cells = sheets.attendance_cell_list(user=cast.officer_a, session=session, paths=[cast.committee_a.path])
    expected = {cell.name: cell.expected for cell in cells}
    assert expected == {cast.cell_a.name: 1, cast.cell_a2.name: 0}


def test_the_sheet_page_shows_the_secretary_only_who_must_restudy(cast, failed, client):
    client.force_login(cast.secretary_a)
    response = client.get(reverse("campaigns:attendance_sheet", args=[failed["session"].pk, cast.cell_a.pk]))
    assert response.status_code == 200
    assert "Nguyễn Văn An" in response.content.decode()
    assert "Trần Thị Bình" not in response.content.decode()


# --- Pages -------------------------------------------------------------------------------------


def test_staff_see_who_must_restudy_per_organisation_and_who_did(cast, failed, client):
    client.force_login(cast.staff)
    campaign = failed["campaign"]
    page = client.get(reverse("essays:restudy", args=[campaign.pk]))
    assert page.status_code == 200
    rows = {row.organisation.pk: row.figures for row in page.context["rows"]}
    assert (rows[cast.grassroots_a.pk].failed, rows[cast.grassroots_a.pk].must_restudy) == (2, 1)
    assert rows[cast.grassroots_a.pk].restudied == 1
    assert [s.title for s in page.context["sessions"]] == ["Học lại đợt 2", "Học lại đợt 1"]

    cell = client.get(reverse("essays:restudy_org", args=[campaign.pk, cast.cell_a2.pk]) + "?show=restudied")
    names = [p.full_name for p in cell.context["names"]]
    assert names == ["Đỗ Văn Giang"]
    assert cell.context["names"][0].state == rules.State.RESTUDIED


def test_restudy_names_default_to_those_still_to_restudy(cast, failed, client):
    client.force_login(cast.officer_a)
    response = client.get(
        reverse("essays:restudy_org", args=[failed["campaign"].pk, cast.grassroots_a.pk]), {"names": "1"}
    )
    assert [p.full_name for p in response.context["names"]] == ["Nguyễn Văn An"]
    assert response.context["names"][0].state == rules.State.MUST_RESTUDY


def test_secretary_may_not_open_the_restudy_list(cast, failed, client):
    client.force_login(cast.secretary_a)
    assert client.get(reverse("essays:restudy", args=[failed["campaign"].pk])).status_code == 403


def test_every_attempt_is_kept(cast, failed):
    campaign = failed["campaign"]
    attend(failed["session"], [cast.person_a])
    make_essay(campaign, cast.person_a, attempt=2, status=Essay.Status.SUBMITTED)
    state = rules.person_state(campaign, cast.person_a)
    assert [a.attempt for a in state.attempts] == [1, 2] and state.state == rules.State.SUBMITTED
