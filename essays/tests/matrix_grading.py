"""Permission-matrix cases of the grading pages (essays/grading_views.py) and the essay admin.

Targets, seen from the A side of the cast:
  own      a campaign of committee_a for cell_a, and person_a's (member_a's) submitted essay in it
  sibling  a campaign of grassroots_a for cell_a2, and person_a2's submitted essay in it
  outside  a campaign of committee_b for cell_b, and person_b's submitted essay in it
Grading needs GRADE (staff, or an officer with the grading right) and never the grader's own cell; a
secretary or the author sees the essay exists (VIEW) but may not grade it (403). Releasing needs
MANAGE_CAMPAIGNS under the campaign; a participant who sees the campaign only as a participant gets 404.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from essays.models import Essay
from portal.testing.matrix import ADMIN_DENIED, MANAGERS, REDIRECT, Case, admin_cases, table

ONLY = ("-",)

QUEUE = MANAGERS  # graders only: officer_a has the grading right; secretaries, members and outsiders 403
GRADE = table(
    anonymous=REDIRECT,
    outsider=404,
    member_a=(403, 404, 404),
    secretary_a=(403, 404, 404),
    officer_a=(200, 200, 404),
    staff=200,
    superuser=200,
)
# Posting no grade: the form comes back with its error (200) for graders; nothing is written.
GRADE_EMPTY_POST = GRADE
RELEASE = table(
    anonymous=REDIRECT,
    outsider=404,
    member_a=404,
    secretary_a=(403, 404, 404),
    officer_a=(200, 200, 404),
    staff=200,
    superuser=200,
)
# Posting without the confirmation: refused (400) for the committee; nothing is released.
RELEASE_UNCONFIRMED = table(
    anonymous=REDIRECT,
    outsider=404,
    member_a=404,
    secretary_a=(403, 404, 404),
    officer_a=(400, 400, 404),
    staff=400,
    superuser=400,
)


def world(cast: Any) -> dict[str, dict[str, Any]]:
    """The own / sibling / outside campaigns and submitted essays (made once per cast)."""
    cached = getattr(cast, "_essay_grading_world", None)
    if cached is not None:
        return cached
    from essays.tests.factories import make_essay, make_essay_campaign

    specs = {
        "own": (cast.committee_a, cast.cell_a, cast.person_a),
        "sibling": (cast.grassroots_a, cast.cell_a2, cast.person_a2),
        "outside": (cast.committee_b, cast.cell_b, cast.person_b),
    }
    built: dict[str, dict[str, Any]] = {}
    for key, (organiser, cell, person) in specs.items():
        campaign = make_essay_campaign(organiser, audience=[cell], title=f"Chấm bài {key}")
        essay = make_essay(campaign, person, status=Essay.Status.SUBMITTED)
        built[key] = {"campaign": campaign, "essay": essay}
    cast._essay_grading_world = built
    return built


def essays(cast: Any) -> dict[str, Essay]:
    return {key: value["essay"] for key, value in world(cast).items()}


def grading_cases() -> list[Case]:
    def essay_url(c: Any, t: str) -> str:
        return reverse("essays:grade", args=[world(c)[t]["essay"].pk])

    def release_url(c: Any, t: str) -> str:
        return reverse("essays:release", args=[world(c)[t]["campaign"].pk])

    result = [
        Case("essays:grading", lambda c, t: reverse("essays:grading"), QUEUE, targets=ONLY),
        Case("essays:grade", essay_url, GRADE),
        Case(
            "essays:grade",
            essay_url,
            GRADE_EMPTY_POST,
            method="post",
            data=lambda c, t: {},
            note="no grade chosen: the form answers with its error",
        ),
        Case("essays:release", release_url, RELEASE),
        Case(
            "essays:release",
            release_url,
            RELEASE_UNCONFIRMED,
            method="post",
            data=lambda c, t: {},
            note="without the confirmation box nothing is released",
        ),
    ]
    result += admin_cases(Essay, essays, add=ADMIN_DENIED)
    return result
