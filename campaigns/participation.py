"""Participation (tỉ lệ tham gia học tập): who was expected to study, who did, at every level of the tree.

Definitions (one place, used by the pages, the dashboard, the reports and the bench):

- The campaign's *family* is the provincial campaign and its cascaded plans. A plan counts its own
  audience (its committee's subtree), the provincial campaign the whole audience; attendance at a
  session of any campaign of the family counts for both.
- *Expected*: people whose status is ``active``, whose kind the campaign includes, whose organisation
  lies in one of the audience's subtrees (and in the subtree being looked at). The current
  organisation of the person decides where they count.
- *Studied*: expected people with at least one attendance of status present or "attended at another
  point" at a MAIN or MAKEUP session of the family. A person counts once, however many sessions or
  connection points recorded them. RE-STUDY sessions do not count (they belong to the essays' cycle).
- *Excused* people (excused from Party activities) are listed separately and are out of the
  denominator. People transferred out or deceased are out of everything (neither expected, nor
  excused, nor listed): they are no longer participants of the organisation.
- *Rate* = studied / expected (None when nobody is expected; that is not 0 %).
- An organisation *held its session* when a main or make-up session of the family that has started was
  organised at or below it, or one of its connection points was hosted at or below it, or at least one
  of its people studied.
- A *unit* is an organisation that directly holds expected people (a party cell, or a socio-political
  organisation). A unit is *flagged* to the committee above it when a session whose audience includes it
  has ended, attendance was entered and its rate is below the campaign's target; or when such a session
  ended more than 48 hours ago and no attendance at all was entered for its people (before those 48
  hours an empty unit is simply not entered yet).

Speed: every figure is an SQL aggregate. The per-child breakdown is ONE grouped query, whatever the
number of children: people are grouped on their organisation path cut to the length of a child's path
(``Substr(path, 1, len(X.path) + STEP)``), with filtered counts and an EXISTS for "studied". Nothing
loops over people in Python; the loops here run over organisations or sessions at most. The counts need
no DISTINCT: the audience is an OR of path prefixes on the person's own organisation (no join to the
audience table) and attendance is only probed through EXISTS, so each person is one row of the join.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import reduce

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Substr
from django.utils import timezone

from organisations.models import STEP, Organisation, Person
from portal.lib.numbers import rate as _rate

from .models import Attendance, Campaign, ConnectionPoint, StudySession

COUNTING_KINDS = (StudySession.Kind.MAIN, StudySession.Kind.MAKEUP)
STUDIED_STATUSES = (Attendance.Status.PRESENT, Attendance.Status.ELSEWHERE)
LATE_ENTRY = dt.timedelta(hours=48)
ACTIVE = Person.Status.ACTIVE
EXCUSED = Person.Status.EXCUSED


# --------------------------------------------------------------------------------------------
# The campaign's frame: what is counted
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Frame:
    """What a campaign counts: its audience, the kinds of people, the campaigns whose sessions count."""

    campaign: Campaign
    audience_paths: tuple[str, ...]
    kinds: tuple[str, ...]
    family_ids: tuple[int, ...]

    @property
    def target(self) -> Decimal:
        """The target rate as a ratio (90 % -> 0.9)."""
        return Decimal(self.campaign.target_rate) / 100

    def covers(self, org: Organisation) -> bool:
        """Does ``org``'s subtree hold part of the audience (it lies in it, or an audience root lies in it)?"""
        return any(org.path.startswith(p) or p.startswith(org.path) for p in self.audience_paths)

    def audience_q(self, lookup: str = "organisation__path") -> Q:
        if not self.audience_paths:
            return Q(pk__in=[])
        return reduce(operator.or_, [Q(**{f"{lookup}__startswith": p}) for p in self.audience_paths])


def frame_of(campaign: Campaign) -> Frame:
    """The frame of ``campaign`` (two small queries: its audience, its family)."""
    root_id = campaign.parent_id or campaign.pk
    family = Campaign.objects.filter(Q(pk=root_id) | Q(parent_id=root_id)).values_list("pk", flat=True)
    paths = sorted(campaign.audience.values_list("path", flat=True))
    roots = [p for i, p in enumerate(paths) if not any(p.startswith(q) for q in paths[:i])]  # nested ones folded
    return Frame(
        campaign=campaign,
        audience_paths=tuple(roots),
        kinds=tuple(campaign.person_kinds),
        family_ids=tuple(sorted(family)),
    )


def _counting_attendance(frame: Frame) -> QuerySet[Attendance]:
    return Attendance.objects.filter(session__campaign_id__in=frame.family_ids, session__kind__in=COUNTING_KINDS)


def studied_exists(frame: Frame) -> Exists:
    """EXISTS(a studied attendance of the outer person at a counting session of the family)."""
    return Exists(_counting_attendance(frame).filter(person_id=OuterRef("pk"), status__in=STUDIED_STATUSES))


def recorded_exists(frame: Frame) -> Exists:
    """EXISTS(any attendance, whatever its status, of the outer person at a counting session)."""
    return Exists(_counting_attendance(frame).filter(person_id=OuterRef("pk")))


def studied_families(person_id: int, root_ids: Iterable[int]) -> set[int]:
    """Of the provincial (root) campaigns ``root_ids``, those whose family ``person_id`` has studied: ONE query.

    The same definition as ``studied_exists``, for one person across many campaigns (the member's own page).
    """
    roots = list(root_ids)
    if not roots:
        return set()
    rows = (
        Attendance.objects.filter(
            Q(session__campaign_id__in=roots) | Q(session__campaign__parent_id__in=roots),
            person_id=person_id,
            session__kind__in=COUNTING_KINDS,
            status__in=STUDIED_STATUSES,
        )
        .annotate(root=Coalesce("session__campaign__parent_id", "session__campaign_id"))
        .order_by()
        .values_list("root", flat=True)
        .distinct()
    )
    return set(rows)


def participants(frame: Frame, org: Organisation) -> QuerySet[Person]:
    """Everyone the campaign concerns under ``org``: the expected (active) and the excused."""
    return Person.objects.filter(
        frame.audience_q(),
        organisation__path__startswith=org.path,
        kind__in=frame.kinds,
        status__in=(ACTIVE, EXCUSED),
    )


def expected_people(frame: Frame, org: Organisation) -> QuerySet[Person]:
    return participants(frame, org).filter(status=ACTIVE)


# --------------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    expected: int = 0
    studied: int = 0
    excused: int = 0

    @property
    def rate(self) -> Decimal | None:
        return _rate(self.studied, self.expected)

    @property
    def missing(self) -> int:
        return self.expected - self.studied

    def below(self, target: Decimal) -> bool:
        rate = self.rate
        return rate is not None and rate < target

    def __add__(self, other: Figures) -> Figures:
        return Figures(self.expected + other.expected, self.studied + other.studied, self.excused + other.excused)


def _figure_aggregates(frame: Frame) -> dict[str, Count]:
    active = Q(status=ACTIVE)
    return {
        "expected": Count("pk", filter=active),
        "studied": Count("pk", filter=active & Q(studied_exists(frame))),
        "excused": Count("pk", filter=Q(status=EXCUSED)),
    }


def figures(frame: Frame, org: Organisation) -> Figures:
    """Expected, studied and excused under ``org`` (one query)."""
    row = participants(frame, org).aggregate(**_figure_aggregates(frame))
    return Figures(row["expected"], row["studied"], row["excused"])


@dataclass
class Row:
    """One child of the organisation being looked at, with its figures."""

    organisation: Organisation
    figures: Figures
    held: bool = False
    flagged_units: int = 0
    below_target: bool = False

    def below(self, target: Decimal) -> bool:
        return self.figures.below(target)


@dataclass
class Breakdown:
    organisation: Organisation
    total: Figures
    rows: list[Row]
    own: Figures  # people directly in the organisation, not in any child


def breakdown(frame: Frame, org: Organisation, children: Sequence[Organisation]) -> Breakdown:
    """``org``'s figures and each child's: ONE grouped aggregate query, whatever the number of children.

    ``children`` are the direct children of ``org`` to show (the caller chooses, e.g. the visible ones
    that hold part of the audience). People below ``org`` but not under a listed child go to ``own``
    when they sit directly in ``org``; the total counts everyone under ``org``.
    """
    width = len(org.path) + STEP
    grouped = (
        participants(frame, org)
        .order_by()
        .annotate(prefix=Substr("organisation__path", 1, width))
        .values("prefix")
        .annotate(**_figure_aggregates(frame))
        .values_list("prefix", "expected", "studied", "excused")
    )
    by_prefix = {prefix: Figures(e, s, x) for prefix, e, s, x in grouped}
    total = reduce(operator.add, by_prefix.values(), Figures())
    rows = [Row(child, by_prefix.get(child.path, Figures())) for child in children]
    return Breakdown(organisation=org, total=total, rows=rows, own=by_prefix.get(org.path, Figures()))


# --------------------------------------------------------------------------------------------
# Organisation completion: who held their session
# --------------------------------------------------------------------------------------------


def _prefixes(paths: Iterable[str]) -> set[str]:
    """Every ancestor-or-self path of each path: "held at or below X" becomes ``X.path in prefixes``."""
    return {path[:i] for path in paths for i in range(STEP, len(path) + 1, STEP)}


def active_paths(
    frame: Frame, org: Organisation, *, now: dt.datetime | None = None, studied_paths: Iterable[str] | None = None
) -> set[str]:
    """Ancestor-or-self paths of every place under ``org`` where a counting session happened.

    3 queries, or 2 when the caller already knows ``studied_paths`` (the organisations holding someone who
    studied, e.g. from ``units``).
    """
    now = now or timezone.now()
    sessions = StudySession.objects.filter(
        campaign_id__in=frame.family_ids,
        kind__in=COUNTING_KINDS,
        starts_at__lte=now,
    )
    organised = (
        sessions.filter(organisation__path__startswith=org.path).order_by().values_list("organisation__path", flat=True)
    )
    hosted = ConnectionPoint.objects.filter(session__in=sessions, host__path__startswith=org.path).order_by()
    if studied_paths is None:
        studied_paths = (
            expected_people(frame, org)
            .filter(studied_exists(frame))
            .order_by()
            .values_list("organisation__path", flat=True)
            .distinct()
        )
    return _prefixes([*organised.distinct(), *hosted.values_list("host__path", flat=True).distinct(), *studied_paths])


@dataclass(frozen=True)
class Completion:
    """ "13/13 cấp ủy trực thuộc": how many organisations of one kind held their session."""

    kind: str  # an Organisation.Kind value; GRASSROOTS stands for both grassroots kinds
    held: int
    total: int

    @property
    def rate(self) -> Decimal | None:
        return _rate(self.held, self.total)

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.held == self.total


def _kind_group(kind: str) -> str:
    return Organisation.Kind.GRASSROOTS if kind in Organisation.GRASSROOTS_KINDS else kind


def completion(
    frame: Frame,
    org: Organisation,
    rows: Sequence[Row],
    *,
    now: dt.datetime | None = None,
    studied_paths: Iterable[str] | None = None,
) -> tuple[list[Completion], Completion | None]:
    """Which children held their session (marks ``rows``), per kind; and the grassroots completion under ``org``.

    The grassroots figure ("100% TCCSĐ") counts every grassroots organisation (đảng bộ cơ sở or chi bộ
    cơ sở) in ``org``'s subtree that holds part of the audience; None when there are none.
    Queries: 4 (3 with ``studied_paths``), whatever the size of the subtree.
    """
    held_paths = active_paths(frame, org, now=now, studied_paths=studied_paths)
    per_kind: dict[str, list[int]] = {}
    for row in rows:
        row.held = row.organisation.path in held_paths
        counts = per_kind.setdefault(_kind_group(row.organisation.kind), [0, 0])
        counts[0] += row.held
        counts[1] += 1
    children = [Completion(kind, held, total) for kind, (held, total) in per_kind.items()]
    if org.kind in Organisation.GRASSROOTS_KINDS or org.is_cell:
        grassroots_paths = [o.path for o in [*org.ancestors(), org] if o.kind in Organisation.GRASSROOTS_KINDS]
    else:
        grassroots_paths = list(
            Organisation.objects.filter(path__startswith=org.path, kind__in=Organisation.GRASSROOTS_KINDS).values_list(
                "path", flat=True
            )
        )
    grassroots_paths = [p for p in grassroots_paths if frame.covers(Organisation(path=p))]
    grassroots = None
    if grassroots_paths:
        grassroots = Completion(
            Organisation.Kind.GRASSROOTS, sum(p in held_paths for p in grassroots_paths), len(grassroots_paths)
        )
    return children, grassroots


# --------------------------------------------------------------------------------------------
# Units and flags
# --------------------------------------------------------------------------------------------


@dataclass
class Unit:
    """An organisation that directly holds expected people (a cell, a socio-political organisation)."""

    pk: int
    path: str
    name: str
    kind: str
    parent_name: str
    figures: Figures
    recorded: bool  # any attendance entered for its people
    below_target: bool = False
    no_attendance_since: dt.datetime | None = None  # when the first session including it ended
    above: Organisation | None = None  # the organisation it is reported to on the dashboard

    @property
    def flagged(self) -> bool:
        return self.below_target or self.no_attendance_since is not None


def _session_ends(frame: Frame, org: Organisation, now: dt.datetime) -> dict[str, dt.datetime]:
    """For each place whose people a counting session that has ended includes: the earliest end (2 queries).

    A session includes the people under its organising organisation and under each of its points.
    The places returned are the organisation's path and the hosts' paths, plus sessions above ``org``.
    """
    sessions = list(
        StudySession.objects.filter(
            campaign_id__in=frame.family_ids, kind__in=COUNTING_KINDS, ends_at__lte=now
        ).values_list("pk", "organisation__path", "ends_at")
    )
    ends: dict[str, dt.datetime] = {}

    def note(path: str, end: dt.datetime) -> None:
        if path not in ends or end < ends[path]:
            ends[path] = end

    by_pk = {pk: end for pk, _path, end in sessions}
    for _pk, path, end in sessions:
        note(path, end)
    if by_pk:
        for session_id, host_path in ConnectionPoint.objects.filter(session_id__in=list(by_pk)).values_list(
            "session_id", "host__path"
        ):
            note(host_path, by_pk[session_id])
    return ends


def units(frame: Frame, org: Organisation, *, now: dt.datetime | None = None) -> list[Unit]:
    """Every unit under ``org`` with its figures and flags, in tree order (4 queries).

    People are grouped on their organisation's id alone (a hash aggregate on one integer); the
    organisations' names and paths come from one read of the subtree.
    """
    now = now or timezone.now()
    rows = (
        participants(frame, org)
        .order_by()
        .values("organisation_id")
        .annotate(**_figure_aggregates(frame), recorded=Count("pk", filter=Q(recorded_exists(frame))))
        .values_list("organisation_id", "expected", "studied", "excused", "recorded")
    )
    counts = {org_id: (Figures(e, s, x), r > 0) for org_id, e, s, x, r in rows}
    places = (
        Organisation.objects.filter(path__startswith=org.path, pk__in=list(counts))
        if len(counts) < 500
        else org.subtree()
    )
    info = {pk: rest for pk, *rest in places.values_list("pk", "path", "name", "kind", "parent__name")}
    ends = _session_ends(frame, org, now)
    target = frame.target
    out: list[Unit] = []
    for org_id, (figures, recorded) in counts.items():
        path, name, kind, parent_name = info[org_id]
        unit = Unit(
            pk=org_id,
            path=path,
            name=name,
            kind=kind,
            parent_name=parent_name or "",
            figures=figures,
            recorded=recorded,
        )
        if figures.expected:
            included = [ends[p] for p in _prefixes([path]) if p in ends]
            first_end = min(included) if included else None
            if first_end is not None:
                # Below target only once attendance was entered: an empty unit is late (48 h), not low.
                unit.below_target = recorded and figures.below(target)
                if not recorded and first_end <= now - LATE_ENTRY:
                    unit.no_attendance_since = first_end
        out.append(unit)
    out.sort(key=lambda u: u.path)
    return out


def flagged_units(
    frame: Frame, org: Organisation, *, now: dt.datetime | None = None, all_units: Sequence[Unit] | None = None
) -> list[Unit]:
    """The flagged units under ``org``, each with ``above`` set to the organisation it is reported to.

    ``above`` is the child of ``org`` the unit lies under (the committee above it on ``org``'s dashboard);
    a unit that is a direct child of ``org`` is reported to ``org`` itself. 5 queries (1 with ``all_units``).
    """
    if all_units is None:
        all_units = units(frame, org, now=now)
    flagged = [u for u in all_units if u.flagged]
    width = len(org.path) + STEP
    prefixes = {u.path[:width] for u in flagged if len(u.path) > width}
    above = {o.path: o for o in Organisation.objects.filter(path__in=prefixes)} if prefixes else {}
    for unit in flagged:
        unit.above = above.get(unit.path[:width], org) if len(unit.path) > width else org
    return flagged


def count_flags_by_child(flagged: Sequence[Unit], org: Organisation) -> dict[str, int]:
    """How many flagged units lie under each child path of ``org`` (no query)."""
    width = len(org.path) + STEP
    counts: dict[str, int] = {}
    for unit in flagged:
        key = unit.path[:width]
        counts[key] = counts.get(key, 0) + 1
    return counts


# --------------------------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------------------------


def not_studied(frame: Frame, org: Organisation) -> QuerySet[Person]:
    """Expected people under ``org`` who have not studied yet, in Vietnamese name order.

    Each carries ``last_status`` and ``last_reason``: their latest attendance at a counting session of
    the family (absent, with the reason), or None when nothing was recorded for them.
    """
    latest = _counting_attendance(frame).filter(person_id=OuterRef("pk")).order_by("-session__starts_at", "-pk")
    return (
        expected_people(frame, org)
        .filter(~studied_exists(frame))
        .select_related("organisation")
        .annotate(last_status=Subquery(latest.values("status")[:1]), last_reason=Subquery(latest.values("reason")[:1]))
        .order_by("sort_key", "id")
    )


def excused_people(frame: Frame, org: Organisation) -> QuerySet[Person]:
    """People under ``org`` excused from Party activities: out of the denominator, listed apart."""
    return participants(frame, org).filter(status=EXCUSED).select_related("organisation").order_by("sort_key", "id")


@dataclass
class Summary:
    """The headline of a campaign for one organisation: figures, completion, flags."""

    frame: Frame
    organisation: Organisation
    breakdown: Breakdown
    children_completion: list[Completion] = field(default_factory=list)
    grassroots_completion: Completion | None = None
    flagged: list[Unit] = field(default_factory=list)

    @property
    def below_target(self) -> bool:
        return self.breakdown.total.below(self.frame.target)


def summary(
    frame: Frame, org: Organisation, children: Sequence[Organisation], *, now: dt.datetime | None = None
) -> Summary:
    """Everything a drill-down or dashboard shows for ``org``: ~9 queries, whatever the size of the subtree."""
    now = now or timezone.now()
    result = breakdown(frame, org, children)
    all_units = units(frame, org, now=now)
    studied_paths = [u.path for u in all_units if u.figures.studied]
    children_completion, grassroots = completion(frame, org, result.rows, now=now, studied_paths=studied_paths)
    flagged = flagged_units(frame, org, now=now, all_units=all_units)
    counts = count_flags_by_child(flagged, org)
    for row in result.rows:
        row.flagged_units = counts.get(row.organisation.path, 0)
        row.below_target = row.figures.below(frame.target)
    return Summary(
        frame=frame,
        organisation=org,
        breakdown=result,
        children_completion=children_completion,
        grassroots_completion=grassroots,
        flagged=flagged,
    )
