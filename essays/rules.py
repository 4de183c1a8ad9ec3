"""What the essays are about, defined once: who must write, a person's state, windows, new attempts.

Definitions (used by the member's pages, the grading queue, quality figures, reports and the demo):

- Essays belong to the family's *provincial* campaign (``root_of``), which sets the deadline, the
  cut-off, the minimum length, the outline and the grading scale for the whole family.
- *Required*: when ``essay_required``, the people expected to study (campaigns.participation:
  active, of an included kind, in the audience) minus those with a confirmed exemption.
  Exempt people may still write voluntarily; their essays are graded but never counted as required.
- The *current attempt* of a person is their essay with the highest ``attempt`` number.
- *Late*: submitted after the deadline. Nothing is accepted after the cut-off (or after the
  deadline when no cut-off is set). Without a deadline there is no lateness and no closing.
- *Released*: a grade is shown to its author only once the committee released it (``released_at``).
- *Must re-study*: the current attempt was graded with a non-passing grade and released. Once the person
  attended (present, or at another point) a RE-STUDY session of the family that started after the
  grade was given, they have *re-studied* and a new attempt opens (attempt + 1). Every attempt is kept.

Speed: the per-person state is a handful of subqueries on a Person queryset (``annotate_state``); all
figures over many people are SQL aggregates of those annotations.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from campaigns import participation
from campaigns.models import Attendance, Campaign, StudySession
from organisations.models import STEP, Organisation, Person

from .models import DEFAULT_SCALE, Essay, Exemption, GradeLevel


class State(StrEnum):
    """A person's state for one campaign, as the member and the committees see it."""

    NOT_STARTED = "not_started"
    DRAFT = "draft"
    SUBMITTED = "submitted"  # waiting for a grade, or graded but not released
    PASSED = "passed"  # released, passing grade
    MUST_RESTUDY = "must_restudy"  # released failing grade, re-study not attended yet
    RESTUDIED = "restudied"  # failed, re-studied: a new attempt is open
    EXEMPT = "exempt"


STATE_LABELS = {
    State.NOT_STARTED: _("Not started"),
    State.DRAFT: _("Draft"),
    State.SUBMITTED: _("Submitted"),
    State.PASSED: _("Graded"),
    State.MUST_RESTUDY: _("Must re-study"),
    State.RESTUDIED: _("Re-studied: write again"),
    State.EXEMPT: _("Exempt"),
}


def root_of(campaign: Campaign) -> Campaign:
    """The provincial campaign of the family (the one essays belong to)."""
    return campaign.parent if campaign.parent_id else campaign


def ensure_scale(campaign: Campaign) -> list[GradeLevel]:
    """The campaign's grading scale, created from the default when it has none."""
    levels = list(campaign.grade_levels.all())
    if not levels:
        # The labels are data from here on: stored in the portal's language whatever language is active
        # (a management command or a worker runs in English).
        with translation.override(settings.LANGUAGE_CODE):
            GradeLevel.objects.bulk_create(
                GradeLevel(campaign=campaign, label=str(label), order=i, passing=passing)
                for i, (label, passing) in enumerate(DEFAULT_SCALE)
            )
        levels = list(campaign.grade_levels.all())
    return levels


# --------------------------------------------------------------------------------------------
# Submission window
# --------------------------------------------------------------------------------------------


class Window(StrEnum):
    OPEN = "open"
    LATE = "late"  # after the deadline, before the cut-off: accepted and marked late
    CLOSED = "closed"


def window(campaign: Campaign, now: dt.datetime | None = None) -> Window:
    root = root_of(campaign)
    now = now or timezone.now()
    if root.essay_deadline is None or now <= root.essay_deadline:
        return Window.OPEN
    if root.essay_cutoff is not None and now <= root.essay_cutoff:
        return Window.LATE
    return Window.CLOSED


# --------------------------------------------------------------------------------------------
# Who must write, and the state of each person
# --------------------------------------------------------------------------------------------


def _essays(root: Campaign) -> QuerySet[Essay]:
    return Essay.objects.filter(campaign=root)


def exempt_exists(root: Campaign, person_ref: str = "pk") -> Exists:
    return Exists(Exemption.objects.filter(campaign=root, person_id=OuterRef(person_ref)))


def restudy_exists(root: Campaign, graded_at_ref: str) -> Exists:
    """EXISTS(attendance of the outer person at a re-study session of the family that started after the grade)."""
    family = Campaign.objects.filter(Q(pk=root.pk) | Q(parent_id=root.pk)).values("pk")
    return Exists(
        Attendance.objects.filter(
            person_id=OuterRef("pk"),
            session__campaign_id__in=family,
            session__kind=StudySession.Kind.RESTUDY,
            session__starts_at__gte=OuterRef(graded_at_ref),
            status__in=participation.STUDIED_STATUSES,
        )
    )


def annotate_state(people: QuerySet[Person], root: Campaign) -> QuerySet[Person]:
    """Annotate each person with their current attempt's facts and the derived flags.

    Adds: ``exempt``, ``essay_id``, ``essay_attempt``, ``essay_status``, ``essay_late``, ``essay_released``
    (timestamp or None), ``essay_passing`` (None until graded), ``essay_graded_at`` and ``restudied``.
    """
    latest = _essays(root).filter(person_id=OuterRef("pk")).order_by("-attempt")
    people = people.annotate(
        exempt=exempt_exists(root),
        essay_id=Subquery(latest.values("pk")[:1]),
        essay_attempt=Subquery(latest.values("attempt")[:1]),
        essay_status=Subquery(latest.values("status")[:1]),
        essay_late=Subquery(latest.values("is_late")[:1]),
        essay_released=Subquery(latest.values("released_at")[:1]),
        essay_passing=Subquery(latest.values("grade__passing")[:1]),
        essay_graded_at=Subquery(latest.values("graded_at")[:1]),
    )
    return people.annotate(restudied=restudy_exists(root, "essay_graded_at"))


def state_of(row: Person) -> State:
    """The state of a person annotated by ``annotate_state``."""
    status = getattr(row, "essay_status", None)
    if status is None:
        return State.EXEMPT if row.exempt else State.NOT_STARTED
    if status == Essay.Status.DRAFT:
        return State.DRAFT
    if status == Essay.Status.GRADED and row.essay_released is not None:
        if row.essay_passing:
            return State.PASSED
        return State.RESTUDIED if row.restudied else State.MUST_RESTUDY
    return State.SUBMITTED


def required_people(root: Campaign, org: Organisation) -> QuerySet[Person]:
    """Everyone under ``org`` who must write an essay for ``root`` (none when no essay is required)."""
    if not root.essay_required:
        return Person.objects.none()
    frame = participation.frame_of(root)
    return participation.expected_people(frame, org).exclude(exempt_exists(root))


@dataclass(frozen=True)
class PersonState:
    state: State
    essay: Essay | None  # the current attempt
    attempts: list[Essay]  # every attempt, oldest first
    exemption: Exemption | None

    @property
    def label(self) -> str:
        return str(STATE_LABELS[self.state])

    @property
    def can_write(self) -> bool:
        """May the person edit the current attempt or open a new one (window permitting)?"""
        return self.state in (State.NOT_STARTED, State.DRAFT, State.RESTUDIED, State.EXEMPT)


def person_state(root: Campaign, person: Person) -> PersonState:
    """One person's state for one campaign, with their attempts (three small queries)."""
    attempts = list(_essays(root).filter(person=person).select_related("grade").order_by("attempt"))
    exemption = Exemption.objects.filter(campaign=root, person=person).first()
    row = annotate_state(Person.objects.filter(pk=person.pk), root).get()
    state = state_of(row)
    if state == State.NOT_STARTED and exemption is not None:
        state = State.EXEMPT
    return PersonState(state=state, essay=attempts[-1] if attempts else None, attempts=attempts, exemption=exemption)


# --------------------------------------------------------------------------------------------
# One person across campaigns (the member's own pages), and the window of a re-study attempt
# --------------------------------------------------------------------------------------------

_KIND_FLAGS = {
    Person.Kind.OFFICIAL: "include_official",
    Person.Kind.PROBATIONARY: "include_probationary",
    Person.Kind.NON_PARTY: "include_non_party",
}


def person_campaigns(person: Person) -> QuerySet[Campaign]:
    """The provincial campaigns (open or closed) that concern ``person``, annotated for ``state_of``.

    A campaign concerns them when it requires an essay from them (as ``required_people`` defines it:
    essay required, active, an included kind, their organisation under the audience, not exempt), when they
    are exempt, or when they wrote an essay for it. Each row carries the same annotations as
    ``annotate_state`` (so ``state_of(row)`` gives their state) plus ``required``. One query, whatever the
    number of campaigns.
    """
    path = person.organisation.path
    ancestors = [path[:i] for i in range(STEP, len(path) + 1, STEP)]
    in_audience = Exists(
        Campaign.audience.through.objects.filter(campaign_id=OuterRef("pk"), organisation__path__in=ancestors)
    )
    exempt = Exists(Exemption.objects.filter(campaign_id=OuterRef("pk"), person_id=person.pk))
    wrote = Exists(Essay.objects.filter(campaign_id=OuterRef("pk"), person_id=person.pk))
    expected = Q(essay_required=True, in_audience=True)
    flag = _KIND_FLAGS.get(person.kind)
    if person.status != Person.Status.ACTIVE or flag is None:
        expected = Q(pk__isnull=True)  # never: only active people of an included kind are expected
    else:
        expected &= Q(**{flag: True})
    latest = Essay.objects.filter(campaign_id=OuterRef("pk"), person_id=person.pk).order_by("-attempt")
    campaigns = (
        Campaign.objects.filter(parent__isnull=True, status__in=(Campaign.Status.OPEN, Campaign.Status.CLOSED))
        .annotate(in_audience=in_audience, exempt=exempt, wrote=wrote)
        .filter(expected | Q(exempt=True) | Q(wrote=True))
        .annotate(
            required=ExpressionWrapper(expected & Q(exempt=False), output_field=BooleanField()),
            essay_id=Subquery(latest.values("pk")[:1]),
            essay_attempt=Subquery(latest.values("attempt")[:1]),
            essay_status=Subquery(latest.values("status")[:1]),
            essay_late=Subquery(latest.values("is_late")[:1]),
            essay_released=Subquery(latest.values("released_at")[:1]),
            essay_passing=Subquery(latest.values("grade__passing")[:1]),
            essay_graded_at=Subquery(latest.values("graded_at")[:1]),
        )
    )
    restudied = Exists(
        Attendance.objects.filter(
            Q(session__campaign_id=OuterRef("pk")) | Q(session__campaign__parent_id=OuterRef("pk")),
            person_id=person.pk,
            session__kind=StudySession.Kind.RESTUDY,
            session__starts_at__gte=OuterRef("essay_graded_at"),
            status__in=participation.STUDIED_STATUSES,
        )
    )
    return campaigns.annotate(restudied=restudied)


def attempt_window(campaign: Campaign, attempt: int, now: dt.datetime | None = None) -> Window:
    """The submission window of one attempt.

    The first attempt follows ``window()`` (deadline, cut-off). A later attempt opens only after a released
    failing grade and a re-study session, usually after the cut-off: it is accepted while the provincial
    campaign is open, and is never late.
    """
    if attempt <= 1:
        return window(campaign, now)
    return Window.OPEN if root_of(campaign).status == Campaign.Status.OPEN else Window.CLOSED


# --------------------------------------------------------------------------------------------
# Failing and re-study as SQL conditions on people (re-study lists, the re-study session's roster,
# quality figures)
# --------------------------------------------------------------------------------------------


def failed_essays(root: Campaign) -> QuerySet[Essay]:
    """Attempts whose released grade does not pass: each one sent its author back to study."""
    return _essays(root).filter(status=Essay.Status.GRADED, released_at__isnull=False, grade__passing=False)


def _restudied_since_grade(root: Campaign) -> Exists:
    """For an Essay queryset: its author attended a re-study session after its grade (as ``restudy_exists``)."""
    family = Campaign.objects.filter(Q(pk=root.pk) | Q(parent_id=root.pk)).values("pk")
    return Exists(
        Attendance.objects.filter(
            person_id=OuterRef("person_id"),
            session__campaign_id__in=family,
            session__kind=StudySession.Kind.RESTUDY,
            session__starts_at__gte=OuterRef("graded_at"),
            status__in=participation.STUDIED_STATUSES,
        )
    )


def must_restudy_exists(root: Campaign, person_ref: str = "pk", *, graded_by: dt.datetime | None = None) -> Exists:
    """EXISTS: the outer person is in state MUST_RESTUDY (``state_of``) for ``root``.

    Their current attempt (no later one exists) failed, was released, and they attended no re-study session
    since its grade. With ``graded_by``: only if that grade was given by then, since a re-study session
    counts only when it starts after the grade (a session's roster passes its start).
    """
    later = _essays(root).filter(person_id=OuterRef("person_id"), attempt__gt=OuterRef("attempt"))
    current = (
        failed_essays(root)
        .filter(person_id=OuterRef(person_ref))
        .exclude(Exists(later))
        .exclude(_restudied_since_grade(root))
    )
    if graded_by is not None:
        current = current.filter(graded_at__lte=graded_by)
    return Exists(current)


def failed_exists(root: Campaign, person_ref: str = "pk") -> Exists:
    """EXISTS: one of the outer person's attempts failed (released): they were told to re-study."""
    return Exists(failed_essays(root).filter(person_id=OuterRef(person_ref)))


def restudied_exists(root: Campaign, person_ref: str = "pk") -> Exists:
    """EXISTS: the outer person attended a re-study session after one of their failing grades."""
    return Exists(failed_essays(root).filter(person_id=OuterRef(person_ref)).filter(_restudied_since_grade(root)))
