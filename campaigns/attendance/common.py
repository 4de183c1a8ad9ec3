"""What the attendance code shares: which people a session expects, its connection points, labels for audit.

A session expects the active people of the campaign's kinds who sit under one of the campaign's
audience organisations AND under the session's organising organisation (a district's session for a
provincial campaign expects that district's people only).
"""

from __future__ import annotations

import operator
from functools import reduce
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from campaigns.models import Attendance, Campaign, ConnectionPoint, StudySession
from organisations.models import STEP, AuditEntry, Organisation, Person

# Organisations whose own people are listed on one attendance sheet: party cells, grassroots cells and
# the socio-political organisations (their cadres are attached to the organisation itself).
SHEET_KINDS = (*Organisation.CELL_KINDS, Organisation.Kind.MASS_ORG)


def path_prefixes(path: str) -> list[str]:
    """``path`` and the paths of all its ancestors: "000100020003" -> ["0001", "00010002", "000100020003"]."""
    return [path[:i] for i in range(STEP, len(path) + 1, STEP)]


def any_under(field: str, paths: list[str]) -> Q:
    """Rows whose ``field`` (a tree path) lies under one of ``paths``; matches nothing for no paths."""
    if not paths:
        return Q(pk__in=[])
    return reduce(operator.or_, (Q(**{f"{field}__startswith": p}) for p in paths))


def audience_covers(path: str) -> Exists:
    """For a StudySession queryset: its campaign's audience includes ``path`` (an ancestor-or-self of it)."""
    return Exists(
        Campaign.audience.through.objects.filter(
            campaign_id=OuterRef("campaign_id"), organisation__path__in=path_prefixes(path)
        )
    )


def audience_paths(session: StudySession) -> list[str]:
    """The tree paths of the session's campaign audience (one query)."""
    return list(
        Campaign.audience.through.objects.filter(campaign_id=session.campaign_id).values_list(
            "organisation__path", flat=True
        )
    )


def expected_people(session: StudySession, paths: list[str], *, under: str = "") -> QuerySet[Person]:
    """The people ``session`` expects (see the module docstring), optionally only those under ``under``.

    ``session`` must come with its campaign and organisation loaded; ``paths`` are its audience paths.
    """
    qs = Person.objects.filter(
        status=Person.Status.ACTIVE,
        kind__in=session.campaign.person_kinds,
        organisation__path__startswith=session.organisation.path,
    ).filter(any_under("organisation__path", paths))
    if under:
        qs = qs.filter(organisation__path__startswith=under)
    return qs


def session_points(session: StudySession) -> list[ConnectionPoint]:
    """The session's connection points with their hosts, in tree order."""
    return list(ConnectionPoint.objects.filter(session=session).select_related("host").order_by("host__path"))


def home_point(points: list[ConnectionPoint], path: str) -> ConnectionPoint | None:
    """The point a member under ``path`` attends by default: the one hosted nearest above them."""
    best: ConnectionPoint | None = None
    for point in points:
        if path.startswith(point.host.path) and (best is None or len(point.host.path) > len(best.host.path)):
            best = point
    return best


def status_label(status: str) -> str:
    return str(Attendance.Status(status).label) if status else ""


def reason_label(reason: str) -> str:
    return str(Attendance.Reason(reason).label) if reason else ""


def audit_entry(
    *,
    actor: Any,
    action: str,
    attendance_id: int,
    person_name: str,
    session: StudySession,
    organisation_id: int | None,
    changes: dict[str, Any],
) -> AuditEntry:
    """One unsaved audit entry for one person's attendance (saved in bulk by the caller)."""
    return AuditEntry(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        target_type=Attendance._meta.label_lower,
        target_id=str(attendance_id),
        target_repr=f"{person_name} – {session.title}"[:255],
        organisation_id=organisation_id,
        changes=changes,
    )


def user_label(user: Any) -> str:
    if user is None or not getattr(user, "pk", None):
        return ""
    return str(user.get_full_name() or user.get_username())


def session_get(*, session_id: int) -> StudySession | None:
    """A session with its campaign and organising organisation, or None.

    Not scoped: the caller decides access from the cell, the connection point or the person concerned.
    """
    return StudySession.objects.select_related("campaign", "organisation").filter(pk=session_id).first()
