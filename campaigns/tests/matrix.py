"""Permission-matrix cases for the campaigns app (portal pages and admin).

Targets, seen from the A side of the cast:
  own      a campaign organised by committee_a for cell_a (secretary_a's cell is in its audience)
  sibling  a campaign organised by grassroots_a for cell_a2 (inside officer_a's committee only)
  outside  a campaign organised by committee_b
Each has one main session organised by its organiser. The attendance pages have their own targets
(``world()``, below): sessions of one cell each, a closed campaign's session, a hybrid session's points.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from campaigns import attendance, services
from campaigns.models import Campaign, Document, StudySession
from portal.testing.matrix import (
    ADMIN_LIST,
    LOGGED_IN,
    MANAGERS,
    OFFICER_ACTION,
    REDIRECT,
    Case,
    admin_cases,
    table,
)

ONLY = ("-",)

# Reading a campaign or session: its organiser's subtree, and whoever's scope its audience covers. A member
# whose cell it covers sees it too, but on their own page (/campaigns/mine/): the managers' page shows other
# people's figures, so a member without a role is redirected there.
CAMPAIGN_VIEW = table(
    anonymous=REDIRECT,
    outsider=404,
    member_a=(REDIRECT, 404, 404),
    secretary_a=(200, 404, 404),
    officer_a=(200, 200, 404),
    staff=200,
    superuser=200,
)
# Managing it, or reading its participation: officers and staff; a secretary, or a member whose cell it
# covers, sees it but has no right.
CAMPAIGN_MANAGE = table(
    anonymous=REDIRECT,
    outsider=404,
    member_a=(403, 404, 404),
    secretary_a=(403, 404, 404),
    officer_a=(200, 200, 404),
    staff=200,
    superuser=200,
)
# One organisation's participation: a member may not even see the organisation (404); the rest as above.
PARTICIPATION_ORG = {**CAMPAIGN_MANAGE, "member_a": dict.fromkeys(("own", "sibling", "outside", "-"), 404)}
# A refused or harmless POST (an unknown action): authorisation first, then a redirect to the campaign.
CAMPAIGN_POST = table(
    anonymous=REDIRECT,
    outsider=404,
    member_a=(403, 404, 404),
    secretary_a=(403, 404, 404),
    officer_a=(REDIRECT, REDIRECT, 404),
    staff=REDIRECT,
    superuser=REDIRECT,
)
# A participant's own page: whoever has a participant record (member_a, and secretary_a who is also a Party
# member of cell_a); accounts without one (officer_a, staff and the superuser of the cast) have no study of their own.
MINE = table(
    anonymous=REDIRECT,
    outsider=403,
    member_a=200,
    secretary_a=200,
    officer_a=403,
    staff=403,
    superuser=403,
)
# Documents are national texts: every admin user reads them; officers may record them too.
DOCUMENT_OBJECT = ADMIN_LIST


def targets(cast: Any) -> dict[str, dict[str, Any]]:
    """The own / sibling / outside campaigns and sessions (created once per test)."""
    cached = getattr(cast, "_campaign_targets", None)
    if cached is not None:
        return cached
    from campaigns.tests.factories import make_campaign, make_session

    specs = {
        "own": (cast.committee_a, cast.cell_a),
        "sibling": (cast.grassroots_a, cast.cell_a2),
        "outside": (cast.committee_b, cast.cell_b),
    }
    built: dict[str, dict[str, Any]] = {}
    for key, (organiser, cell) in specs.items():
        campaign = make_campaign(organiser, audience=[cell], title=f"Chuyên đề {key}")
        built[key] = {"campaign": campaign, "session": make_session(campaign, organiser, days_ago=2), "cell": cell}
    cast._campaign_targets = built
    return built


def campaigns(cast: Any) -> dict[str, Campaign]:
    return {key: value["campaign"] for key, value in targets(cast).items()}


def sessions(cast: Any) -> dict[str, StudySession]:
    return {key: value["session"] for key, value in targets(cast).items()}


def documents(cast: Any) -> dict[str, Document]:
    document = Document.objects.first()
    if document is None:
        from campaigns.tests.factories import make_document

        document = make_document()
    return dict.fromkeys(("own", "sibling", "outside"), document)


def cases() -> list[Case]:
    def campaign_url(name: str) -> Any:
        return lambda c, t: reverse(name, args=[campaigns(c)[t].pk])

    def session_url(name: str) -> Any:
        return lambda c, t: reverse(name, args=[sessions(c)[t].pk])

    result = [
        Case("campaigns:list", lambda c, t: reverse("campaigns:list"), MANAGERS, targets=ONLY),
        Case("campaigns:create", lambda c, t: reverse("campaigns:create"), MANAGERS, targets=ONLY),
        Case("campaigns:documents", lambda c, t: reverse("campaigns:documents"), LOGGED_IN, targets=ONLY),
        Case("campaigns:dashboard", lambda c, t: reverse("campaigns:dashboard"), MANAGERS, targets=ONLY),
        Case("campaigns:mine", lambda c, t: reverse("campaigns:mine"), MINE, targets=ONLY),
        Case("campaigns:detail", campaign_url("campaigns:detail"), CAMPAIGN_VIEW),
        Case("campaigns:edit", campaign_url("campaigns:edit"), CAMPAIGN_MANAGE),
        Case(
            "campaigns:action",
            campaign_url("campaigns:action"),
            CAMPAIGN_POST,
            method="post",
            data=lambda c, t: {"action": "no-such-action"},
            note="an unknown action changes nothing, so success is a plain redirect",
        ),
        Case("campaigns:session_create", campaign_url("campaigns:session_create"), CAMPAIGN_MANAGE),
        Case("campaigns:session_detail", session_url("campaigns:session_detail"), CAMPAIGN_VIEW),
        Case("campaigns:session_edit", session_url("campaigns:session_edit"), CAMPAIGN_MANAGE),
        Case(
            "campaigns:participation",
            campaign_url("campaigns:participation"),
            CAMPAIGN_MANAGE,
            note="a secretary sees the campaign but may not read participation figures",
        ),
        Case(
            "campaigns:participation_org",
            lambda c, t: reverse(
                "campaigns:participation_org", args=[targets(c)[t]["campaign"].pk, targets(c)[t]["cell"].pk]
            ),
            PARTICIPATION_ORG,
        ),
    ]
    result += admin_cases(Document, documents, change=DOCUMENT_OBJECT)
    result += admin_cases(Campaign, campaigns)
    result += admin_cases(StudySession, sessions)
    result += attendance_cases()
    return result


# --- The attendance pages ---------------------------------------------------------------------------

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
# The check-in screen (shown on a projector) and its status: those who record attendance at the session's
# organisation. A member sees the session of a campaign that covers them, but has no right to its screen.
CHECKIN_SCREEN = table(
    anonymous=REDIRECT,
    outsider=404,
    member_a=(403, 404, 404),
    secretary_a=(403, 404, 404),
    officer_a=(200, 200, 404),
    staff=200,
    superuser=200,
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
    """The campaigns and sessions the attendance cases need, made once per cast."""
    if getattr(cast, "_attendance_world", None) is None:
        from campaigns.tests.factories import make_campaign, make_session

        province = make_campaign(cast.province, title="Đợt học tập toàn tỉnh")
        closed = make_campaign(cast.province, title="Đợt đã kết thúc")
        closed_session = make_session(closed, title="Hội nghị đã đóng")
        services.campaign_close(actor=None, campaign=closed)
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
            CHECKIN_SCREEN,
        ),
        Case(
            "campaigns:checkin_status",
            lambda c, t: reverse("campaigns:checkin_status", args=[session_of(c, t).pk]),
            CHECKIN_SCREEN,
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
