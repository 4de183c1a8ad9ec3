"""Similarity pages: a campaign's groups of near-copies, and two essays side by side with their shared passages.

Who sees what: the page is for graders (GRADE anywhere) and for the campaign's committee (MANAGE_CAMPAIGNS on
it, who may also start a run). A member of a group is shown — name, organisation, score, link — only to those
who may read that essay (``access.can_read_private``: its author, or whoever may GRADE it); the others are
counted ("n bài ngoài phạm vi của đồng chí"). Groups without any essay the user may read are not listed.
A pair opens only when the user may read both texts (outside the scope: 404; in scope, not readable: 403).

Query counts do not depend on the number of groups or pairs (see essays/tests/test_similarity_pages.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from campaigns.models import Campaign
from organisations import access
from portal.lib.errors import DomainError

from .models import Essay, SimilarityRun, SimilarPair
from .similarity import similarity_request

A = access.Action
CLUSTERS_PER_PAGE = 20
OUTLINE_ROWS = 50


@dataclass
class Cluster:
    number: int
    members: list[int] = field(default_factory=list)  # every essay of the group
    pairs: list[tuple[int, int, int | None, float]] = field(default_factory=list)  # (pair id, a, b, score)
    shown: list[Essay] = field(default_factory=list)  # the essays this user may read, with their details
    links: list[dict[str, Any]] = field(default_factory=list)  # the pairs this user may open
    hidden: int = 0  # members outside the user's scope
    best: float = 0.0


def readable_essays(qs: QuerySet[Essay], user: Any) -> QuerySet[Essay]:
    """The essays of ``qs`` whose text ``user`` may read (``access.can_read_private`` as a queryset)."""
    return qs.filter(
        Q(pk__in=access.visible(qs, user, A.GRADE).values("pk"))
        | Q(pk__in=access.visible(qs, user, A.SELF).values("pk"))
    )


def _campaign(request: HttpRequest, campaign_id: int) -> tuple[Campaign, bool]:
    """The campaign (VIEW, else 404) and whether the user may run checks; 403 unless grader or committee."""
    campaign = access.get_object_or_404(
        Campaign.objects.select_related("organisation"), request.user, A.VIEW, pk=campaign_id
    )
    can_run = access.can_object(request.user, A.MANAGE_CAMPAIGNS, campaign)
    if not (can_run or access.can(request.user, A.GRADE)):
        raise PermissionDenied
    return campaign, can_run


@login_required
def campaign_similarity(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """/essays/campaign/<id>/similarity/: the last run's status and groups of near-copies; POST starts a run."""
    campaign, can_run = _campaign(request, campaign_id)
    if campaign.parent_id:  # essays belong to the provincial campaign
        return redirect("essays:similarity", campaign_id=campaign.parent_id)
    if request.method == "POST":
        if not can_run:
            raise PermissionDenied
        if request.POST.get("action") != "run":  # nothing asked: nothing done
            return redirect("essays:similarity", campaign_id=campaign.pk)
        try:
            similarity_request(actor=request.user, campaign=campaign)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The similarity check is queued; this page shows its progress."))
        return redirect("essays:similarity", campaign_id=campaign.pk)

    user = request.user
    runs = list(
        SimilarityRun.objects.filter(campaign=campaign).select_related("requested_by").order_by("-requested_at")[:1]
    )
    latest = runs[0] if runs else None
    done = (
        latest
        if latest is not None and latest.status == SimilarityRun.Status.DONE
        else SimilarityRun.objects.filter(campaign=campaign, status=SimilarityRun.Status.DONE)
        .order_by("-requested_at")
        .first()
    )
    clusters: list[Cluster] = []
    outline: list[dict[str, Any]] = []
    outline_total = 0
    if done is not None:
        pairs = SimilarPair.objects.filter(run=done)
        rows = list(pairs.values_list("pk", "a_id", "b_id", "score", "cluster"))
        members = Essay.objects.filter(Q(pk__in=pairs.values("a_id")) | Q(pk__in=pairs.values("b_id")))
        readable = set(readable_essays(members, user).values_list("pk", flat=True))
        by_number: dict[int, Cluster] = {}
        for pk, a, b, score, number in rows:
            if b is None:
                if a in readable:
                    outline_total += 1
                    if len(outline) < OUTLINE_ROWS:
                        outline.append({"pair": pk, "essay": a, "score": score})
                continue
            cluster = by_number.setdefault(number, Cluster(number))
            cluster.pairs.append((pk, a, b, score))
            cluster.best = max(cluster.best, score)
            for essay in (a, b):
                if essay not in cluster.members:
                    cluster.members.append(essay)
        clusters = [c for _n, c in sorted(by_number.items()) if any(m in readable for m in c.members)]
    page = Paginator(clusters, CLUSTERS_PER_PAGE).get_page(request.GET.get("page"))
    wanted = {m for c in page.object_list for m in c.members if m in readable} | {o["essay"] for o in outline}
    details = (
        {
            e.pk: e
            for e in Essay.objects.filter(pk__in=wanted).select_related("person__organisation", "grade").order_by()
        }
        if wanted
        else {}
    )
    gradable = (
        set(access.visible(Essay.objects.filter(pk__in=wanted), user, A.GRADE).values_list("pk", flat=True))
        if wanted
        else set()
    )
    for essay in details.values():
        essay.can_grade = essay.pk in gradable
    for cluster in page.object_list:
        cluster.shown = [details[m] for m in cluster.members if m in details]
        cluster.hidden = len(cluster.members) - len(cluster.shown)
        cluster.links = [
            {"pair": pk, "a": details[a], "b": details[b], "score": score}
            for pk, a, b, score in cluster.pairs
            if a in details and b in details
        ]
    for row in outline:
        row["essay"] = details[row["essay"]]
    return render(
        request,
        "essays/similarity.html",
        {
            "campaign": campaign,
            "latest": latest,
            "done": done,
            "page": page,
            "outline": outline,
            "outline_total": outline_total,
            "can_run": can_run,
            "seconds": int((latest.finished_at - latest.started_at).total_seconds())
            if latest is not None and latest.started_at and latest.finished_at
            else None,
            "busy": latest is not None and latest.status in (SimilarityRun.Status.QUEUED, SimilarityRun.Status.RUNNING),
        },
    )


def highlight(text: str, ranges: list[tuple[int, int, int]]) -> list[tuple[str, int]]:
    """``text`` cut into pieces: (piece, passage number) for the shared ranges (start, end, number), (piece, 0)
    between them. Ranges are clipped to the text (it may have been re-extracted since the run)."""
    pieces: list[tuple[str, int]] = []
    position = 0
    for start, end, number in sorted(ranges):
        start, end = max(start, position), min(end, len(text))
        if start >= end:
            continue
        if start > position:
            pieces.append((text[position:start], 0))
        pieces.append((text[start:end], number))
        position = end
    if position < len(text):
        pieces.append((text[position:], 0))
    return pieces


@login_required
def pair_detail(request: HttpRequest, pair_id: int) -> HttpResponse:
    """/essays/similarity/pair/<id>/: two essays (or an essay and the outline) with the shared passages marked."""
    user = request.user
    pair = access.get_object_or_404(
        SimilarPair.objects.select_related(
            "run__campaign", "a__person__organisation", "a__grade", "b__person__organisation", "b__grade"
        ),
        user,
        A.VIEW,
        pk=pair_id,
    )
    if pair.b is not None and not access.can_object(user, A.VIEW, pair.b):
        raise Http404
    if not access.can_read_private(user, pair.a) or (pair.b is not None and not access.can_read_private(user, pair.b)):
        raise PermissionDenied
    passages = [tuple(p) for p in pair.passages]
    campaign = pair.run.campaign
    other_text = pair.b.text if pair.b is not None else campaign.essay_outline
    sides = []
    for essay, text, ranges in (
        (pair.a, pair.a.text, [(p[0], p[1], n) for n, p in enumerate(passages, start=1)]),
        (pair.b, other_text, [(p[2], p[3], n) for n, p in enumerate(passages, start=1)]),
    ):
        if essay is not None:
            essay.can_grade = access.can_object(user, A.GRADE, essay)
        sides.append({"essay": essay, "pieces": highlight(text or "", ranges)})
    return render(
        request,
        "essays/similarity_pair.html",
        {"pair": pair, "campaign": campaign, "sides": sides, "passages": len(passages)},
    )
