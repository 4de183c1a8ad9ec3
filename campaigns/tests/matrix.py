"""Permission-matrix cases for the campaigns app (portal pages and admin).

Targets, seen from the A side of the cast:
  own      a campaign organised by committee_a for cell_a (secretary_a's cell is in its audience)
  sibling  a campaign organised by grassroots_a for cell_a2 (inside officer_a's committee only)
  outside  a campaign organised by committee_b
Each has one main session organised by its organiser. The attendance pages' cases come from
``attendance_cases()`` in campaigns/tests/test_attendance_matrix.py.
"""

from __future__ import annotations

import importlib
from typing import Any

from django.urls import reverse

from campaigns.models import Campaign, Document, StudySession
from portal.testing.matrix import (
    ADMIN_LIST,
    LOGGED_IN,
    MANAGERS,
    REDIRECT,
    Case,
    admin_cases,
    table,
)

ONLY = ("-",)

# Reading a campaign or session: its organiser's subtree, and whoever's scope its audience covers.
CAMPAIGN_VIEW = table(
    anonymous=REDIRECT,
    outsider=404,
    member_a=404,
    secretary_a=(200, 404, 404),
    officer_a=(200, 200, 404),
    staff=200,
    superuser=200,
)
# Managing it, or reading its participation: officers and staff; a secretary sees it but has no right.
CAMPAIGN_MANAGE = table(
    anonymous=REDIRECT,
    outsider=404,
    member_a=404,
    secretary_a=(403, 404, 404),
    officer_a=(200, 200, 404),
    staff=200,
    superuser=200,
)
# A refused or harmless POST (an unknown action): authorisation first, then a redirect to the campaign.
CAMPAIGN_POST = table(
    anonymous=REDIRECT,
    outsider=404,
    member_a=404,
    secretary_a=(403, 404, 404),
    officer_a=(REDIRECT, REDIRECT, 404),
    staff=REDIRECT,
    superuser=REDIRECT,
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
            CAMPAIGN_MANAGE,
        ),
    ]
    result += admin_cases(Document, documents, change=DOCUMENT_OBJECT)
    result += admin_cases(Campaign, campaigns)
    result += admin_cases(StudySession, sessions)
    try:  # the attendance pages' cases (campaigns/tests/test_attendance_matrix.py)
        extra = importlib.import_module("campaigns.tests.test_attendance_matrix")
    except ModuleNotFoundError as exc:
        if exc.name != "campaigns.tests.test_attendance_matrix":
            raise
    else:
        result += extra.attendance_cases()
    return result
