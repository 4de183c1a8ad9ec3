"""Quality of the essays (chất lượng bài thu hoạch) at every level of the tree, from the province down to names.

Definitions, per person, for a provincial campaign (``essays.rules`` defines who is required, exemptions,
states, failing and re-study; this module only counts):

- The *population* under an organisation is the people the campaign expects there
  (``participation.expected_people`` of the provincial campaign's frame). The *required* are those
  without an exemption (``rules.required_people``); the *exempt* are counted apart and are in no other
  essay figure except the re-study ones (below). ``voluntary``: exempt people who submitted anyway.
- *Submitted*: the first attempt was submitted (a later attempt exists only after a graded first one, so
  this is "submitted at least once"). *On time*: that first attempt was not marked late (later attempts
  are never late); ``late`` = submitted - on time. *Not submitted* = required - submitted.
- *Graded*: at least one attempt has a grade, released or not (committees see grades before members do).
  The *grade distribution* counts each graded person once, by the grade of their latest graded attempt,
  one figure per ``GradeLevel`` of the campaign's scale, best first; *passed*: that grade passes.
- Re-study (required and exempt people alike, as on a re-study session's roster, since an exempt
  person's voluntary essay that fails sends them back to study too): *failed*: at least one attempt with a
  released failing grade; *must re-study*: state MUST_RESTUDY now; *re-studied*: attended a re-study
  session after a failing grade. A person who failed twice and re-studied once is in all three.
- *Participation* (studied / expected) is ``campaigns.participation``'s, shown beside.

API (the pages here and the reports reuse it): ``frame = participation.frame_of(rules.root_of(campaign))``,
``levels = levels_of(frame.campaign)``; then ``figures(frame, org, levels) -> Figures`` for one organisation,
``breakdown(frame, org, children, levels) -> Breakdown`` for it and each child (with participation beside),
and ``people(frame, org, Show.X)`` for the names behind one figure.

Speed: ONE grouped query per level, whatever the number of people or children. Each expected person is
annotated with a few facts (``_facts``), each an EXISTS correlated on the person's id alone, and the rows
are GROUPed on (child's path prefix, facts) with COUNT(*): the same ``Substr(path, 1, len(org.path) + STEP)``
technique as ``participation.breakdown``. PostgreSQL runs each EXISTS once, as a hashed subplan over the
campaign's essays, and probes it per person; people with the same facts fall in one group, so the database
returns a few rows per child (the combinations that occur) and the figures are sums over those groups.
Nothing loops over people in Python. "Must re-study" is ``rules.must_restudy_exists``, which the tests hold
equal to ``rules.state_of`` (the member's own page), so no state is defined twice.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from decimal import Decimal
from enum import StrEnum
from functools import reduce
from itertools import zip_longest
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Substr
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from campaigns import participation
from campaigns.models import Attendance, Campaign, StudySession
from organisations.models import STEP, Organisation, Person
from portal.lib.numbers import rate as _rate

from . import rules
from .models import Essay, GradeLevel


def levels_of(root: Campaign) -> list[GradeLevel]:
    """The campaign's grading scale, best first (one query; empty until a scale exists)."""
    return list(GradeLevel.objects.filter(campaign=root).order_by("order", "pk"))


# --------------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """The essay figures of one organisation (or one child's subtree). See the module docstring."""

    required: int = 0
    submitted: int = 0
    on_time: int = 0
    graded: int = 0
    grades: tuple[int, ...] = ()  # per level of the scale, in the order of ``levels_of``
    passed: int = 0
    failed: int = 0
    must_restudy: int = 0
    restudied: int = 0
    exempt: int = 0
    voluntary: int = 0

    @property
    def not_submitted(self) -> int:
        return self.required - self.submitted

    @property
    def late(self) -> int:
        return self.submitted - self.on_time

    @property
    def waiting(self) -> int:
        """Submitted, no grade yet (a grade needs a submitted attempt: graded <= submitted)."""
        return self.submitted - self.graded

    @property
    def submitted_rate(self) -> Decimal | None:
        return _rate(self.submitted, self.required)

    @property
    def on_time_rate(self) -> Decimal | None:
        return _rate(self.on_time, self.required)

    @property
    def graded_rate(self) -> Decimal | None:
        """Graded / submitted: how far grading has come."""
        return _rate(self.graded, self.submitted)

    @property
    def passed_rate(self) -> Decimal | None:
        """Passed / graded."""
        return _rate(self.passed, self.graded)

    def __add__(self, other: Figures) -> Figures:
        values: dict[str, Any] = {}
        for f in fields(self):
            mine, theirs = getattr(self, f.name), getattr(other, f.name)
            if f.name == "grades":
                values[f.name] = tuple(a + b for a, b in zip_longest(mine, theirs, fillvalue=0))
            else:
                values[f.name] = mine + theirs
        return Figures(**values)


def _facts(root: Campaign, levels: Sequence[GradeLevel]) -> dict[str, Exists]:
    """The facts of one person, each an EXISTS correlated on the person's id alone.

    That shape lets PostgreSQL run each one once as a hashed subplan over the essays (or exemptions) of the
    campaign, then probe it per person, instead of running a subquery per person. ``grade_<i>``: the latest
    graded attempt has the i-th grade of ``levels`` (at most one is true).
    """
    mine = Essay.objects.filter(campaign=root, person_id=OuterRef("pk"))
    first = mine.filter(attempt=1).exclude(status=Essay.Status.DRAFT)
    graded = Essay.objects.filter(campaign=root, status=Essay.Status.GRADED)
    later_graded = graded.filter(person_id=OuterRef("person_id"), attempt__gt=OuterRef("attempt"))
    latest_graded = graded.filter(person_id=OuterRef("pk")).exclude(Exists(later_graded))
    facts = {
        "exempt": rules.exempt_exists(root),
        "submitted": Exists(first),
        "late": Exists(first.filter(is_late=True)),
        "graded": Exists(mine.filter(status=Essay.Status.GRADED)),
        "failed": rules.failed_exists(root),
        "restudied_ever": rules.restudied_exists(root),
        "must_restudy": rules.must_restudy_exists(root),
    }
    for i, level in enumerate(levels):
        facts[f"grade_{i}"] = Exists(latest_graded.filter(grade_id=level.pk))
    return facts


def _people(frame: participation.Frame, org: Organisation, levels: Sequence[GradeLevel]) -> QuerySet[Person]:
    """Everyone the campaign expects under ``org`` (exempt or not), with their facts (``_facts``)."""
    return participation.expected_people(frame, org).annotate(**_facts(frame.campaign, levels))


def _tally(groups: Iterable[dict[str, Any]], levels: Sequence[GradeLevel]) -> Figures:
    """Sum the groups (facts and their count ``n``) of one subtree into its figures: a loop over groups, not people."""
    counts = dict.fromkeys(
        ("required", "submitted", "on_time", "graded", "passed", "failed", "must_restudy", "restudied",
         "exempt", "voluntary"),
        0,
    )  # fmt: skip
    grades = [0] * len(levels)
    for row in groups:
        n = row["n"]
        if row["failed"]:
            counts["failed"] += n
            counts["restudied"] += n if row["restudied_ever"] else 0
        if row["must_restudy"]:
            counts["must_restudy"] += n
        if row["exempt"]:
            counts["exempt"] += n
            counts["voluntary"] += n if row["submitted"] else 0
            continue
        counts["required"] += n
        if row["submitted"]:
            counts["submitted"] += n
            counts["on_time"] += 0 if row["late"] else n
        if row["graded"]:
            counts["graded"] += n
        for i, level in enumerate(levels):
            if row[f"grade_{i}"]:
                grades[i] += n
                counts["passed"] += n if level.passing else 0
    return Figures(grades=tuple(grades), **counts)


def _grouped(
    frame: participation.Frame, org: Organisation, levels: Sequence[GradeLevel], width: int | None
) -> list[dict[str, Any]]:
    """The facts' combinations under ``org`` with how many people have each (ONE query), by child prefix."""
    people = _people(frame, org, levels).order_by()
    names = list(_facts(frame.campaign, levels))
    if width is not None:
        people = people.annotate(prefix=Substr("organisation__path", 1, width))
        names.insert(0, "prefix")
    rows = people.values(*names).annotate(n=Count("pk")).values_list(*names, "n")
    return [dict(zip([*names, "n"], row, strict=True)) for row in rows]


def figures(frame: participation.Frame, org: Organisation, levels: Sequence[GradeLevel]) -> Figures:
    """The essay figures of everyone under ``org`` (ONE query). ``frame``: the provincial campaign's frame."""
    if not frame.campaign.essay_required:
        return Figures(grades=(0,) * len(levels))
    return _tally(_grouped(frame, org, levels, None), levels)


@dataclass
class Row:
    """One child of the organisation looked at: its essay figures and its participation beside them."""

    organisation: Organisation
    figures: Figures
    participation: participation.Figures


@dataclass
class Breakdown:
    organisation: Organisation
    levels: list[GradeLevel]
    total: Figures
    rows: list[Row]
    own: Figures  # people directly in the organisation, not in any child
    participation: participation.Figures  # the organisation's participation (studied / expected)
    own_participation: participation.Figures = field(default_factory=participation.Figures)


def breakdown(
    frame: participation.Frame, org: Organisation, children: Sequence[Organisation], levels: Sequence[GradeLevel]
) -> Breakdown:
    """``org``'s essay figures and each child's, with participation beside: TWO queries, whatever the size.

    ONE grouped query for the essays (module docstring), one for participation (``participation.breakdown``).
    ``frame`` is the provincial campaign's (``participation.frame_of(rules.root_of(campaign))``); ``children``
    are the direct children of ``org`` to show; ``levels`` the campaign's scale (``levels_of``).
    """
    width = len(org.path) + STEP
    by_prefix: dict[str, list[dict[str, Any]]] = {}
    if frame.campaign.essay_required:
        for group in _grouped(frame, org, levels, width):
            by_prefix.setdefault(group["prefix"], []).append(group)
    tallies = {prefix: _tally(groups, levels) for prefix, groups in by_prefix.items()}
    empty = Figures(grades=(0,) * len(levels))
    total = reduce(operator.add, tallies.values(), empty)
    studied = participation.breakdown(frame, org, children)
    studied_rows = {row.organisation.pk: row.figures for row in studied.rows}
    rows = [
        Row(child, tallies.get(child.path, empty), studied_rows.get(child.pk, participation.Figures()))
        for child in children
    ]
    return Breakdown(
        organisation=org,
        levels=list(levels),
        total=total,
        rows=rows,
        own=tallies.get(org.path, empty),
        participation=studied.total,
        own_participation=studied.own,
    )


# --------------------------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------------------------


class Show(StrEnum):
    """Which people a names list shows (each matches one figure of ``Figures``)."""

    NOT_SUBMITTED = "not_submitted"
    LATE = "late"
    WAITING = "waiting"
    FAILED = "failed"
    MUST_RESTUDY = "must_restudy"
    RESTUDIED = "restudied"
    EXEMPT = "exempt"
    ALL = "all"


SHOW_LABELS = {
    Show.NOT_SUBMITTED: _("Not submitted"),
    Show.LATE: _("Submitted late"),
    Show.WAITING: _("Waiting for a grade"),
    Show.FAILED: pgettext_lazy("essay", "Failed"),
    Show.MUST_RESTUDY: _("Must re-study"),
    Show.RESTUDIED: _("Re-studied"),
    Show.EXEMPT: _("Exempt"),
    Show.ALL: _("Everyone"),
}


def people(frame: participation.Frame, org: Organisation, show: Show) -> QuerySet[Person]:
    """The people under ``org`` counted by one figure, in Vietnamese name order (one query per page).

    Each row carries the ``annotate_state`` annotations (``rules.state_of(row)`` gives its state), the facts
    of ``_facts`` (``submitted``, ``late``, ``graded``, ``failed``, ...), ``grade_label`` (latest graded
    attempt) and ``restudied_on`` (the start of the latest re-study session they attended). The filters are
    the very conditions the figures count.
    """
    root = frame.campaign
    if not root.essay_required:
        return Person.objects.none()
    graded = Essay.objects.filter(campaign=root, person_id=OuterRef("pk"), status=Essay.Status.GRADED)
    restudy = Attendance.objects.filter(
        person_id=OuterRef("pk"),
        session__campaign_id__in=frame.family_ids,
        session__kind=StudySession.Kind.RESTUDY,
        status__in=participation.STUDIED_STATUSES,
    )
    facts = _facts(root, [])
    del facts["exempt"]  # annotate_state's own
    qs = (
        rules.annotate_state(participation.expected_people(frame, org), root)
        .annotate(**facts)
        .annotate(
            grade_label=Subquery(graded.order_by("-attempt").values("grade__label")[:1]),
            restudied_on=Subquery(restudy.order_by("-session__starts_at").values("session__starts_at")[:1]),
        )
    )
    required = Q(exempt=False)
    conditions = {
        Show.NOT_SUBMITTED: required & Q(submitted=False),
        Show.LATE: required & Q(late=True),
        Show.WAITING: required & Q(submitted=True, graded=False),
        Show.FAILED: Q(failed=True),
        Show.MUST_RESTUDY: Q(must_restudy=True),
        Show.RESTUDIED: Q(restudied_ever=True),
        Show.EXEMPT: Q(exempt=True),
        Show.ALL: Q(),
    }
    return qs.filter(conditions[show]).select_related("organisation").order_by("sort_key", "id")


def label_rows(rows: Iterable[Person]) -> None:
    """Set ``state`` and ``state_label`` on the rows of a page of ``people`` (no query)."""
    for row in rows:
        row.state = rules.state_of(row)
        row.state_label = rules.STATE_LABELS[row.state]
