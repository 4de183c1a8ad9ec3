"""Reads for the member's own essay pages ("Bài thu hoạch của tôi" and the write page).

``my_campaigns`` lists every campaign that concerns the person with their state, their attempts, their
exemption and, when they must re-study, the re-study sessions meant for them: a constant number of
queries whatever the number of campaigns or attempts (campaigns with states, attempts, exemptions, and
re-study sessions only when someone must re-study). ``my_campaign`` is the same for one campaign.
States, windows and "who must write" come from ``essays.rules``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from campaigns.models import Campaign, ConnectionPoint, StudySession
from organisations import access
from organisations.models import STEP, Person

from . import rules, submission
from .models import Essay, Exemption
from .rules import STATE_LABELS, State, Window

A = access.Action
WRITABLE = (State.NOT_STARTED, State.DRAFT, State.RESTUDIED, State.EXEMPT)


@dataclass
class MyCampaign:
    """One campaign as its participant sees it."""

    campaign: Campaign  # the provincial campaign, annotated by rules.person_campaigns
    state: State
    attempts: list[Essay]  # every attempt, oldest first
    exemption: Exemption | None
    window: Window  # of the attempt that would be written now
    restudy_sessions: list[StudySession] = field(default_factory=list)
    now: dt.datetime = field(default_factory=timezone.now)
    grade_change: Any = None  # the GradeChange when the current grade was changed after its release

    @property
    def label(self) -> str:
        return str(STATE_LABELS[self.state])

    @property
    def current(self) -> Essay | None:
        return self.attempts[-1] if self.attempts else None

    @property
    def opens_attempt(self) -> bool:
        """Writing now starts a new attempt (none yet, or re-studied after a failed one)."""
        return self.current is None or self.state == State.RESTUDIED

    @property
    def attempt_number(self) -> int:
        """The number of the attempt written now (or last written)."""
        current = self.current
        if current is None:
            return 1
        return current.attempt + 1 if self.state == State.RESTUDIED else current.attempt

    @property
    def draft(self) -> Essay | None:
        current = self.current
        return current if current is not None and current.status == Essay.Status.DRAFT else None

    @property
    def can_write(self) -> bool:
        """May the person write (edit the draft or open an attempt) right now?"""
        return self.state in WRITABLE and self.campaign.status == Campaign.Status.OPEN and self.window != Window.CLOSED

    @property
    def closed(self) -> bool:
        return self.state in WRITABLE and not self.can_write

    @property
    def closed_message(self) -> str:
        return submission.closed_message(self.campaign, self.attempt_number)

    @property
    def voluntary(self) -> bool:
        """Exempt, but writing (or may write) anyway."""
        return bool(self.campaign.exempt)

    @property
    def upcoming_sessions(self) -> list[StudySession]:
        return [s for s in self.restudy_sessions if s.ends_at >= self.now]

    @property
    def past_sessions(self) -> list[StudySession]:
        return [s for s in self.restudy_sessions if s.ends_at < self.now]


def _ancestor_paths(person: Person) -> list[str]:
    path = person.organisation.path
    return [path[:i] for i in range(STEP, len(path) + 1, STEP)]


def _restudy_sessions(user: object, person: Person, items: list[MyCampaign]) -> None:
    """Attach to each item that must re-study the RE-STUDY sessions of its family meant for the person.

    Meant for them: organised at their organisation or above it, or with a connection point hosted there;
    started after the failing grade was given (earlier ones do not count). One query for all campaigns.
    """
    waiting = {item.campaign.pk: item for item in items if item.state == State.MUST_RESTUDY}
    if not waiting:
        return
    ancestors = _ancestor_paths(person)
    hosted = Exists(ConnectionPoint.objects.filter(session_id=OuterRef("pk"), host__path__in=ancestors))
    sessions = (
        access.visible(StudySession.objects.all(), user, A.VIEW)
        .filter(kind=StudySession.Kind.RESTUDY)
        .filter(Q(campaign_id__in=waiting) | Q(campaign__parent_id__in=waiting))
        .filter(Q(organisation__path__in=ancestors) | hosted)
        .select_related("campaign", "organisation")
        .order_by("starts_at", "pk")
    )
    for session in sessions:
        item = waiting[session.campaign.parent_id or session.campaign_id]
        graded_at = item.campaign.essay_graded_at
        if graded_at is None or session.starts_at >= graded_at:
            item.restudy_sessions.append(session)


def my_campaigns(
    *, user: object, person: Person, campaign_id: int | None = None, now: dt.datetime | None = None
) -> list[MyCampaign]:
    """The campaigns that concern ``person`` (newest first), or only ``campaign_id``. Constant query count."""
    now = now or timezone.now()
    rows = rules.person_campaigns(person).select_related("organisation").order_by("-starts_on", "title", "pk")
    if campaign_id is not None:
        rows = rows.filter(pk=campaign_id)
    campaigns = list(rows)
    if not campaigns:
        return []
    ids = [c.pk for c in campaigns]
    attempts: dict[int, list[Essay]] = defaultdict(list)
    for essay in (
        access.visible(Essay.objects.all(), user, A.SELF)
        .filter(person=person, campaign_id__in=ids)
        .select_related("grade")
        .order_by("campaign_id", "attempt")
    ):
        attempts[essay.campaign_id].append(essay)
    exemptions = {
        e.campaign_id: e
        for e in access.visible(Exemption.objects.all(), user, A.SELF).filter(person=person, campaign_id__in=ids)
    }
    items = []
    for campaign in campaigns:
        state = rules.state_of(campaign)
        own = attempts.get(campaign.pk, [])
        attempt = (own[-1].attempt + 1 if state == State.RESTUDIED else own[-1].attempt) if own else 1
        items.append(
            MyCampaign(
                campaign=campaign,
                state=state,
                attempts=own,
                exemption=exemptions.get(campaign.pk),
                window=rules.attempt_window(campaign, attempt, now),
                now=now,
            )
        )
    _restudy_sessions(user, person, items)
    return items


def my_campaign(*, user: object, person: Person, campaign: Campaign) -> MyCampaign | None:
    """One campaign's item (the provincial campaign of ``campaign``'s family), or None if it does not concern them."""
    found = my_campaigns(user=user, person=person, campaign_id=rules.root_of(campaign).pk)
    return found[0] if found else None
