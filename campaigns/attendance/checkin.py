"""QR check-in (điểm danh bằng mã QR): a rotating code on the projector, a member scans it and is marked present.

The code of time window ``w`` (``WINDOW_SECONDS`` long) is an HMAC of the session id and ``w`` under the
session's own secret (or SECRET_KEY before it has one), truncated. A scan is accepted in the current and
the previous window only, so a photo of the screen sent to someone absent stops working within a minute.
Every function takes ``now`` so tests can move the clock without sleeping.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from campaigns.models import Attendance, Campaign, StudySession
from organisations import access
from organisations.audit import record_many
from organisations.models import Organisation

from .common import audience_paths, audit_entry, expected_people, home_point, session_points, status_label

WINDOW_SECONDS = 30
CODE_LENGTH = 10  # base32 characters: 50 bits, valid for at most two windows
GRANT_SECONDS = 300  # a valid scan may finish logging in within this time
CHECKIN_ACTION = "attendance_checkin"
SCREEN_CELLS = 40  # cells listed on the screen when the session expects more: only those with check-ins
_EXPECTED_CACHE_SECONDS = 300


def checkin_secret_ensure(*, session: StudySession) -> str:
    """The session's check-in secret, generated on first use (race-safe: the first writer wins)."""
    if not session.checkin_secret:
        StudySession.objects.filter(pk=session.pk, checkin_secret="").update(checkin_secret=secrets.token_hex(32))
        session.checkin_secret = StudySession.objects.values_list("checkin_secret", flat=True).get(pk=session.pk)
    return session.checkin_secret


def checkin_window(now: dt.datetime | None = None) -> int:
    return int((now or timezone.now()).timestamp()) // WINDOW_SECONDS


def checkin_seconds_left(now: dt.datetime | None = None) -> int:
    """Seconds until the code on the screen changes."""
    stamp = (now or timezone.now()).timestamp()
    return max(1, int(WINDOW_SECONDS - stamp % WINDOW_SECONDS + 0.999))


def checkin_code(*, session: StudySession, window: int) -> str:
    key = (session.checkin_secret or settings.SECRET_KEY).encode()
    digest = hmac.new(key, f"checkin:{session.pk}:{window}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode("ascii")[:CODE_LENGTH].lower()


def checkin_code_valid(*, session: StudySession, code: str, now: dt.datetime | None = None) -> bool:
    """Is ``code`` the code of the current or the previous window?"""
    window = checkin_window(now)
    given = (code or "").strip().lower().encode()
    return any(
        hmac.compare_digest(given, checkin_code(session=session, window=w).encode()) for w in (window, window - 1)
    )


class CheckinOutcome(StrEnum):
    CHECKED_IN = "checked_in"
    ALREADY = "already"
    NO_PERSON = "no_person"  # the account is not a participant (staff, officers without a record)
    NOT_EXPECTED = "not_expected"
    NOT_OPEN = "not_open"


def checkin_record(*, user: Any, session: StudySession, now: dt.datetime | None = None) -> CheckinOutcome:
    """Mark the user's own person present at ``session`` (source QR). The caller has checked the code.

    Idempotent: a second scan changes nothing. A row entered earlier as absent or elsewhere (by a
    secretary before the member arrived) becomes present, with an audit entry.
    """
    person_id = access.scope_of(user).person_id
    if person_id is None:
        return CheckinOutcome.NO_PERSON
    if session.campaign.status != Campaign.Status.OPEN:
        return CheckinOutcome.NOT_OPEN
    person = (
        expected_people(session, audience_paths(session)).filter(pk=person_id).select_related("organisation").first()
    )
    if person is None:
        return CheckinOutcome.NOT_EXPECTED
    with transaction.atomic():
        existing = Attendance.objects.select_for_update().filter(session=session, person=person).first()
        if existing is not None and existing.status == Attendance.Status.PRESENT:
            return CheckinOutcome.ALREADY
        point = home_point(session_points(session), person.organisation.path)
        (row,) = Attendance.objects.bulk_create(
            [
                Attendance(
                    session=session,
                    person=person,
                    status=Attendance.Status.PRESENT,
                    reason="",
                    point=point,
                    source=Attendance.Source.QR,
                    recorded_by=user,
                )
            ],
            update_conflicts=True,
            unique_fields=["session", "person"],
            update_fields=["status", "reason", "point", "source", "recorded_by", "recorded_at"],
        )
        changes = {
            "status": [status_label(existing.status) if existing else None, status_label(Attendance.Status.PRESENT)],
            "source": [str(existing.get_source_display()) if existing else None, str(Attendance.Source.QR.label)],
        }
        record_many(
            [
                audit_entry(
                    actor=user,
                    action=CHECKIN_ACTION,
                    attendance_id=row.pk or (existing.pk if existing else 0),
                    person_name=person.full_name,
                    session=session,
                    organisation_id=person.organisation_id,
                    changes=changes,
                )
            ]
        )
    return CheckinOutcome.CHECKED_IN


def _expected_by_organisation(session: StudySession) -> list[tuple[int, str, str, int]]:
    """(organisation id, name, path, people expected) of the session, cached: the screen polls every few seconds."""
    key = f"attendance:checkin-expected:{session.pk}"
    rows: list[tuple[int, str, str, int]] | None = cache.get(key)
    if rows is None:
        counts = dict(
            expected_people(session, audience_paths(session))
            .order_by()
            .values("organisation")
            .annotate(n=Count("*"))
            .values_list("organisation", "n")
        )
        orgs = Organisation.objects.filter(pk__in=counts).order_by("path").values_list("pk", "name", "path")
        rows = [(pk, name, path, counts[pk]) for pk, name, path in orgs]
        cache.set(key, rows, _EXPECTED_CACHE_SECONDS)
    return rows


def checkin_counts(*, session: StudySession) -> dict[str, Any]:
    """Live figures for the screen: checked in by QR per organisation, and the totals.

    ``cells`` lists every organisation the session expects when there are at most SCREEN_CELLS of them,
    else only those with check-ins (``partial`` is then True).
    """
    expected = _expected_by_organisation(session)
    checked = dict(
        Attendance.objects.filter(session=session, source=Attendance.Source.QR, status=Attendance.Status.PRESENT)
        .order_by()
        .values("person__organisation")
        .annotate(n=Count("*"))
        .values_list("person__organisation", "n")
    )
    partial = len(expected) > SCREEN_CELLS
    cells = [
        {"name": name, "checked_in": checked.get(pk, 0), "expected": n}
        for pk, name, _path, n in expected
        if not partial or checked.get(pk)
    ]
    return {
        "cells": cells,
        "partial": partial,
        "checked_in": sum(checked.values()),
        "expected": sum(row[3] for row in expected),
    }
