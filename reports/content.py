"""What a report says: the figures of one campaign for one organisation and each of its children.

Everything is computed by the modules that define the figures (campaigns.participation for participation
and completion, essays.quality for the essays); this module only assembles them into rows, so the PDF,
the Excel file, the dashboard and the drill-down pages agree by construction. Queries: a fixed number
per report, whatever the size of the tree (see bench/bench_report.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count
from django.db.models.functions import Substr
from django.utils import timezone

from campaigns import participation
from campaigns.models import Campaign, StudySession
from essays import quality as essay_quality
from essays import rules as essay_rules
from organisations.models import STEP, Organisation


@dataclass
class Line:
    """One organisation's line of the report (a child, or the totals)."""

    organisation: Organisation | None  # None: the totals line
    figures: participation.Figures
    sessions: int = 0
    held: bool | None = None
    below_target: bool = False
    essays: Any = None  # essays.quality figures, when available


@dataclass
class Content:
    campaign: Campaign
    organisation: Organisation
    as_of: dt.date
    target: Decimal
    lines: list[Line]
    total: Line
    own: Line | None = None  # what sits at the organisation itself (its own sessions, people directly in it)
    completion: list[participation.Completion] = field(default_factory=list)
    grassroots: participation.Completion | None = None
    flagged: list[participation.Unit] = field(default_factory=list)
    grades: list[str] = field(default_factory=list)

    @property
    def held_count(self) -> int:
        """How many of the lines' organisations held their session."""
        return sum(bool(line.held) for line in self.lines)

    @property
    def below_target_count(self) -> int:
        return sum(line.below_target for line in self.lines)


def end_of(day: dt.date) -> dt.datetime:
    """The last instant of ``day`` in the portal's time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.max))


def children_of(frame: participation.Frame, org: Organisation) -> list[Organisation]:
    """The direct children of ``org`` that hold part of the audience, in tree order."""
    children = Organisation.objects.filter(parent=org, is_active=True).order_by("path")
    return [child for child in children if frame.covers(child)]


def sessions_by_child(frame: participation.Frame, org: Organisation, now: dt.datetime) -> dict[str, int]:
    """Counting sessions held (started by ``now``) at or below each child of ``org``: ONE grouped query."""
    width = len(org.path) + STEP
    rows = (
        StudySession.objects.filter(
            campaign_id__in=frame.family_ids,
            kind__in=participation.COUNTING_KINDS,
            starts_at__lte=now,
            organisation__path__startswith=org.path,
        )
        .order_by()
        .annotate(prefix=Substr("organisation__path", 1, width))
        .values("prefix")
        .annotate(n=Count("*"))
        .values_list("prefix", "n")
    )
    return dict(rows)


def build(campaign: Campaign, organisation: Organisation, as_of: dt.date) -> Content:
    """The report's content. ``as_of`` bounds which sessions count as held and which units are flagged."""
    now = min(end_of(as_of), timezone.now())
    frame = participation.frame_of(campaign)
    children = children_of(frame, organisation)
    summary = participation.summary(frame, organisation, children, now=now)
    sessions = sessions_by_child(frame, organisation, now)
    essays_rows: dict[int, Any] = {}
    essays_total = None
    quality = None
    grades: list[str] = []
    root = essay_rules.root_of(campaign)
    if root.essay_required:  # the essays' figures are the provincial campaign's (essays.rules)
        levels = essay_quality.levels_of(root)
        quality = essay_quality.breakdown(participation.frame_of(root), organisation, children, levels)
        essays_total = quality.total
        essays_rows = {row.organisation.pk: row.figures for row in quality.rows}
        grades = [level.label for level in levels]
    lines = [
        Line(
            organisation=row.organisation,
            figures=row.figures,
            sessions=sessions.get(row.organisation.path, 0),
            held=row.held,
            below_target=row.below_target,
            essays=essays_rows.get(row.organisation.pk),
        )
        for row in summary.breakdown.rows
    ]
    # The organisation's own share, so that the lines add up to the total: sessions it organised itself (the
    # provincial conference) and people who sit directly in it rather than under a child.
    own_essays = quality.own if quality is not None else None
    own = Line(
        organisation=organisation,
        figures=summary.breakdown.own,
        sessions=sessions.get(organisation.path, 0),
        essays=own_essays,
    )
    has_own = (
        own.figures.expected
        or own.figures.excused
        or own.sessions
        or (own_essays is not None and (own_essays.required or own_essays.exempt))
    )
    total = Line(
        organisation=None,
        figures=summary.breakdown.total,
        sessions=sum(sessions.values()),
        below_target=summary.below_target,
        essays=essays_total,
    )
    return Content(
        campaign=campaign,
        organisation=organisation,
        as_of=as_of,
        target=frame.target,
        lines=lines,
        total=total,
        own=own if has_own else None,
        completion=summary.children_completion,
        grassroots=summary.grassroots_completion,
        flagged=summary.flagged,
        grades=grades,
    )
