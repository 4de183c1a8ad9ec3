"""Reads of the campaigns app, always narrowed through organisations.access."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from organisations import access
from organisations.models import Organisation
from portal.lib.text import fold

from . import participation
from .models import Campaign, ConnectionPoint, Document, StudySession

A = access.Action


def document_list(*, user: Any, query: str = "", kind: str = "") -> QuerySet[Document]:
    """Documents matching every word of ``query`` with or without diacritics ("ket luan 21" finds 21-KL/TW)."""
    qs = access.visible(Document.objects.all(), user)
    if kind:
        qs = qs.filter(kind=kind)
    for word in fold(query).split():
        qs = qs.filter(search_text__contains=word)
    return qs.annotate(campaign_count=Count("campaigns", filter=Q(campaigns__parent__isnull=True))).order_by(
        "-issued_on", "number_symbol", "pk"
    )


def campaign_list(*, user: Any, status: str = "", query: str = "", plans: bool = False) -> QuerySet[Campaign]:
    """Campaigns the user may see: those of their subtree and those whose audience covers them.

    Without ``plans`` only provincial (root) campaigns and the plans whose provincial campaign the user
    cannot see are listed; each row carries ``plan_count`` and ``session_count``.
    """
    qs = access.visible(Campaign.objects.all(), user)
    if not plans:
        qs = qs.filter(Q(parent__isnull=True) | ~Q(parent__in=access.visible(Campaign.objects.all(), user)))
    if status:
        qs = qs.filter(status=status)
    for word in fold(query).split():
        qs = qs.filter(Q(title__icontains=word) | Q(documents__search_text__contains=word))
    return (
        qs.distinct()
        .select_related("organisation", "parent")
        .prefetch_related("documents")
        .annotate(plan_count=Count("plans", distinct=True), session_count=Count("sessions", distinct=True))
        .order_by("-starts_on", "title", "pk")
    )


def campaign_plans(*, user: Any, campaign: Campaign) -> list[Campaign]:
    """The visible plans of a provincial campaign, in tree order, with their session counts."""
    qs = access.visible(campaign.plans.all(), user).select_related("organisation")
    return list(qs.annotate(session_count=Count("sessions")).order_by("organisation__path"))


def campaign_sessions(*, user: Any, campaign: Campaign) -> list[StudySession]:
    """The visible sessions of ``campaign`` with their organisation and point / speaker counts."""
    qs = access.visible(campaign.sessions.all(), user).select_related("organisation")
    return list(
        qs.annotate(
            point_count=Count("points", distinct=True), speaker_count=Count("speakers", distinct=True)
        ).order_by("starts_at", "pk")
    )


def session_points(*, session: StudySession, frame: participation.Frame) -> list[ConnectionPoint]:
    """The session's connection points, each with ``roster`` (expected people under its host) and ``attended``.

    Two queries whatever the number of points: the points, then one aggregate with a filtered count per point.
    """
    from django.db.models import Exists, OuterRef

    from .models import Attendance

    points = list(session.points.select_related("host").order_by("host__path"))
    if not points:
        return points
    aggregates: dict[str, Any] = {}
    for point in points:
        under = Q(organisation__path__startswith=point.host.path)
        aggregates[f"r{point.pk}"] = Count("pk", filter=under)
        attended = Exists(
            Attendance.objects.filter(
                person_id=OuterRef("pk"),
                session=session,
                point=point,
                status__in=participation.STUDIED_STATUSES,
            )
        )
        aggregates[f"a{point.pk}"] = Count("pk", filter=Q(attended))
    hosts = Q()
    for point in points:
        hosts |= Q(organisation__path__startswith=point.host.path)
    counts = participation.expected_people(frame, session.campaign.organisation).filter(hosts).aggregate(**aggregates)
    for point in points:
        point.roster = counts[f"r{point.pk}"]
        point.attended = counts[f"a{point.pk}"]
    return points


def report_roots(*, user: Any, campaign: Campaign, frame: participation.Frame) -> list[Organisation]:
    """Where this user's participation pages for ``campaign`` start: the campaign's organiser when they may
    report on it, else the roots of their own reporting scope that lie under it and hold part of its audience."""
    if access.can(user, A.REPORT, campaign.organisation):
        return [campaign.organisation]
    scope = access.scope_of(user)
    paths = [p for p in scope.paths(A.REPORT) if p.startswith(campaign.organisation.path)]
    roots = Organisation.objects.filter(path__in=paths).order_by("path")
    return [org for org in roots if frame.covers(org)]


def participation_children(*, user: Any, organisation: Organisation, frame: participation.Frame) -> list[Organisation]:
    """The children of ``organisation`` the user may report on that hold part of the campaign's audience."""
    children = access.visible(Organisation.objects.filter(parent=organisation, is_active=True), user, A.REPORT)
    return [child for child in children.order_by("path") if frame.covers(child)]


def breadcrumb(*, user: Any, campaign: Campaign, organisation: Organisation) -> list[Organisation]:
    """The organisations from the campaign's organiser down to ``organisation``'s parent that the user may open."""
    ancestors = organisation.ancestors().filter(path__startswith=campaign.organisation.path)
    return [org for org in ancestors if access.can(user, A.REPORT, org)]


def dashboard_campaigns(*, user: Any) -> list[Campaign]:
    """Open provincial (root) campaigns the user may see, newest first."""
    qs = access.visible(Campaign.objects.filter(status=Campaign.Status.OPEN, parent__isnull=True), user)
    return list(qs.select_related("organisation").order_by("-starts_on", "pk"))
