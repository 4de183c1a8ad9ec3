"""The permission matrix of the attendance URLs: every actor × own / sibling / outside target.

``attendance_cases()`` gives the cases in the shape of portal.testing.matrix, for campaigns/tests/matrix.py
to include in the project-wide matrix (tests/test_permission_matrix.py); the test below runs them here
too, with the same rule: a refused write leaves every table unchanged.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from campaigns import attendance, services
from campaigns.models import StudySession
from campaigns.tests.factories import make_campaign, make_session
from portal.testing.matrix import ACTORS, OFFICER_ACTION, REDIRECT, Case, fingerprint, table

ONLY = ("-",)

# A cell's sheet and its PDF: a secretary their cell, officers their committee's cells.
SHEET = table(
    anonymous=REDIRECT,
    outsider=404,
    member_a=404,
    secretary_a=(200, 404, 404),
    officer_a=(200, 200, 404),
    staff=200,
    superuser=200,
)
# Saving a sheet of a closed campaign: refused (409) for those who may record it, 403/404 for the others.
SHEET_CLOSED_POST = table(
    anonymous=REDIRECT,
    outsider=404,
    member_a=404,
    secretary_a=(409, 404, 404),
    officer_a=(409, 409, 404),
    staff=409,
    superuser=409,
)
INDEX = table(anonymous=REDIRECT, outsider=403, member_a=403, secretary_a=200, officer_a=200, staff=200, superuser=200)
# The cell chooser of a session: with one cell of the user's to record, it sends them straight to its sheet.
CHOOSER = table(
    anonymous=REDIRECT,
    outsider=403,
    member_a=403,
    secretary_a=(302, 404, 404),
    officer_a=(302, 302, 404),
    staff=302,
    superuser=302,
)
# A member's scan: only participants check in, only at sessions that expect them.
CHECKIN = table(
    anonymous=REDIRECT,
    outsider=403,
    member_a=(200, 403, 403),
    secretary_a=(200, 403, 403),
    officer_a=403,
    staff=403,
    superuser=403,
)
# Uploading an empty form: a bad request for whoever may import; confirming nothing: back to the form.
IMPORT_EMPTY_POST = table(
    anonymous=REDIRECT,
    outsider=404,
    member_a=404,
    secretary_a=(403, 404, 404),
    officer_a=(400, 400, 404),
    staff=400,
    superuser=400,
)
IMPORT_CONFIRM_EMPTY = table(
    anonymous=REDIRECT,
    outsider=404,
    member_a=404,
    secretary_a=(403, 404, 404),
    officer_a=(302, 302, 404),
    staff=302,
    superuser=302,
)


def world(cast: Any) -> dict[str, Any]:
    """The campaigns and sessions the cases need, made once per cast."""
    if getattr(cast, "_attendance_world", None) is None:
        province = make_campaign(cast.province, title="Đợt học tập toàn tỉnh")
        closed = make_campaign(cast.province, title="Đợt đã kết thúc")
        closed_session = make_session(closed, title="Hội nghị đã đóng")
        services.campaign_close(actor=None, campaign=closed)
        committee_a = make_campaign(cast.committee_a, title="Kế hoạch Tuy An")
        committee_b = make_campaign(cast.committee_b, title="Kế hoạch Sông Cầu")
        hybrid = make_session(province, points=[cast.cell_a, cast.cell_a2, cast.cell_b], title="Trực tuyến")
        cast._attendance_world = {
            "main": make_session(province, title="Hội nghị toàn tỉnh"),
            "closed": closed_session,
            # Sessions of one cell each: own, sibling, outside.
            "own": make_session(
                make_campaign(cast.committee_a, audience=[cast.cell_a], title="Chi bộ 1"), cast.grassroots_a
            ),
            "sibling": make_session(
                make_campaign(cast.committee_a, audience=[cast.cell_a2], title="Chi bộ 2"), cast.grassroots_a
            ),
            "outside": make_session(committee_b, cast.grassroots_b),
            "committee_a": committee_a,
            "points": {p.host_id: p for p in hybrid.points.all()},
        }
    return cast._attendance_world


def cells(cast: Any) -> dict[str, Any]:
    return {"own": cast.cell_a, "sibling": cast.cell_a2, "outside": cast.cell_b}


def session_of(cast: Any, target: str) -> StudySession:
    return world(cast)[target]


def point_of(cast: Any, target: str) -> Any:
    return world(cast)["points"][cells(cast)[target].pk]


def _code(session: StudySession) -> str:
    return attendance.checkin_code(session=session, window=attendance.checkin_window())


def _closed_sheet(cast: Any, target: str) -> dict[str, Any]:
    from campaigns.tests.test_attendance import sheet_data

    return sheet_data(world(cast)["closed"], cells(cast)[target])


def attendance_cases() -> list[Case]:
    return [
        Case("campaigns:attendance_index", lambda c, t: reverse("campaigns:attendance_index"), INDEX, targets=ONLY),
        Case(
            "campaigns:attendance_session",
            lambda c, t: reverse("campaigns:attendance_session", args=[session_of(c, t).pk]),
            CHOOSER,
        ),
        Case(
            "campaigns:attendance_sheet",
            lambda c, t: reverse("campaigns:attendance_sheet", args=[world(c)["main"].pk, cells(c)[t].pk]),
            SHEET,
        ),
        Case(
            "campaigns:attendance_sheet",
            lambda c, t: reverse("campaigns:attendance_sheet", args=[world(c)["closed"].pk, cells(c)[t].pk]),
            SHEET_CLOSED_POST,
            method="post",
            data=_closed_sheet,
            note="a complete, valid sheet for a session of a closed campaign",
        ),
        Case(
            "campaigns:attendance_signin",
            lambda c, t: reverse("campaigns:attendance_signin", args=[world(c)["main"].pk, cells(c)[t].pk]),
            SHEET,
        ),
        Case(
            "campaigns:checkin_screen",
            lambda c, t: reverse("campaigns:checkin_screen", args=[session_of(c, t).pk]),
            OFFICER_ACTION,
        ),
        Case(
            "campaigns:checkin_status",
            lambda c, t: reverse("campaigns:checkin_status", args=[session_of(c, t).pk]),
            OFFICER_ACTION,
        ),
        Case(
            "campaigns:checkin",
            lambda c, t: reverse(
                "campaigns:checkin",
                args=[world(c)["main" if t == "own" else t].pk, _code(world(c)["main" if t == "own" else t])],
            ),
            CHECKIN,
            note="own: a session for the whole province; sibling/outside: sessions of other cells",
        ),
        Case(
            "campaigns:point_import",
            lambda c, t: reverse("campaigns:point_import", args=[point_of(c, t).session_id, point_of(c, t).pk]),
            OFFICER_ACTION,
        ),
        Case(
            "campaigns:point_import",
            lambda c, t: reverse("campaigns:point_import", args=[point_of(c, t).session_id, point_of(c, t).pk]),
            IMPORT_EMPTY_POST,
            method="post",
            data=lambda c, t: {},
        ),
        Case(
            "campaigns:point_import_confirm",
            lambda c, t: reverse("campaigns:point_import_confirm", args=[point_of(c, t).session_id, point_of(c, t).pk]),
            IMPORT_CONFIRM_EMPTY,
            method="post",
            data=lambda c, t: {},
        ),
    ]


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("case", attendance_cases(), ids=lambda c: f"{c.name}:{c.method}")
def test_attendance_permission_matrix(case: Case, actor: str, cast: Any, client: Any) -> None:
    user = None if actor == "anonymous" else getattr(cast, actor)
    failures = []
    for target in case.targets:
        client.logout()
        if user is not None:
            client.force_login(user)
        url = case.url(cast, target)
        before = fingerprint() if case.method != "get" else None
        if case.method == "get":
            response = client.get(url)
        else:
            response = client.post(url, case.data(cast, target) if case.data else {})
        expected = case.expected(actor, target)
        if response.status_code != expected:
            failures.append(f"{target}: {url} -> {response.status_code}, expected {expected}")
        elif before is not None and expected >= 300 and fingerprint() != before:
            failures.append(f"{target}: {url} was refused ({expected}) but the database changed")
    assert not failures, "\n".join(failures)


def test_officer_b_gets_404_for_every_sheet_of_committee_a(cast, login):
    client = login(cast.officer_b)
    session = world(cast)["main"]
    for cell in (cast.cell_a, cast.cell_a2):
        assert client.get(reverse("campaigns:attendance_sheet", args=[session.pk, cell.pk])).status_code == 404
        assert client.get(reverse("campaigns:attendance_signin", args=[session.pk, cell.pk])).status_code == 404
