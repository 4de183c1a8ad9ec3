"""Grading essays (chấm bài thu hoạch): grades with their history, releases per organisation, the queue.

Services (keyword-only, one transaction with their audit entries, DomainError with a translated message):

- ``grade``: a grader gives or changes the grade of one submitted attempt. Every grade given or changed
  leaves a GradeChange row (``after_release`` when the member could already see the grade), so a change
  after release keeps the history and the member sees the current grade and that it was changed.
  Two graders on the same essay: the second sends the state they saw (``state_token``) and, when the essay
  was graded meanwhile, gets a GradeConflict carrying the current grade instead of silently overwriting it.
- ``release``: the committee releases, at once, every graded and unreleased essay under one organisation
  (one UPDATE, a GradeRelease row with the count). Grades are never released one by one.
- ``scale_save`` / ``criteria_save``: the grading scale and criteria of a provincial campaign (the admin).

Selectors: the grading queue (``queue``, ``queue_counts``, ``counts_by_child``, ``next_in_queue``) and the
release overview (``release_rows``). Every read goes through organisations.access: GRADE for the queue
(which never offers a grader the essays of their own cell), MANAGE_CAMPAIGNS for releases.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaigns.models import Campaign
from campaigns.services import ChildRow
from organisations import access, audit
from organisations.models import Organisation, Person
from portal.lib.errors import DomainError

from . import rules
from .models import Criterion, Essay, GradeChange, GradeLevel, GradeRelease, SimilarityRun, SimilarPair

A = access.Action
COMMENT_MAX = 5000
NOTE_MAX = 2000
GRADE_ACTION = "essay_grade"
REGRADE_ACTION = "essay_grade_change"
RELEASE_ACTION = "essay_grades_release"
SCALE_ACTION = "essay_scale_change"
CRITERIA_ACTION = "essay_criteria_change"


# --------------------------------------------------------------------------------------------
# Grading one essay
# --------------------------------------------------------------------------------------------


class GradeConflict(DomainError):
    """The essay was graded by someone else after the grader opened it; ``essay`` holds the current grade."""

    def __init__(self, message: str, essay: Essay) -> None:
        super().__init__(message)
        self.essay = essay


@dataclass(frozen=True)
class GradeResult:
    essay: Essay
    change: GradeChange | None  # None when nothing changed (the same grade sent twice)

    @property
    def repeated(self) -> bool:
        return self.change is None


def state_token(essay: Essay) -> str:
    """A short digest of the essay's grading state (grade, comments, notes, grader, time).

    The grade page sends it back with the form; ``grade`` refuses to overwrite a state the grader did not see.
    """
    state = [
        essay.status,
        essay.grade_id,
        essay.grade_comment,
        essay.criteria_notes or {},
        essay.graded_by_id,
        essay.graded_at.isoformat() if essay.graded_at else None,
    ]
    return hashlib.sha256(json.dumps(state, sort_keys=True, default=str).encode()).hexdigest()[:20]


def _clean_comment(comment: str) -> str:
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise DomainError(
            _("The comments are too long (at most %(max)s characters).") % {"max": COMMENT_MAX}, field="comment"
        )
    return comment


def _clean_notes(notes: dict[Any, str] | None, criteria: Iterable[Criterion]) -> dict[str, str]:
    """The notes per criterion, keyed by the criterion's id as a string; empty notes and unknown keys dropped."""
    known = {str(c.pk) for c in criteria}
    out: dict[str, str] = {}
    for key, value in (notes or {}).items():
        text = (value or "").strip()
        if str(key) not in known or not text:
            continue
        if len(text) > NOTE_MAX:
            raise DomainError(_("A criterion note is too long (at most %(max)s characters).") % {"max": NOTE_MAX})
        out[str(key)] = text
    return out


def _when(value: dt.datetime | None) -> str:
    return formats.date_format(timezone.localtime(value), "H:i d/m/Y") if value else ""


def _user_label(user: Any) -> str:
    if user is None:
        return _("someone")
    return str(user.get_full_name() or user.get_username())


def conflict_message(essay: Essay) -> str:
    return _(
        "%(grader)s graded this essay meanwhile (%(grade)s, at %(time)s). Your grade was not saved: read their "
        "grade and comments below, then save yours again if it should replace it."
    ) % {
        "grader": _user_label(essay.graded_by),
        "grade": essay.grade.label if essay.grade else "—",
        "time": _when(essay.graded_at),
    }


@transaction.atomic
def grade(
    *,
    actor: Any,
    essay: Essay,
    grade: GradeLevel,
    comment: str = "",
    notes: dict[Any, str] | None = None,
    expected_state: str | None = None,
    now: dt.datetime | None = None,
) -> GradeResult:
    """Give or change the grade of a submitted attempt; a GradeChange row and an audit entry each time.

    Invariants: only submitted or graded attempts, only the person's latest attempt, only a grade of the
    campaign's own scale, a comment for a grade that does not pass (the member must learn what to improve).
    ``expected_state`` (``state_token`` of what the grader saw; None skips the check) must still hold, else
    GradeConflict with the current essay. Sending the grade the essay already holds changes nothing (a double
    submit). ``graded_at`` moves only when the grade itself changes: a re-study attended after a failing grade
    keeps counting when only the comments are corrected. Raises PermissionDenied without GRADE on the essay
    (never on the grader's own cell).
    """
    now = now or timezone.now()
    locked = Essay.objects.select_for_update().get(pk=essay.pk)
    if not access.can_object(actor, A.GRADE, locked):
        raise PermissionDenied
    if locked.status not in (Essay.Status.SUBMITTED, Essay.Status.GRADED):
        raise DomainError(_("This essay has not been submitted: there is nothing to grade yet."))
    if Essay.objects.filter(
        campaign_id=locked.campaign_id, person_id=locked.person_id, attempt__gt=locked.attempt
    ).exists():
        raise DomainError(_("A later attempt of this essay exists: grade that one."))
    if grade.campaign_id != locked.campaign_id:
        raise DomainError(_("Choose a grade of this campaign's scale."), field="grade")
    comment = _clean_comment(comment)
    notes = _clean_notes(notes, Criterion.objects.filter(campaign_id=locked.campaign_id))
    if not grade.passing and not comment:
        raise DomainError(
            _("Write a comment: a member whose essay does not pass must learn what to improve."), field="comment"
        )
    unchanged = (
        locked.status == Essay.Status.GRADED
        and locked.grade_id == grade.pk
        and locked.grade_comment == comment
        and (locked.criteria_notes or {}) == notes
    )
    if unchanged:
        return GradeResult(essay=locked, change=None)
    if expected_state is not None and expected_state != state_token(locked):
        raise GradeConflict(conflict_message(locked), locked)

    before = locked.grade
    after_release = locked.released_at is not None
    if locked.grade_id != grade.pk or locked.graded_at is None:
        locked.graded_at = now
    locked.status = Essay.Status.GRADED
    locked.grade = grade
    locked.grade_comment = comment
    locked.criteria_notes = notes
    locked.graded_by = actor if getattr(actor, "pk", None) else None
    locked.save(update_fields=["status", "grade", "grade_comment", "criteria_notes", "graded_by", "graded_at"])
    change = GradeChange.objects.create(
        essay=locked,
        from_grade=before,
        to_grade=grade,
        comment=comment,
        after_release=after_release,
        changed_by=locked.graded_by,
    )
    changes: dict[str, Any] = {"grade": [before.label if before else None, grade.label]}
    if after_release:
        changes["after_release"] = True
    if comment:
        changes["comment"] = comment[:500]
    person = Person.objects.select_related("organisation").get(pk=locked.person_id)
    audit.record(
        actor=actor,
        action=REGRADE_ACTION if before is not None else GRADE_ACTION,
        target=locked,
        organisation=person.organisation,
        changes=changes,
    )
    return GradeResult(essay=locked, change=change)


def history(essay: Essay) -> list[GradeChange]:
    """Every grade given or changed on this attempt, oldest first (one query)."""
    return list(
        GradeChange.objects.filter(essay=essay)
        .select_related("from_grade", "to_grade", "changed_by")
        .order_by("changed_at", "pk")
    )


def changed_after_release(essay_ids: Iterable[int]) -> dict[int, GradeChange]:
    """For each essay whose grade was changed after its release, the latest such change (one query).

    What a member's pages show beside the current grade ("changed on …, previously …").
    """
    latest: dict[int, GradeChange] = {}
    rows = GradeChange.objects.filter(essay_id__in=list(essay_ids), after_release=True).select_related(
        "from_grade", "to_grade"
    )
    for change in rows.order_by("changed_at", "pk"):
        latest[change.essay_id] = change
    return latest


# --------------------------------------------------------------------------------------------
# Releasing the grades of an organisation
# --------------------------------------------------------------------------------------------


def _under(organisation: Organisation) -> QuerySet[Person]:
    return Person.objects.filter(organisation__path__startswith=organisation.path)


def releasable(root: Campaign, organisation: Organisation) -> QuerySet[Essay]:
    """Graded, unreleased attempts of ``root`` by people under ``organisation``."""
    return Essay.objects.filter(
        campaign=root,
        status=Essay.Status.GRADED,
        released_at__isnull=True,
        person_id__in=_under(organisation).values("pk"),
    )


@transaction.atomic
def release(
    *, actor: Any, campaign: Campaign, organisation: Organisation, now: dt.datetime | None = None
) -> GradeRelease | None:
    """Release every graded, unreleased essay of the campaign under ``organisation``: one UPDATE, audited.

    Returns the GradeRelease row with the number of essays, or None when there was nothing to release (a
    double submit, or two committee members at once: the conditions sit on the essay rows themselves, so a
    concurrent release re-checks ``released_at`` on each locked row and no essay is counted twice).
    Raises PermissionDenied without MANAGE_CAMPAIGNS on ``organisation``.
    """
    if not access.can(actor, A.MANAGE_CAMPAIGNS, organisation):
        raise PermissionDenied
    root = rules.root_of(campaign)
    now = now or timezone.now()
    count = releasable(root, organisation).update(released_at=now)
    if not count:
        return None
    row = GradeRelease.objects.create(
        campaign=root,
        organisation=organisation,
        essays=count,
        released_by=actor if getattr(actor, "pk", None) else None,
    )
    audit.record(
        actor=actor,
        action=RELEASE_ACTION,
        target=row,
        organisation=organisation,
        changes={"essays": [None, count], "campaign": [None, root.title]},
    )
    return row


@dataclass(frozen=True)
class ReleaseRow:
    """One organisation's essays of a campaign, as the release page counts them."""

    organisation: Organisation | None  # None: the essays of people directly in the page's organisation
    to_release: int  # graded, not yet released
    ungraded: int  # submitted, waiting for a grade
    released: int


_RELEASE_COUNTS = {
    "to_release": Count("pk", filter=Q(status=Essay.Status.GRADED, released_at__isnull=True)),
    "ungraded": Count("pk", filter=Q(status=Essay.Status.SUBMITTED)),
    "released": Count("pk", filter=Q(released_at__isnull=False)),
}


def release_rows(
    root: Campaign, organisation: Organisation, children: list[Organisation]
) -> tuple[ReleaseRow, list[ReleaseRow]]:
    """The totals under ``organisation`` and one row per child (and one for people directly in it).

    Two aggregate queries whatever the number of children: the total, then the essays grouped on their
    author's organisation path cut to the children's path length.
    """
    base = Essay.objects.filter(campaign=root, person__organisation__path__startswith=organisation.path).exclude(
        status=Essay.Status.DRAFT
    )
    total = ReleaseRow(organisation, **base.aggregate(**_RELEASE_COUNTS))
    if not children:
        return total, []
    width = len(children[0].path)
    grouped: dict[str, tuple[int, int, int]] = {
        prefix: (to_release, ungraded, released)
        for prefix, to_release, ungraded, released in base.order_by()
        .annotate(prefix=Substr("person__organisation__path", 1, width))
        .values("prefix")
        .annotate(**_RELEASE_COUNTS)
        .values_list("prefix", *_RELEASE_COUNTS)
    }
    rows = [ReleaseRow(child, *grouped.get(child.path, (0, 0, 0))) for child in children]
    own = grouped.get(organisation.path)
    if own and any(own):
        rows.append(ReleaseRow(None, *own))
    return total, rows


def recent_releases(root: Campaign, organisation: Organisation, *, user: Any, limit: int = 10) -> list[GradeRelease]:
    """The latest releases of ``root`` at or under ``organisation`` that the user may see (one query)."""
    qs = access.visible(GradeRelease.objects.filter(campaign=root), user, A.MANAGE_CAMPAIGNS)
    qs = qs.filter(organisation__path__startswith=organisation.path)
    return list(qs.select_related("organisation", "released_by").order_by("-released_at", "-pk")[:limit])


# --------------------------------------------------------------------------------------------
# The grading queue
# --------------------------------------------------------------------------------------------


class QueueStatus(StrEnum):
    TO_GRADE = "to_grade"
    GRADED = "graded"  # graded, not released yet
    RELEASED = "released"
    ALL = "all"


QUEUE_STATUS_LABELS = {
    QueueStatus.TO_GRADE: gettext_lazy("To grade"),
    QueueStatus.GRADED: gettext_lazy("Graded, not released"),
    QueueStatus.RELEASED: gettext_lazy("Released"),
    QueueStatus.ALL: gettext_lazy("All"),
}
_STATUS_Q = {
    QueueStatus.TO_GRADE: Q(status=Essay.Status.SUBMITTED),
    QueueStatus.GRADED: Q(status=Essay.Status.GRADED, released_at__isnull=True),
    QueueStatus.RELEASED: Q(status=Essay.Status.GRADED, released_at__isnull=False),
    QueueStatus.ALL: Q(),
}


@dataclass(frozen=True)
class QueueFilters:
    campaign: Campaign | None = None
    organisation: Organisation | None = None
    status: QueueStatus = QueueStatus.TO_GRADE
    late: bool = False
    similarity: float | None = None  # at least this similarity (0..1) with another essay


def queue_base(user: Any, filters: QueueFilters) -> QuerySet[Essay]:
    """The submitted essays the user may grade, narrowed by every filter except the status."""
    qs = access.visible(Essay.objects.exclude(status=Essay.Status.DRAFT), user, A.GRADE)
    if filters.campaign is not None:
        qs = qs.filter(campaign=filters.campaign)
    if filters.organisation is not None:
        qs = qs.filter(person__organisation__path__startswith=filters.organisation.path)
    if filters.late:
        qs = qs.filter(is_late=True)
    if filters.similarity is not None:
        qs = qs.filter(similarity__gte=filters.similarity)
    return qs


QUEUE_ORDER = ("submitted_at", "pk")  # first submitted, first graded
_LONG_TEXT = ("body", "extracted_text", "extraction_error", "grade_comment", "criteria_notes")  # not listed


def queue(user: Any, filters: QueueFilters) -> QuerySet[Essay]:
    """The grading queue: essays the user may grade (never their own cell's), filtered, oldest submission first.

    Each row carries its author and organisation, campaign and grade (no per-row queries).
    """
    qs = queue_base(user, filters).filter(_STATUS_Q[filters.status]).defer(*_LONG_TEXT)
    return qs.select_related("person__organisation", "campaign", "grade").order_by(*QUEUE_ORDER)


def queue_counts(user: Any, filters: QueueFilters) -> dict[QueueStatus, int]:
    """How many essays each status tab holds under the other filters (one aggregate query)."""
    counts = queue_base(user, filters).aggregate(
        **{status.value: Count("pk", filter=q) for status, q in _STATUS_Q.items()}
    )
    return {status: counts[status.value] for status in QueueStatus}


def counts_by_child(qs: QuerySet[Essay], children: list[Organisation]) -> dict[int, int]:
    """How many of ``qs`` lie under each child organisation (one grouped query; a few for mixed depths)."""
    if not children:
        return {}
    widths = {len(child.path) for child in children}
    if len(widths) > 1:  # the roots of a multi-grant scope may sit at different depths
        return {c.pk: qs.filter(person__organisation__path__startswith=c.path).count() for c in children}
    width = widths.pop()
    counts = dict(
        qs.order_by()
        .annotate(prefix=Substr("person__organisation__path", 1, width))
        .values("prefix")
        .annotate(n=Count("*"))
        .values_list("prefix", "n")
    )
    return {child.pk: counts.get(child.path, 0) for child in children}


def next_in_queue(user: Any, filters: QueueFilters, *, after: Essay) -> Essay | None:
    """The essay after ``after`` in the filtered queue, wrapping to the first; None when it is the only one."""
    qs = queue(user, filters).exclude(pk=after.pk)
    if after.submitted_at is not None:
        later = qs.filter(
            Q(submitted_at__gt=after.submitted_at) | Q(submitted_at=after.submitted_at, pk__gt=after.pk)
        ).first()
        if later is not None:
            return later
    return qs.first()


def grading_roots(user: Any) -> list[Organisation]:
    """The tops of the subtrees where the user may grade (the first level of the organisation picker)."""
    scope = access.scope_of(user)
    roots = (
        Organisation.objects.filter(depth=0)
        if scope.superuser
        else Organisation.objects.filter(path__in=scope.paths(A.GRADE))
    )
    return list(roots.order_by("path"))


def grading_children(user: Any, organisation: Organisation) -> list[Organisation]:
    """The active children of ``organisation`` in the user's grading scope."""
    qs = Organisation.objects.filter(parent=organisation, is_active=True)
    return list(access.visible(qs, user, A.GRADE).order_by("path"))


def grading_campaigns(user: Any) -> list[Campaign]:
    """Provincial campaigns that ask for essays (or hold some) and that the user sees by role (one query)."""
    has_essays = Exists(Essay.objects.filter(campaign_id=OuterRef("pk")))
    qs = Campaign.objects.filter(parent__isnull=True).exclude(status=Campaign.Status.DRAFT)
    qs = access.visible(qs, user, A.VIEW, as_participant=False).filter(Q(essay_required=True) | Q(has_essays))
    return list(qs.order_by("-starts_on", "-pk"))


def closest_pair(essay: Essay) -> SimilarPair | None:
    """The pair of the campaign's latest finished similarity check where this essay is most alike (one query)."""
    latest = SimilarityRun.objects.filter(campaign_id=essay.campaign_id, status=SimilarityRun.Status.DONE)
    latest = latest.order_by("-finished_at", "-pk").values("pk")[:1]
    pairs = SimilarPair.objects.filter(Q(a_id=essay.pk) | Q(b_id=essay.pk), run_id__in=latest)
    return pairs.order_by("-score", "pk").first()


def earlier_attempts(essay: Essay) -> list[Essay]:
    """The author's other attempts for the same campaign, oldest first, with their grades (one query)."""
    qs = Essay.objects.filter(campaign_id=essay.campaign_id, person_id=essay.person_id).exclude(pk=essay.pk)
    return list(qs.select_related("grade").order_by("attempt"))


# --------------------------------------------------------------------------------------------
# The grading scale and criteria of a campaign (written from the admin)
# --------------------------------------------------------------------------------------------

SCALE_FIELDS = ("label", "order", "passing")
CRITERION_FIELDS = ("title", "description", "order")


def _provincial(campaign: Campaign) -> None:
    if campaign.parent_id:
        raise DomainError(_("The grading scale and criteria belong to the provincial campaign, not to a plan."))


def _in_use(level_ids: Iterable[int]) -> set[int]:
    ids = list(level_ids)
    if not ids:
        return set()
    used = set(Essay.objects.filter(grade_id__in=ids).values_list("grade_id", flat=True))
    used |= set(GradeChange.objects.filter(to_grade_id__in=ids).values_list("to_grade_id", flat=True))
    used |= set(GradeChange.objects.filter(from_grade_id__in=ids).values_list("from_grade_id", flat=True))
    return used


@transaction.atomic
def scale_save(*, actor: Any, campaign: Campaign, rows: list[ChildRow]) -> list[GradeLevel]:
    """Add, change and remove grades of a provincial campaign's scale; one audit entry with before and after.

    A grade already given (to an essay, or in the history) can be renamed or reordered, but not removed and
    its "passes" flag not changed: that would silently change members' results. A scale that is not empty
    keeps at least one passing grade. An empty scale means the default one (``rules.ensure_scale``).
    """
    _provincial(campaign)
    current = {level.pk: level for level in GradeLevel.objects.select_for_update().filter(campaign=campaign)}
    before = [(lv.label, lv.passing) for lv in sorted(current.values(), key=lambda lv: (lv.order, lv.pk))]
    used = _in_use(row.pk for row in rows if row.pk is not None)
    try:
        with transaction.atomic():
            for row in rows:
                fields = {k: v for k, v in row.fields.items() if k in SCALE_FIELDS}
                if row.pk is None:
                    if not row.delete:
                        GradeLevel.objects.create(campaign=campaign, **fields)
                    continue
                level = current.get(row.pk)
                if level is None:
                    raise DomainError(_("This grade is not part of the campaign's scale."))
                if row.delete:
                    if row.pk in used:
                        raise DomainError(
                            _("“%(label)s” has been given to essays: it cannot be removed.") % {"label": level.label}
                        )
                    level.delete()
                    continue
                if "passing" in fields and fields["passing"] != level.passing and row.pk in used:
                    raise DomainError(
                        _("“%(label)s” has been given to essays: whether it passes cannot change.")
                        % {"label": level.label}
                    )
                for key, value in fields.items():
                    setattr(level, key, value)
                level.save()
    except IntegrityError:
        raise DomainError(_("Two grades of the scale have the same name.")) from None
    levels = list(GradeLevel.objects.filter(campaign=campaign).order_by("order", "pk"))
    if levels and not any(level.passing for level in levels):
        raise DomainError(_("The scale needs at least one grade that passes."))
    after = [(lv.label, lv.passing) for lv in levels]
    if after != before:
        audit.record(
            actor=actor,
            action=SCALE_ACTION,
            target=campaign,
            organisation=campaign.organisation,
            changes={"scale": [_scale_text(before), _scale_text(after)]},
        )
    return levels


def _scale_text(levels: list[tuple[str, bool]]) -> str:
    return ", ".join(f"{label}{'' if passing else ' (×)'}" for label, passing in levels)


@transaction.atomic
def criteria_save(*, actor: Any, campaign: Campaign, rows: list[ChildRow]) -> list[Criterion]:
    """Add, change and remove the grading criteria of a provincial campaign; one audit entry.

    Notes already written against a removed criterion stay in the essays' ``criteria_notes`` (the history)
    but are no longer shown.
    """
    _provincial(campaign)
    current = {c.pk: c for c in Criterion.objects.select_for_update().filter(campaign=campaign)}
    before = [(c.title, c.description, c.order) for c in sorted(current.values(), key=lambda c: (c.order, c.pk))]
    for row in rows:
        fields = {k: v for k, v in row.fields.items() if k in CRITERION_FIELDS}
        if row.pk is None:
            if not row.delete:
                Criterion.objects.create(campaign=campaign, **fields)
            continue
        criterion = current.get(row.pk)
        if criterion is None:
            raise DomainError(_("This criterion is not one of the campaign's."))
        if row.delete:
            criterion.delete()
            continue
        for key, value in fields.items():
            setattr(criterion, key, value)
        criterion.save()
    criteria = list(Criterion.objects.filter(campaign=campaign).order_by("order", "pk"))
    after = [(c.title, c.description, c.order) for c in criteria]
    if after != before:
        audit.record(
            actor=actor,
            action=CRITERIA_ACTION,
            target=campaign,
            organisation=campaign.organisation,
            changes={"criteria": [[c[0] for c in before], [c[0] for c in after]]},
        )
    return criteria
