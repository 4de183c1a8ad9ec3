"""Permission-matrix cases of the committees' essay pages (essays/quality_views.py), for essays/tests/matrix.py.

Targets, seen from the A side of the cast:
  own      a campaign of committee_a for cell_a, with person_a exempt
  sibling  a campaign of grassroots_a for cell_a2, with person_a2 exempt
  outside  a campaign of committee_b for cell_b, with person_b exempt
Quality and re-study figures need REPORT, exemptions MANAGE_CAMPAIGNS (officers and staff). These pages show
other people's names: a member whose cell a campaign covers sees the campaign only as a participant and
gets 404 here, like an outsider; a secretary sees it through their role but has no right (403).
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from portal.testing.matrix import REDIRECT, Case, table

# Reading the figures or names of an organisation, or managing the exemptions of a campaign.
COMMITTEE = table(
    anonymous=REDIRECT,
    outsider=404,
    member_a=404,
    secretary_a=(403, 404, 404),
    officer_a=(200, 200, 404),
    staff=200,
    superuser=200,
)
# Withdrawing an exemption without a reason: refused with a message and a redirect; nothing changes.
REVOKE_WITHOUT_REASON = table(
    anonymous=REDIRECT,
    outsider=404,
    member_a=404,
    secretary_a=(403, 404, 404),
    officer_a=(REDIRECT, REDIRECT, 404),
    staff=REDIRECT,
    superuser=REDIRECT,
)


def world(cast: Any) -> dict[str, dict[str, Any]]:
    """The own / sibling / outside campaigns, cells and exemptions (made once per cast)."""
    cached = getattr(cast, "_essay_quality_world", None)
    if cached is not None:
        return cached
    from essays.models import Exemption
    from essays.tests.factories import make_essay_campaign

    specs = {
        "own": (cast.committee_a, cast.cell_a, cast.person_a),
        "sibling": (cast.grassroots_a, cast.cell_a2, cast.person_a2),
        "outside": (cast.committee_b, cast.cell_b, cast.person_b),
    }
    built: dict[str, dict[str, Any]] = {}
    for key, (organiser, cell, person) in specs.items():
        campaign = make_essay_campaign(organiser, audience=[cell], title=f"Bài thu hoạch {key}")
        exemption = Exemption.objects.create(campaign=campaign, person=person, reason="Tuổi cao, sức yếu")
        built[key] = {"campaign": campaign, "cell": cell, "exemption": exemption}
    cast._essay_quality_world = built
    return built


def _campaign_url(name: str) -> Any:
    return lambda cast, target: reverse(name, args=[world(cast)[target]["campaign"].pk])


def _org_url(name: str) -> Any:
    def url(cast: Any, target: str) -> str:
        found = world(cast)[target]
        return reverse(name, args=[found["campaign"].pk, found["cell"].pk])

    return url


def _revoke_url(cast: Any, target: str) -> str:
    found = world(cast)[target]
    return reverse("essays:exemption_revoke", args=[found["campaign"].pk, found["exemption"].pk])


def quality_cases() -> list[Case]:
    return [
        Case("essays:quality", _campaign_url("essays:quality"), COMMITTEE),
        Case("essays:quality_org", _org_url("essays:quality_org"), COMMITTEE),
        Case("essays:restudy", _campaign_url("essays:restudy"), COMMITTEE),
        Case("essays:restudy_org", _org_url("essays:restudy_org"), COMMITTEE),
        Case("essays:exemptions", _campaign_url("essays:exemptions"), COMMITTEE),
        Case(
            "essays:exemptions",
            _campaign_url("essays:exemptions"),
            COMMITTEE,
            method="post",
            data=lambda cast, target: {"person": world(cast)[target]["cell"].people.first().pk, "reason": ""},
            note="a confirmation without a reason: the form comes back with its error, nothing is written",
        ),
        Case(
            "essays:exemption_revoke",
            _revoke_url,
            REVOKE_WITHOUT_REASON,
            method="post",
            data=lambda cast, target: {},
            note="no reason given: refused with a message, the exemption stays",
        ),
    ]
