"""Permission-matrix cases of the similarity pages (essays/similarity_views.py).

Targets, seen from the A side of the cast: a campaign and a finished similarity run with one pair of
submitted essays in one cell:
  own      a campaign of committee_a for cell_a; the pair: person_a's essay and secretary_a's own essay
  sibling  a campaign of grassroots_a for cell_a2; two essays of cell_a2
  outside  a campaign of committee_b for cell_b; two essays of cell_b
The campaign page is for graders (GRADE anywhere) and the campaign's committee; a participant or a secretary
who sees the campaign gets 403. Its POST starts a run only with action=run: the matrix posts nothing, so
the committee gets a plain redirect and nothing is written. A pair opens only for those who may read both
essays: secretary_a sees her cell's pair exists but may read only her own essay (403).
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from essays.models import Essay, SimilarityRun, SimilarPair
from portal.testing.matrix import REDIRECT, Case, table

PAGE = table(
    anonymous=REDIRECT,
    outsider=404,
    member_a=(403, 404, 404),
    secretary_a=(403, 404, 404),
    officer_a=(200, 200, 404),
    staff=200,
    superuser=200,
)
RUN_POST = table(
    anonymous=REDIRECT,
    outsider=404,
    member_a=(403, 404, 404),
    secretary_a=(403, 404, 404),
    officer_a=(REDIRECT, REDIRECT, 404),
    staff=REDIRECT,
    superuser=REDIRECT,
)
PAIR = table(
    anonymous=REDIRECT,
    outsider=404,
    member_a=404,
    secretary_a=(403, 404, 404),
    officer_a=(200, 200, 404),
    staff=200,
    superuser=200,
)


def world(cast: Any) -> dict[str, dict[str, Any]]:
    """The own / sibling / outside campaigns, runs and pairs (made once per cast)."""
    cached = getattr(cast, "_similarity_world", None)
    if cached is not None:
        return cached
    from essays.tests.factories import make_essay, make_essay_campaign
    from organisations.models import Person
    from organisations.tests.factories import PersonFactory

    specs = {
        "own": (cast.committee_a, cast.cell_a, cast.person_a, Person.objects.get(user=cast.secretary_a)),
        "sibling": (cast.grassroots_a, cast.cell_a2, cast.person_a2, PersonFactory(organisation=cast.cell_a2)),
        "outside": (cast.committee_b, cast.cell_b, cast.person_b, Person.objects.get(user=cast.secretary_b)),
    }
    built: dict[str, dict[str, Any]] = {}
    for key, (organiser, cell, first, second) in specs.items():
        campaign = make_essay_campaign(organiser, audience=[cell], title=f"Bài giống nhau {key}")
        a = make_essay(campaign, first, status=Essay.Status.SUBMITTED)
        b = make_essay(campaign, second, status=Essay.Status.SUBMITTED)
        run = SimilarityRun.objects.create(campaign=campaign, status=SimilarityRun.Status.DONE, essays=2, pairs=1)
        pair = SimilarPair.objects.create(run=run, a=a, b=b, score=0.9, cluster=1, passages=[[0, 20, 0, 20]])
        built[key] = {"campaign": campaign, "pair": pair}
    cast._similarity_world = built
    return built


def similarity_cases() -> list[Case]:
    def campaign_url(c: Any, t: str) -> str:
        return reverse("essays:similarity", args=[world(c)[t]["campaign"].pk])

    return [
        Case("essays:similarity", campaign_url, PAGE),
        Case(
            "essays:similarity",
            campaign_url,
            RUN_POST,
            method="post",
            data=lambda c, t: {},
            note="no action asked: authorisation first, then a redirect; nothing is queued",
        ),
        Case(
            "essays:similarity_pair",
            lambda c, t: reverse("essays:similarity_pair", args=[world(c)[t]["pair"].pk]),
            PAIR,
        ),
    ]
