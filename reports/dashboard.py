"""The staff and officers' dashboard: participation and essay progress of the open campaigns in their scope.

Per campaign and reporting root of the user: the headline, a bar per child organisation for participation and
for essays (each bar links to the drill-down page of that organisation), and participation over time (people
who had studied by each day). Every figure comes from the modules that define it (campaigns.participation,
essays.quality), so the dashboard, the drill-down pages and the reports agree. Queries: a fixed number per
panel, whatever the number of people.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import TruncDate
from django.utils import timezone

from campaigns import participation, selectors
from campaigns.models import Attendance, Campaign
from essays import quality
from essays import rules as essay_rules
from organisations.models import Organisation


@dataclass
class Bar:
    organisation: Organisation
    done: int
    total: int
    below: bool = False

    @property
    def rate(self) -> float | None:
        return self.done / self.total if self.total else None


@dataclass
class Panel:
    campaign: Campaign
    root: Organisation
    summary: participation.Summary
    target: Any
    participation_bars: list[Bar] = field(default_factory=list)
    essay_bars: list[Bar] = field(default_factory=list)
    essays: quality.Figures | None = None
    timeline: list[tuple[dt.date, int]] = field(default_factory=list)


def timeline(frame: participation.Frame, org: Organisation) -> list[tuple[dt.date, int]]:
    """(day, people who had studied by the end of that day) from the first day anyone studied: ONE query.

    Each expected person who studied is dated by their first counting session; the dates are grouped in SQL
    and summed up here (a loop over days, not people).
    """
    first = (
        Attendance.objects.filter(
            person_id=OuterRef("pk"),
            session__campaign_id__in=frame.family_ids,
            session__kind__in=participation.COUNTING_KINDS,
            status__in=participation.STUDIED_STATUSES,
        )
        .order_by("session__starts_at")
        .values("session__starts_at")[:1]
    )
    per_day = (
        participation.expected_people(frame, org)
        .order_by()
        .annotate(first=Subquery(first))
        .exclude(first=None)
        .annotate(day=TruncDate("first", tzinfo=timezone.get_current_timezone()))
        .values("day")
        .annotate(n=Count("*"))
        .values_list("day", "n")
    )
    counts = dict(per_day)
    if not counts:
        return []
    day, last = min(counts), max(max(counts), timezone.localdate())
    out, running = [], 0
    while day <= last:
        running += counts.get(day, 0)
        out.append((day, running))
        day += dt.timedelta(days=1)
    return out


def panels(user: Any, campaign: Campaign) -> list[Panel]:
    frame = participation.frame_of(campaign)
    root_campaign = essay_rules.root_of(campaign)
    essay_frame = participation.frame_of(root_campaign)
    levels = quality.levels_of(root_campaign) if root_campaign.essay_required else []
    out = []
    for root in selectors.report_roots(user=user, campaign=campaign, frame=frame):
        children = selectors.participation_children(user=user, organisation=root, frame=frame)
        summary = participation.summary(frame, root, children)
        panel = Panel(campaign=campaign, root=root, summary=summary, target=frame.target)
        panel.participation_bars = [
            Bar(row.organisation, row.figures.studied, row.figures.expected, row.below_target)
            for row in summary.breakdown.rows
            if row.figures.expected
        ]
        if root_campaign.essay_required:
            essays = quality.breakdown(essay_frame, root, children, levels)
            panel.essays = essays.total
            panel.essay_bars = [
                Bar(row.organisation, row.figures.submitted, row.figures.required)
                for row in essays.rows
                if row.figures.required
            ]
        panel.timeline = timeline(frame, root)
        out.append(panel)
    return out


def timeline_svg(points: list[tuple[dt.date, int]], expected: int, width: int = 640, height: int = 160) -> str:
    """A step line of people studied over time, with the expected total as the top. Escaped-safe (numbers only)."""
    if not points or not expected:
        return ""
    left, bottom, top = 36, 22, 8
    plot_w, plot_h = width - left - 8, height - bottom - top
    n = len(points)

    def x(i: int) -> float:
        return left + (i / max(1, n - 1)) * plot_w

    def y(v: int) -> float:
        return top + plot_h - (v / expected) * plot_h

    path = " ".join(f"{'M' if i == 0 else 'L'}{x(i):.1f},{y(v):.1f}" for i, (_, v) in enumerate(points))
    first, last = points[0][0], points[-1][0]
    return (
        f'<svg class="timeline" viewBox="0 0 {width} {height}" role="img" preserveAspectRatio="none" '
        f'xmlns="http://www.w3.org/2000/svg">'
        f'<line x1="{left}" y1="{top}" x2="{width - 8}" y2="{top}" class="tl-target"/>'
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 8}" y2="{top + plot_h}" class="tl-axis"/>'
        f'<path d="{path}" class="tl-line"/>'
        f'<text x="{left - 4}" y="{top + 4}" text-anchor="end" class="tl-label">100%</text>'
        f'<text x="{left - 4}" y="{top + plot_h}" text-anchor="end" class="tl-label">0</text>'
        f'<text x="{left}" y="{height - 6}" class="tl-label">{first:%d/%m}</text>'
        f'<text x="{width - 8}" y="{height - 6}" text-anchor="end" class="tl-label">{last:%d/%m}</text>'
        "</svg>"
    )
