"""Reads of the campaigns app, always narrowed through organisations.access."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from organisations import access
from organisations.models import Organisation, Person
from portal.lib.text import fold

from . import participation
from .attendance.common import audience_covers, home_point, path_prefixes
from .models import Attendance, Campaign, ConnectionPoint, Document, Speaker, StudySession

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


# --------------------------------------------------------------------------------------------
# A member's own study (/campaigns/mine/)
# --------------------------------------------------------------------------------------------


@dataclass
class MySession:
    """A session as one member sees it: where they go, and what was recorded for them."""

    session: StudySession
    point: ConnectionPoint | None  # their connection point (hosted nearest above them), if the session has one
    attendance: Attendance | None  # what was recorded for them, if anything

    @property
    def state(self) -> str:
        """present / elsewhere / absent (recorded); upcoming / ongoing / not_recorded (nothing recorded)."""
        if self.attendance is not None:
            return self.attendance.status
        now = timezone.now()
        if self.session.starts_at > now:
            return "upcoming"
        return "ongoing" if self.session.ends_at > now else "not_recorded"


@dataclass
class MyCampaign:
    """One campaign family (the provincial campaign and the member's committee's plan) as a member sees it."""

    campaign: Campaign  # the provincial campaign, or the plan when the provincial one does not concern them
    plan: Campaign | None  # their committee's plan under it, if any
    sessions: list[MySession]  # main sessions, and any session where something was recorded for them
    makeups: list[MySession]  # make-up sessions still to come that they may attend (shown while not studied)
    studied: bool  # by the participation definition (campaigns/participation.py)
    excused: bool  # excused from Party activities: out of the figures, nothing is asked of them

    @property
    def anchor(self) -> str:
        return f"campaign-{self.campaign.pk}"

    @property
    def outlook(self) -> str:
        """What a member who has not studied should do next: upcoming (attend your session), pending (nothing
        entered for you yet), makeup (attend a make-up session), missed (nothing left to attend), none (no
        session yet). Once anything was recorded for them, sessions without a record were simply not theirs."""
        states = {item.state for item in self.sessions}
        if states & {"upcoming", "ongoing"}:
            return "upcoming"
        if "not_recorded" in states and not any(item.attendance for item in self.sessions):
            return "pending"
        if self.makeups:
            return "makeup"
        return "missed" if self.sessions else "none"


_KIND_FIELDS = {
    Person.Kind.OFFICIAL: "include_official",
    Person.Kind.PROBATIONARY: "include_probationary",
    Person.Kind.NON_PARTY: "include_non_party",
}


def my_study(*, user: Any) -> tuple[Person, list[MyCampaign]] | None:
    """The user's own study: each campaign whose audience covers them, for their kind of person, newest first
    (drafts never), with the sessions relevant to them and what was recorded for them. None for an account
    that is not a participant.

    Relevant sessions (of the campaign's family, of open or closed campaigns): organised at the member's
    organisation or an ancestor, or with a connection point hosted there, or where something was recorded
    for them. Main sessions are listed always, make-up ones while the member has not studied (those to come)
    or when recorded, re-study ones only when recorded. 8 queries (and the scope), whatever the number of
    campaigns or sessions.
    """
    scope = access.scope_of(user)
    if scope.person_id is None:
        return None
    person = access.visible(Person.objects.select_related("organisation"), user).filter(pk=scope.person_id).first()
    if person is None:
        return None
    prefixes = path_prefixes(person.organisation.path)
    campaigns: list[Campaign] = []
    if person.status in (Person.Status.ACTIVE, Person.Status.EXCUSED) and person.kind in _KIND_FIELDS:
        covering = Campaign.audience.through.objects.filter(organisation__path__in=prefixes).values("campaign_id")
        campaigns = list(
            access.visible(Campaign.objects.exclude(status=Campaign.Status.DRAFT), user)
            .filter(pk__in=covering, **{_KIND_FIELDS[person.kind]: True})
            .select_related("organisation")
            .prefetch_related("documents")
        )
    if not campaigns:
        return person, []
    # One card per family: the provincial campaign, with the member's committee plan beside it.
    families: dict[int, dict[str, Campaign]] = {}
    for campaign in campaigns:
        role = "plan" if campaign.parent_id else "root"
        families.setdefault(campaign.parent_id or campaign.pk, {})[role] = campaign
    root_ids = list(families)
    family = Q(campaign_id__in=root_ids) | Q(campaign__parent_id__in=root_ids)
    mine = Attendance.objects.filter(person_id=person.pk)
    sessions = list(
        access.visible(StudySession.objects.filter(family), user)
        .exclude(campaign__status=Campaign.Status.DRAFT)
        .filter(audience_covers(person.organisation.path))
        .filter(
            Q(organisation__path__in=prefixes)
            | Q(pk__in=ConnectionPoint.objects.filter(host__path__in=prefixes).values("session_id"))
            | Q(pk__in=mine.values("session_id"))
        )
        .select_related("organisation", "campaign")
        .prefetch_related(
            Prefetch("speakers", queryset=Speaker.objects.order_by("pk")),
            Prefetch(
                "points",
                queryset=ConnectionPoint.objects.filter(host__path__in=prefixes).select_related("host"),
                to_attr="near_points",
            ),
        )
        .order_by("starts_at", "pk")
    )
    recorded = {
        a.session_id: a
        for a in access.visible(mine.filter(session__in=[s.pk for s in sessions]), user).select_related("point__host")
    }
    studied = participation.studied_families(person.pk, root_ids)
    now = timezone.now()
    out: list[MyCampaign] = []
    for root_id, members in families.items():
        card = MyCampaign(
            campaign=members.get("root") or members["plan"],
            plan=members.get("plan") if "root" in members else None,
            sessions=[],
            makeups=[],
            studied=root_id in studied,
            excused=person.status == Person.Status.EXCUSED,
        )
        for session in sessions:
            if (session.campaign.parent_id or session.campaign_id) != root_id:
                continue
            attendance = recorded.get(session.pk)
            item = MySession(session, home_point(session.near_points, person.organisation.path), attendance)
            if attendance is not None or session.kind == StudySession.Kind.MAIN:
                card.sessions.append(item)
            elif session.kind == StudySession.Kind.MAKEUP and session.ends_at > now:
                card.makeups.append(item)
        out.append(card)
    out.sort(key=lambda c: (c.campaign.starts_on, c.campaign.pk), reverse=True)
    return person, out
