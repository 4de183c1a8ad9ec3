"""Attendance sheets (điểm danh): which sessions and cells a user may record, a cell's sheet, saving it.

A sheet lists the people a session expects in one cell; every row is "present" until marked otherwise.
A make-up session lists those who have not studied yet; a re-study session lists exactly those who must
re-study (their failed essay's grade was released: see ``essays.rules``), so marking them present opens
their new attempt. Both also keep whoever the session already recorded.
Saving writes the whole sheet in one transaction under a row lock on the AttendanceSheet, guarded by
its ``version``: a save based on an older version than the stored one is refused (the caller shows the
current values), unless it asks for exactly what is already stored (a double submit), which is a no-op.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
from dataclasses import dataclass, field
from functools import reduce
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.db.models import (
    Count,
    Exists,
    IntegerField,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from campaigns.models import Attendance, AttendanceSheet, Campaign, ConnectionPoint, StudySession
from organisations import access
from organisations.audit import record_many
from organisations.models import AuditEntry, Organisation, Person
from portal.lib.errors import DomainError
from portal.lib.text import fold

from .common import (
    SHEET_KINDS,
    any_under,
    audit_entry,
    home_point,
    path_prefixes,
    reason_label,
    status_label,
    user_label,
)

A = access.Action
Status = Attendance.Status
SHEET_ACTION = "attendance_sheet"  # audit action of one person's row changed through a sheet
SHEET_SAVE_ACTION = "attendance_sheet_save"  # audit action of the sheet itself (one per save)


# --- Selectors ------------------------------------------------------------------------------------


def attendance_session_list(*, user: Any) -> QuerySet[StudySession]:
    """Sessions of open campaigns that expect people inside the user's ATTEND scope, newest first.

    A session is listed when both its organising organisation and one of its campaign's audience
    organisations lie on the same line of the tree as one of the user's ATTEND roots (above or below it).
    """
    qs = StudySession.objects.filter(campaign__status=Campaign.Status.OPEN).select_related("campaign", "organisation")
    scope = access.scope_of(user)
    if not scope.superuser:
        clauses = []
        for root in scope.paths(A.ATTEND):
            on_line = Q(organisation__path__in=path_prefixes(root)) | Q(organisation__path__startswith=root)
            audience = Exists(
                Campaign.audience.through.objects.filter(campaign_id=OuterRef("campaign_id")).filter(
                    Q(organisation__path__in=path_prefixes(root)) | Q(organisation__path__startswith=root)
                )
            )
            clauses.append(on_line & Q(audience))
        if not clauses:
            return qs.none()
        qs = qs.filter(reduce(operator.or_, clauses))
    return qs.order_by("-starts_at", "-pk")


def sheet_organisations(*, user: Any) -> QuerySet[Organisation]:
    """The organisations whose sheets the user may record (cells, grassroots cells, socio-political orgs)."""
    return access.visible(Organisation.objects.filter(kind__in=SHEET_KINDS, is_active=True), user, A.ATTEND).order_by(
        "path"
    )


def session_covers(session: StudySession, paths: list[str], cell: Organisation) -> bool:
    """Does ``session`` (audience ``paths``) expect the people of ``cell``?"""
    return cell.path.startswith(session.organisation.path) and any(cell.path.startswith(p) for p in paths)


def attendance_cell_list(
    *, user: Any, session: StudySession, paths: list[str], query: str = ""
) -> QuerySet[Organisation]:
    """The user's sheet organisations that ``session`` expects, with each sheet's state and figures.

    Annotations: ``sheet_version`` (None: never saved), ``sheet_at``, ``expected`` (people the sheet
    lists) and ``recorded_present`` (of them, recorded present).
    """
    qs = sheet_organisations(user=user).filter(path__startswith=session.organisation.path)
    qs = qs.filter(any_under("path", paths))
    if query.strip():
        qs = qs.filter(search_name__contains=fold(query))
    sheets = AttendanceSheet.objects.filter(session=session, cell=OuterRef("pk"))
    people = Person.objects.filter(
        organisation=OuterRef("pk"), status=Person.Status.ACTIVE, kind__in=session.campaign.person_kinds
    )
    if session.kind == StudySession.Kind.RESTUDY:
        recorded = Attendance.objects.filter(session=session, person_id=OuterRef("pk"))
        people = people.filter(Q(_must_restudy(session)) | Q(Exists(recorded)))
    expected = people.order_by().values("organisation").annotate(n=Count("*")).values("n")
    present = (
        Attendance.objects.filter(session=session, status=Status.PRESENT, person__in=people.values("pk"))
        .order_by()
        .values("session")
        .annotate(n=Count("*"))
        .values("n")
    )
    return qs.select_related("parent").annotate(
        sheet_version=Subquery(sheets.values("version")[:1]),
        sheet_at=Subquery(sheets.values("submitted_at")[:1]),
        expected=Coalesce(Subquery(expected, output_field=IntegerField()), Value(0)),
        recorded_present=Coalesce(Subquery(present, output_field=IntegerField()), Value(0)),
    )


@functools.lru_cache(maxsize=16)
def _sheet_session_sql(levels: int) -> str:
    """The SQL of sheet_session_get for a cell ``levels`` deep in the tree (the number of path prefixes)."""
    t = {m.__name__: m._meta.db_table for m in (StudySession, Campaign, Organisation, ConnectionPoint, AttendanceSheet)}
    audience = Campaign.audience.through._meta.db_table
    user = get_user_model()._meta.db_table
    prefixes = ", ".join(["%s"] * levels)
    # Only table names from the models' metadata and placeholders go into the text; values are parameters.
    return f"""
        SELECT s.id, s.campaign_id, s.organisation_id, s.title, s.kind, s.format, s.starts_at, s.ends_at, s.venue,
               c.title AS c_title, c.status AS c_status, c.include_official AS c_official,
               c.include_probationary AS c_probationary, c.include_non_party AS c_non_party,
               c.parent_id AS c_parent,
               o.name AS o_name, o.path AS o_path,
               EXISTS (SELECT 1 FROM {t["ConnectionPoint"]} p WHERE p.session_id = s.id) AS has_points,
               sh.version AS sheet_version, sh.submitted_at AS sheet_at,
               u.first_name AS u_first, u.last_name AS u_last, u.username AS u_name
        FROM {t["StudySession"]} s
        JOIN {t["Campaign"]} c ON c.id = s.campaign_id
        JOIN {t["Organisation"]} o ON o.id = s.organisation_id
        LEFT JOIN {t["AttendanceSheet"]} sh ON sh.session_id = s.id AND sh.cell_id = %s
        LEFT JOIN {user} u ON u.id = sh.submitted_by_id
        WHERE s.id = %s AND o.path IN ({prefixes})
          AND EXISTS (SELECT 1 FROM {audience} a JOIN {t["Organisation"]} ao ON ao.id = a.organisation_id
                      WHERE a.campaign_id = s.campaign_id AND ao.path IN ({prefixes}))
    """  # noqa: S608


def _aware(value: Any) -> dt.datetime | None:
    moment: dt.datetime | None = parse_datetime(value) if isinstance(value, str) else value  # SQLite: text
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment, dt.UTC)
    return moment


def _partial[M: Model](model: type[M], db: str, values: dict[str, Any]) -> M:
    """An instance as loaded from the database with only ``values``; its other fields load on access."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]  # from_db wants model order
    return model.from_db(db, names, [values[name] for name in names])


def sheet_session_get(*, session_id: int, cell: Organisation) -> StudySession | None:
    """The session if it expects ``cell``'s people, else None; ONE query.

    The session comes with its campaign and organising organisation (only the fields the sheet uses;
    others load on access) and carries ``has_points`` and this cell's sheet: ``sheet_version`` (None:
    never saved), ``sheet_at`` and ``sheet_by`` (who saved it last).

    Hand-written SQL: this runs on every sheet request, and building the equivalent ORM query (two
    EXISTS, a filtered relation, five joins) cost more than the rest of the view (bench/bench_sheet.py).
    """
    prefixes = path_prefixes(cell.path)
    params = [cell.pk, int(session_id), *prefixes, *prefixes]
    found = list(StudySession.objects.raw(_sheet_session_sql(len(prefixes)), params))
    if not found:
        return None
    session = found[0]
    extra = session.__dict__  # the columns that are not the session's own fields
    db = session._state.db or "default"
    session.campaign = _partial(
        Campaign,
        db,
        {
            "id": session.campaign_id,
            "title": extra["c_title"],
            "status": extra["c_status"],
            "include_official": bool(extra["c_official"]),
            "include_probationary": bool(extra["c_probationary"]),
            "include_non_party": bool(extra["c_non_party"]),
            "parent_id": extra["c_parent"],
        },
    )
    session.organisation = _partial(
        Organisation, db, {"id": session.organisation_id, "name": extra["o_name"], "path": extra["o_path"]}
    )
    extra["has_points"] = bool(extra["has_points"])
    extra["sheet_at"] = _aware(extra["sheet_at"])
    extra["sheet_by"] = f"{extra['u_first'] or ''} {extra['u_last'] or ''}".strip() or extra["u_name"] or ""
    return session


@dataclass
class SheetRow:
    """One expected person of a sheet and what is stored for them (nothing yet: ``saved`` is False)."""

    person_id: int
    full_name: str
    date_of_birth: dt.date | None
    card_number: str | None
    organisation_path: str
    saved: bool
    attendance_id: int | None
    status: str
    reason: str
    point_id: int | None
    source: str
    minutes: int | None
    # Filled in by views: what the page shows and any message for this row.
    shown: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    entered: str = ""


def _must_restudy(session: StudySession) -> Exists:
    """EXISTS: the outer person must re-study for ``session``'s family, graded by the session's start.

    The definition is the essays app's (``essays.rules.must_restudy_exists``: state MUST_RESTUDY), imported
    here because the essays app builds on this one. A grade given after the session started is left out:
    attending it would not count as re-study for that grade.
    """
    from essays import rules

    root = Campaign(pk=session.campaign.parent_id or session.campaign_id)
    return rules.must_restudy_exists(root, graded_by=session.starts_at)


def _restudy_roster_sql(session: StudySession, cell: Organisation) -> tuple[str, tuple[Any, ...]]:
    """SQL (and its parameters) of the ids of ``cell``'s people who must re-study for ``session``."""
    ids = Person.objects.filter(organisation_id=cell.pk).filter(_must_restudy(session)).order_by().values("pk")
    return ids.query.sql_with_params()


@functools.lru_cache(maxsize=8)
def _sheet_rows_sql(kinds: int, *, makeup: bool, restudy: str = "") -> str:
    person, attendance = Person._meta.db_table, Attendance._meta.db_table
    session, campaign = StudySession._meta.db_table, Campaign._meta.db_table
    # A make-up session expects those who have not studied yet: no present / elsewhere at another main or
    # make-up session of the campaign's family (the provincial campaign and its plans); and whoever this
    # session already recorded.
    not_studied = ""
    if makeup:
        not_studied = f"""
            AND (a.id IS NOT NULL OR NOT EXISTS (
                SELECT 1 FROM {attendance} a2 JOIN {session} s2 ON s2.id = a2.session_id
                WHERE a2.person_id = p.id AND a2.session_id <> %s AND a2.status IN (%s, %s) AND s2.kind IN (%s, %s)
                  AND s2.campaign_id IN (SELECT c2.id FROM {campaign} c2 WHERE c2.id = %s OR c2.parent_id = %s)))
        """  # noqa: S608
    # A re-study session expects those who must re-study (``restudy``: the SQL of their ids, from the ORM), and
    # whoever this session already recorded.
    must_restudy = f"AND (a.id IS NOT NULL OR p.id IN ({restudy}))" if restudy else ""
    # Only table names from the models' metadata and placeholders go into the text; values are parameters.
    return f"""
        SELECT p.id, p.full_name, p.date_of_birth, p.card_number,
               a.id, a.status, a.reason, a.point_id, a.source, a.minutes
        FROM {person} p
        LEFT JOIN {attendance} a ON a.person_id = p.id AND a.session_id = %s
        WHERE p.organisation_id = %s AND p.status = %s AND p.kind IN ({", ".join(["%s"] * kinds)}) {not_studied}
          {must_restudy}
        ORDER BY p.sort_key, p.id
    """  # noqa: S608


def sheet_rows(*, session: StudySession, cell: Organisation) -> list[SheetRow]:
    """The people ``session`` expects in ``cell``, in Vietnamese name order, with their stored attendance.

    The cell's active people of the campaign's kinds; for a make-up session only those who have not
    studied yet, for a re-study session only those who must re-study (see _sheet_rows_sql); both keep
    whoever the session already recorded. ONE query whatever the cell's size. People with no stored row
    come out as "present", not saved. Hand-written SQL for the same reason as sheet_session_get: it
    runs on every sheet request and save.
    """
    kinds = session.campaign.person_kinds
    if not kinds:
        return []
    makeup = session.kind == StudySession.Kind.MAKEUP
    params: list[Any] = [session.pk, cell.pk, Person.Status.ACTIVE, *kinds]
    if makeup:
        root = session.campaign.parent_id or session.campaign_id
        params += [
            session.pk,
            Status.PRESENT,
            Status.ELSEWHERE,
            StudySession.Kind.MAIN,
            StudySession.Kind.MAKEUP,
            root,
            root,
        ]
    restudy = ""
    if session.kind == StudySession.Kind.RESTUDY:
        restudy, restudy_params = _restudy_roster_sql(session, cell)
        params += restudy_params
    with connection.cursor() as cursor:
        cursor.execute(_sheet_rows_sql(len(kinds), makeup=makeup, restudy=restudy), params)
        fetched = cursor.fetchall()
    return [
        SheetRow(
            person_id=pid,
            full_name=name,
            date_of_birth=dt.date.fromisoformat(born) if isinstance(born, str) else born,  # SQLite: text
            card_number=card,
            organisation_path=cell.path,
            saved=att_id is not None,
            attendance_id=att_id,
            status=status or Status.PRESENT,
            reason=reason or "",
            point_id=point_id,
            source=source or "",
            minutes=minutes,
        )
        for pid, name, born, card, att_id, status, reason, point_id, source, minutes in fetched
    ]


def sheet_saved_by(*, session: StudySession, cell: Organisation) -> tuple[dt.datetime | None, str]:
    """When the sheet was last saved and by whom (for the message of a refused save)."""
    sheet = AttendanceSheet.objects.filter(session=session, cell=cell).select_related("submitted_by").first()
    if sheet is None:
        return None, ""
    return sheet.submitted_at, user_label(sheet.submitted_by)


# --- Saving a sheet -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """What a sheet says about one person."""

    status: str
    reason: str = ""
    point_id: int | None = None


@dataclass(frozen=True)
class SaveResult:
    version: int
    changed: int
    repeated: bool  # the same content was already stored (a double submit): nothing was written
    counts: dict[str, int]


class SheetConflict(DomainError):
    """Someone saved the sheet since the user opened it; nothing was written."""

    def __init__(self, *, saved_at: dt.datetime | None, saved_by: str) -> None:
        when = timezone.localtime(saved_at) if saved_at else None
        if when is None:
            time_text = "?"
        elif when.date() == timezone.localdate():
            time_text = formats.time_format(when, "H:i")
        else:
            time_text = formats.date_format(when, "H:i d/m/Y")
        super().__init__(
            _(
                "Someone else saved this sheet at %(time)s (by %(name)s); here are the current values — "
                "check and save again."
            )
            % {"time": time_text, "name": saved_by or _("unknown")}
        )
        self.saved_at = saved_at
        self.saved_by = saved_by


class SheetRejected(DomainError):
    """The sheet does not match the cell (a person not in it, a person missing); nothing was written."""

    def __init__(self, message: str, row_errors: dict[int, str] | None = None) -> None:
        super().__init__(message)
        self.row_errors = row_errors or {}


class _Conflict(Exception):
    pass


def campaign_closed_message(campaign: Campaign) -> str:
    if campaign.status == Campaign.Status.CLOSED:
        return _(
            "The campaign is closed: its attendance sheets can no longer be changed. Provincial staff can reopen it."
        )
    return _("The campaign is not open yet: attendance cannot be recorded.")


def _differs(row: SheetRow, entry: Entry) -> bool:
    if not row.saved or row.status != entry.status:
        return True
    if entry.status == Status.ABSENT:
        return row.reason != entry.reason
    if entry.status == Status.ELSEWHERE:
        return row.point_id != entry.point_id
    return False  # present stays present, wherever it was recorded


def _check(entries: dict[int, Entry], rows: list[SheetRow], point_ids: set[int]) -> None:
    expected = {row.person_id for row in rows}
    unknown = sorted(set(entries) - expected)
    if unknown:
        raise SheetRejected(
            _(
                "The sheet names %(count)s person(s) who are not expected in this cell (id %(ids)s); "
                "nothing was saved. Reload the page and enter the sheet again."
            )
            % {"count": len(unknown), "ids": ", ".join(map(str, unknown[:5]))}
        )
    missing = expected - set(entries)
    if missing:
        raise SheetRejected(
            _(
                "The cell's list has changed since the sheet was opened (%(count)s person(s) added); nothing was "
                "saved. Check the names below and save again."
            )
            % {"count": len(missing)}
        )
    row_errors: dict[int, str] = {}
    for person_id, entry in entries.items():
        if entry.status not in Status.values:
            row_errors[person_id] = _("Choose present, absent or attended elsewhere.")
        elif entry.status == Status.ABSENT and entry.reason not in Attendance.Reason.values:
            row_errors[person_id] = _("Choose the reason for the absence.")
        elif entry.status == Status.ELSEWHERE and point_ids and entry.point_id not in point_ids:
            row_errors[person_id] = _("Choose the connection point where they attended.")
    if row_errors:
        raise SheetRejected(_("Some rows need a correction; nothing was saved."), row_errors)


def _normalised(entry: Entry, row: SheetRow, default_point_id: int | None, has_points: bool) -> Entry:
    if entry.status == Status.ABSENT:
        return Entry(Status.ABSENT, entry.reason, None)
    if entry.status == Status.ELSEWHERE:
        return Entry(Status.ELSEWHERE, "", entry.point_id if has_points else None)
    keep = row.point_id if row.saved and row.status == Status.PRESENT else default_point_id
    return Entry(Status.PRESENT, "", keep)


def attendance_sheet_save(
    *,
    actor: Any,
    session: StudySession,
    cell: Organisation,
    version: int,
    entries: dict[int, Entry],
    points: list[ConnectionPoint],
    now: dt.datetime | None = None,
) -> SaveResult:
    """Save ``cell``'s whole sheet for ``session`` as seen at ``version``; one transaction, audited per row.

    ``session`` must expect ``cell`` (see sheet_session_get) and ``points`` be its connection points.
    Raises DomainError (campaign not open), SheetRejected (entries not matching the cell's expected
    people, or a row without its reason / point) and SheetConflict (saved by someone else since
    ``version``). A save identical to what is stored returns ``repeated=True`` and writes nothing.
    Constant number of queries: lock, roster, sheet write, one bulk upsert, one bulk audit insert.
    """
    if session.campaign.status != Campaign.Status.OPEN:
        raise DomainError(campaign_closed_message(session.campaign))
    labels = {p.pk: str(p.host) for p in points}
    default = home_point(points, cell.path)
    default_id = default.pk if default else None
    now = now or timezone.now()
    counts = {s: 0 for s in Status.values}
    for entry in entries.values():
        counts[entry.status] = counts.get(entry.status, 0) + 1
    try:
        with transaction.atomic():
            sheet = AttendanceSheet.objects.select_for_update().filter(session=session, cell=cell).first()
            stored = sheet.version if sheet else 0
            rows = sheet_rows(session=session, cell=cell)
            _check(entries, rows, set(labels))
            changes = []
            for row in rows:
                entry = _normalised(entries[row.person_id], row, default_id, bool(points))
                if _differs(row, entry):
                    changes.append((row, entry))
            if stored != version:
                if not changes:
                    return SaveResult(version=stored, changed=0, repeated=True, counts=counts)
                raise _Conflict
            if sheet is None:
                try:
                    sheet = AttendanceSheet.objects.create(
                        session=session, cell=cell, version=1, submitted_by=actor, submitted_at=now
                    )
                except IntegrityError:  # created by a concurrent first save
                    raise _Conflict from None
            else:
                sheet.version, sheet.submitted_by, sheet.submitted_at = stored + 1, actor, now
                sheet.save(update_fields=["version", "submitted_by", "submitted_at"])
            objs = [
                Attendance(
                    session=session,
                    person_id=row.person_id,
                    status=entry.status,
                    reason=entry.reason,
                    point_id=entry.point_id,
                    source=Attendance.Source.SHEET,
                    recorded_by=actor,
                )
                for row, entry in changes
            ]
            if objs:
                Attendance.objects.bulk_create(
                    objs,
                    update_conflicts=True,
                    unique_fields=["session", "person"],
                    update_fields=["status", "reason", "point", "source", "recorded_by", "recorded_at"],
                )
            audit_rows: list[AuditEntry] = []
            for (row, entry), obj in zip(changes, objs, strict=True):
                before = _audit_values(row.status, row.reason, row.point_id, labels) if row.saved else {}
                after = _audit_values(entry.status, entry.reason, entry.point_id, labels)
                diff = {k: [before.get(k), after.get(k)] for k in {**before, **after} if before.get(k) != after.get(k)}
                if row.saved and row.source != Attendance.Source.SHEET:
                    diff["source"] = [str(Attendance.Source(row.source).label), str(Attendance.Source.SHEET.label)]
                audit_rows.append(
                    audit_entry(
                        actor=actor,
                        action=SHEET_ACTION,
                        attendance_id=obj.pk or row.attendance_id or 0,
                        person_name=row.full_name,
                        session=session,
                        organisation_id=cell.pk,
                        changes=diff,
                    )
                )
            audit_rows.append(
                AuditEntry(
                    actor=actor if getattr(actor, "pk", None) else None,
                    action=SHEET_SAVE_ACTION,
                    target_type=AttendanceSheet._meta.label_lower,
                    target_id=str(sheet.pk),
                    target_repr=str(f"{session.title} – {cell.name}")[:255],
                    organisation_id=cell.pk,
                    changes={
                        "version": [stored, sheet.version],
                        "rows_changed": len(changes),
                        **{status_label(s): n for s, n in counts.items()},
                    },
                )
            )
            record_many(audit_rows)
            return SaveResult(version=sheet.version, changed=len(changes), repeated=False, counts=counts)
    except _Conflict:
        saved_at, saved_by = sheet_saved_by(session=session, cell=cell)
        raise SheetConflict(saved_at=saved_at, saved_by=saved_by) from None


def _audit_values(status: str, reason: str, point_id: int | None, labels: dict[int, str]) -> dict[str, Any]:
    values: dict[str, Any] = {"status": status_label(status)}
    if reason:
        values["reason"] = reason_label(reason)
    if point_id:
        values["point"] = labels.get(point_id, str(point_id))
    return values
