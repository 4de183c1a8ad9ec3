"""Importing a connection point's attendance from an online meeting tool's export (.xlsx or .csv).

The file has one row per join (Zoom, Teams, Google Meet, or a Vietnamese tool): a name or a party card
number, and join and leave times or a duration. Headers are recognised in Vietnamese or English, with or
without diacritics. Rows are matched to the point's expected roster by card number, else by the folded
full name (two people with the same name: unmatched). A person's rows are merged (the union of their
intervals, so overlapping joins count once) and compared with a minimum duration.

Nothing is written until the user confirms the preview; the confirm re-checks everything against the
database and writes in one transaction with an audit entry per changed person.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import Attendance, Campaign, ConnectionPoint, StudySession
from organisations.audit import record_many
from organisations.roster.columns import header_key
from organisations.roster.reading import Header, best_header, read_table, sheet_from_rows
from portal.lib.errors import DomainError
from portal.lib.text import fold

from .common import audience_paths, audit_entry, expected_people, status_label
from .sheets import campaign_closed_message

IMPORT_ACTION = "attendance_import"
MAX_MB = 5
MAX_ROWS = 20_000
HEADER_SCAN_ROWS = 40  # Teams puts a meeting summary above the participants

# Header aliases: folded, punctuation turned into spaces. A header also matches without its
# parenthesised part ("Name (Original Name)" -> "name", "Join Time (GMT+7)" -> "join time").
HEADERS: dict[str, set[str]] = {
    "name": {
        "ho va ten",
        "ho ten",
        "ten",
        "ten dai bieu",
        "dai bieu",
        "nguoi tham gia",
        "ten nguoi tham gia",
        "ten hien thi",
        "name",
        "full name",
        "participant",
        "participant name",
        "display name",
        "attendee",
        "attendee name",
        "user name",
    },
    "card": {
        "so the dang vien",
        "so the",
        "so the dv",
        "ma dang vien",
        "ma so dang vien",
        "ma the",
        "card number",
        "party card number",
        "card",
        "card no",
        "member number",
    },
    "join": {
        "thoi gian vao",
        "gio vao",
        "vao luc",
        "thoi diem vao",
        "thoi gian tham gia",
        "thoi diem tham gia",
        "bat dau",
        "join time",
        "joined",
        "joined at",
        "time joined",
        "first join",
        "first join time",
        "join",
        "start time",
    },
    "leave": {
        "thoi gian ra",
        "gio ra",
        "roi luc",
        "thoi diem ra",
        "thoi gian roi",
        "thoi diem roi",
        "ket thuc",
        "leave time",
        "left",
        "left at",
        "time left",
        "time exited",
        "last leave",
        "last leave time",
        "leave",
        "end time",
    },
    "minutes": {
        "so phut",
        "so phut tham du",
        "thoi luong",
        "thoi luong phut",
        "thoi gian tham du",
        "duration",
        "duration minutes",
        "duration mins",
        "minutes",
        "in meeting duration",
        "attendance duration",
        "time in meeting",
        "time in call",
    },
}
_HEADER_OF = {alias: key for key, aliases in HEADERS.items() for alias in aliases}
_PARENS = re.compile(r"\([^)]*\)|\[[^]]*\]")


def _column_of(value: Any) -> str | None:
    return _HEADER_OF.get(header_key(value)) or _HEADER_OF.get(header_key(_PARENS.sub(" ", str(value or ""))))


# --- Reading the file -----------------------------------------------------------------------------


@dataclass
class MeetingRow:
    """One data row of the file, parsed."""

    number: int  # the spreadsheet row number
    name: str
    card: str
    join: dt.datetime | None = None
    leave: dt.datetime | None = None
    minutes: float | None = None
    error: str = ""


def _who_and_how_long(columns: dict[str, int]) -> bool:
    return ("name" in columns or "card" in columns) and (
        "minutes" in columns or ("join" in columns and "leave" in columns)
    )


def _find_header(head: list[Sequence[Any]]) -> Header | None:
    """The top row naming the most known columns, among those naming who (name or card) and how long."""
    return best_header(head, column_of=_column_of, accept=_who_and_how_long, refuse_repeats=False)


def _local(value: dt.datetime) -> dt.datetime:
    return value if timezone.is_aware(value) else timezone.make_aware(value)


_DATETIME_FORMATS = (
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%y, %I:%M:%S %p",
    "%m/%d/%y %I:%M:%S %p",
    "%d/%m/%y %H:%M:%S",
    "%d/%m/%y %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d/%m/%Y, %H:%M:%S",
)
_TIME_FORMATS = ("%H:%M:%S", "%H:%M", "%I:%M:%S %p", "%I:%M %p")


def parse_time(value: Any, *, day: dt.date) -> dt.datetime | None:
    """A join or leave time as an aware datetime; a bare time is taken on ``day`` (the session's date).

    Day and month are ambiguous in "07/08/2024": the reading that falls on the session's day wins,
    then the Vietnamese dd/mm. Returns None for an empty cell; raises ValueError when unreadable.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.datetime):
        return _local(value)
    if isinstance(value, dt.time):
        return _local(dt.datetime.combine(day, value))
    if isinstance(value, (int, float)):
        if 0 <= value < 1:  # an Excel time without a date: a fraction of a day
            return _local(dt.datetime.combine(day, dt.time()) + dt.timedelta(days=float(value)))
        if 20000 < value < 80000:  # an Excel date serial
            return _local(dt.datetime(1899, 12, 30) + dt.timedelta(days=float(value)))
        raise ValueError(value)
    text = " ".join(str(value).replace("\u202f", " ").split())
    text = re.sub(r"\s*(?:GMT|UTC)\s*[+-]?\d{0,2}:?\d{0,2}$", "", text, flags=re.IGNORECASE)
    candidates: list[dt.datetime] = []
    try:
        parsed = dt.datetime.fromisoformat(text)
        candidates.append(parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed))
    except ValueError:
        pass
    for fmt in _DATETIME_FORMATS:
        try:
            candidates.append(_local(dt.datetime.strptime(text.upper() if "%p" in fmt else text, fmt)))
        except ValueError:
            continue
    for fmt in _TIME_FORMATS:
        try:
            moment = dt.datetime.strptime(text.upper(), fmt).time()
        except ValueError:
            continue
        candidates.append(_local(dt.datetime.combine(day, moment)))
    if not candidates:
        raise ValueError(value)
    for candidate in candidates:
        if timezone.localtime(candidate).date() == day:
            return candidate
    return candidates[0]


_DURATION_PART = re.compile(
    r"(\d+(?:[.,]\d+)?)\s*(h|hr|hrs|hour|hours|gio|m|min|mins|minute|minutes|phut|s|sec|secs|"
    r"second|seconds|giay)\b"
)


def parse_minutes(value: Any) -> float | None:
    """A duration in minutes: 75, "75", "75 phút", "1:15:00", "1h 15m", "1 giờ 15 phút"; None when empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.timedelta):
        return value.total_seconds() / 60
    if isinstance(value, dt.time):
        return value.hour * 60 + value.minute + value.second / 60
    if isinstance(value, (int, float)):
        if value < 0:
            raise ValueError(value)
        return float(value)
    text = fold(str(value))
    if re.fullmatch(r"\d+(?:[.,]\d+)?", text):
        return float(text.replace(",", "."))
    clock = re.fullmatch(r"(\d+):(\d{1,2})(?::(\d{1,2}))?", text)
    if clock:
        hours, minutes, seconds = int(clock[1]), int(clock[2]), int(clock[3] or 0)
        return hours * 60 + minutes + seconds / 60
    total = 0.0
    found = False
    for number, unit in _DURATION_PART.findall(text):
        amount = float(number.replace(",", "."))
        found = True
        if unit in ("h", "hr", "hrs", "hour", "hours", "gio"):
            total += amount * 60
        elif unit in ("s", "sec", "secs", "second", "seconds", "giay"):
            total += amount / 60
        else:
            total += amount
    if not found:
        raise ValueError(value)
    return total


def _cell(row: Sequence[Any], index: int | None) -> Any:
    if index is None or index >= len(row):
        return None
    return row[index]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def _rows_from(table: Iterable[Sequence[Any]], *, day: dt.date) -> list[MeetingRow]:
    sheet = sheet_from_rows(
        table,
        find_header=_find_header,
        header_scan_rows=HEADER_SCAN_ROWS,
        limit=MAX_ROWS,
        no_header=_(
            "No attendance columns were found. The file needs a column of names (“Họ và tên”, “Name”) or of "
            "party card numbers (“Số thẻ đảng viên”), and either join and leave times (“Thời gian vào”, "
            "“Thời gian ra”, “Join time”, “Leave time”) or a duration in minutes (“Số phút”, “Duration”)."
        ),
    )
    columns = sheet.columns
    rows: list[MeetingRow] = []
    for number, raw in sheet.rows:
        row = MeetingRow(
            number=number, name=_text(_cell(raw, columns.get("name"))), card=_text(_cell(raw, columns.get("card")))
        )
        if not row.name and not row.card:
            continue  # a total line or a note under the table
        try:
            row.join = parse_time(_cell(raw, columns.get("join")), day=day)
            row.leave = parse_time(_cell(raw, columns.get("leave")), day=day)
        except ValueError:
            row.error = _("The join or leave time cannot be read.")
        try:
            row.minutes = parse_minutes(_cell(raw, columns.get("minutes")))
        except ValueError:
            row.error = row.error or _("The duration cannot be read.")
        if not row.error:
            if row.join and row.leave:
                if row.leave < row.join:
                    row.error = _("The leave time is before the join time.")
            elif row.minutes is None:
                row.error = _("The row has neither join and leave times nor a duration.")
        rows.append(row)
    if not rows:
        raise DomainError(_("The file has no data rows under the header."))
    return rows


def meeting_rows_read(*, data: bytes, day: dt.date) -> list[MeetingRow]:
    """Recognise the file by its content and parse its rows; DomainError for a file that is not a list.

    The file handling (formats, limits, encodings, messages) is the roster import's: read_table.
    """
    return read_table(
        data=data,
        parse=functools.partial(_rows_from, day=day),
        find_header=_find_header,
        header_scan_rows=HEADER_SCAN_ROWS,
        max_megabytes=MAX_MB,
        too_much_data=_("The Excel file unpacks to too much data; it is not a meeting attendance list."),
    )


# --- Matching and the preview ---------------------------------------------------------------------


def card_key(value: str) -> str:
    """Card numbers compare by their digits without leading zeros (Excel drops them)."""
    return re.sub(r"\D", "", value or "").lstrip("0")


def name_key(value: str) -> str:
    return fold(_PARENS.sub(" ", value or ""))


def merged_minutes(intervals: list[tuple[dt.datetime, dt.datetime]], extra: float = 0.0) -> int:
    """Minutes covered by the union of ``intervals`` plus ``extra`` (durations given without times)."""
    total = dt.timedelta()
    current: tuple[dt.datetime, dt.datetime] | None = None
    for start, end in sorted(intervals):
        if current is None or start > current[1]:
            if current is not None:
                total += current[1] - current[0]
            current = (start, end)
        else:
            current = (current[0], max(current[1], end))
    if current is not None:
        total += current[1] - current[0]
    return int(total.total_seconds() // 60 + extra + 1e-9)


def person_minutes(rows: list[MeetingRow]) -> int:
    """One person's minutes in the meeting from all their rows.

    With a duration on every row (Zoom, Teams), the durations are added up, but never beyond the union
    of the rows' intervals when every row has one (two overlapping rows count the overlap once; Teams'
    first-join/last-leave span includes the breaks its duration leaves out). Otherwise the union of the
    intervals plus the durations of rows without times.
    """
    intervals = [(r.join, r.leave) for r in rows if r.join and r.leave]
    if all(r.minutes is not None for r in rows):
        total = sum(r.minutes or 0.0 for r in rows)
        if len(intervals) == len(rows):
            return min(int(total + 1e-9), merged_minutes(intervals))  # type: ignore[arg-type,unused-ignore]
        return int(total + 1e-9)
    extra = sum(r.minutes or 0.0 for r in rows if not (r.join and r.leave))
    return merged_minutes(intervals, extra)  # type: ignore[arg-type,unused-ignore]


class Decision:
    PRESENT = "present"  # will be recorded present
    SHORT = "short"  # too short: recorded absent (with the minutes)
    KEEP = "keep"  # already present by another record: left as it is
    KEEP_SHORT = "keep_short"  # too short, but another record (present, or absent with a reason) is kept
    UNCHANGED = "unchanged"  # the same import was already applied


def decide(minutes: int, min_minutes: int, existing: dict[str, Any] | None, point_id: int) -> str:
    """What confirming does for one person, given what is stored (status, source, minutes, point_id)."""
    enough = minutes >= min_minutes
    if existing is None:
        return Decision.PRESENT if enough else Decision.SHORT
    from_import = existing["source"] == Attendance.Source.IMPORT
    target = Attendance.Status.PRESENT if enough else Attendance.Status.ABSENT
    if (
        from_import
        and existing["status"] == target
        and existing["minutes"] == minutes
        and (existing["point_id"] == point_id)
    ):
        return Decision.UNCHANGED
    if enough:
        kept = existing["status"] == Attendance.Status.PRESENT and not from_import
        return Decision.KEEP if kept else Decision.PRESENT
    return Decision.SHORT if from_import else Decision.KEEP_SHORT


@dataclass
class MatchedPerson:
    person_id: int
    full_name: str
    organisation: str
    minutes: int
    rows: list[int]
    decision: str = ""
    current: str = ""  # the stored status, as a label


@dataclass
class Unmatched:
    number: int
    name: str
    card: str
    reason: str


@dataclass
class Preview:
    matched: list[MatchedPerson] = field(default_factory=list)
    unmatched: list[Unmatched] = field(default_factory=list)
    min_minutes: int = 0
    merged_rows: int = 0  # rows folded into another row of the same person

    def count(self, *decisions: str) -> int:
        return sum(1 for m in self.matched if m.decision in decisions)

    @property
    def plan(self) -> list[list[int]]:
        """What the confirm step needs: [person id, minutes] per matched person."""
        return [[m.person_id, m.minutes] for m in self.matched]


def point_roster(session: StudySession, point: ConnectionPoint) -> list[dict[str, Any]]:
    """The people expected at ``point``: the session's people under its host organisation."""
    return list(
        expected_people(session, audience_paths(session), under=point.host.path).values(
            "id", "full_name", "card_number", "organisation_id", "organisation__name"
        )
    )


def _existing(session: StudySession, person_ids: Iterable[int], *, lock: bool = False) -> dict[int, dict[str, Any]]:
    qs = Attendance.objects.filter(session=session, person_id__in=list(person_ids))
    if lock:
        qs = qs.select_for_update()
    return {
        row["person_id"]: row
        for row in qs.values("id", "person_id", "status", "reason", "source", "minutes", "point_id")
    }


def attendance_import_preview(
    *, session: StudySession, point: ConnectionPoint, rows: list[MeetingRow], min_minutes: int
) -> Preview:
    """Match the file's rows to the point's roster, merge each person's rows and decide what confirming does."""
    roster = point_roster(session, point)
    by_card: dict[str, list[dict[str, Any]]] = defaultdict(list)
    by_name: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for person in roster:
        if person["card_number"]:
            by_card[card_key(person["card_number"])].append(person)
        by_name[name_key(person["full_name"])].append(person)
    preview = Preview(min_minutes=min_minutes)
    found: dict[int, tuple[dict[str, Any], list[MeetingRow]]] = {}
    for row in rows:
        if row.error:
            preview.unmatched.append(Unmatched(row.number, row.name, row.card, row.error))
            continue
        candidates = by_card.get(card_key(row.card), []) if card_key(row.card) else []
        if not candidates and row.name:
            candidates = by_name.get(name_key(row.name), [])
        if len(candidates) == 1:
            person = candidates[0]
            found.setdefault(person["id"], (person, []))[1].append(row)
        elif len(candidates) > 1:
            preview.unmatched.append(
                Unmatched(
                    row.number,
                    row.name,
                    row.card,
                    _("Several people of this point have this name: add the party card number to the file."),
                )
            )
        else:
            preview.unmatched.append(
                Unmatched(
                    row.number, row.name, row.card, _("Nobody with this card number or name is expected at this point.")
                )
            )
    existing = _existing(session, found)
    for person_id, (person, person_rows) in found.items():
        minutes = person_minutes(person_rows)
        current = existing.get(person_id)
        preview.matched.append(
            MatchedPerson(
                person_id=person_id,
                full_name=person["full_name"],
                organisation=person["organisation__name"],
                minutes=minutes,
                rows=[r.number for r in person_rows],
                decision=decide(minutes, min_minutes, current, point.pk),
                current=status_label(current["status"]) if current else "",
            )
        )
        preview.merged_rows += len(person_rows) - 1
    preview.matched.sort(key=lambda m: (m.decision != Decision.SHORT, m.organisation, m.full_name))
    return preview


@dataclass(frozen=True)
class ImportResult:
    present: int
    short: int
    kept: int
    unchanged: int


def attendance_import_apply(
    *, actor: Any, session: StudySession, point: ConnectionPoint, plan: list[list[int]], min_minutes: int
) -> ImportResult:
    """Write a confirmed preview: [person id, minutes] rows for ``point``, in one transaction, audited.

    Re-checks that every person is still expected at the point (else DomainError, nothing written) and
    decides against the rows stored now. Never downgrades a present recorded by a sheet or a QR scan.
    """
    if session.campaign.status != Campaign.Status.OPEN:
        raise DomainError(campaign_closed_message(session.campaign))
    minutes_of: dict[int, int] = {}
    for item in plan:
        if len(item) != 2 or item[0] in minutes_of:
            raise DomainError(_("The preview is damaged; upload the file again."))
        minutes_of[int(item[0])] = max(0, int(item[1]))
    with transaction.atomic():
        people = {
            pk: (name, organisation_id)
            for pk, name, organisation_id in expected_people(session, audience_paths(session), under=point.host.path)
            .filter(pk__in=list(minutes_of))
            .values_list("pk", "full_name", "organisation_id")
        }
        gone = set(minutes_of) - set(people)
        if gone:
            raise DomainError(
                _(
                    "%(count)s person(s) of the preview are no longer expected at this point; nothing was saved. "
                    "Upload the file again."
                )
                % {"count": len(gone)}
            )
        existing = _existing(session, minutes_of, lock=True)
        objs: list[Attendance] = []
        decisions: dict[int, str] = {}
        for person_id, minutes in minutes_of.items():
            decision = decide(minutes, min_minutes, existing.get(person_id), point.pk)
            decisions[person_id] = decision
            if decision in (Decision.PRESENT, Decision.SHORT):
                status = Attendance.Status.PRESENT if decision == Decision.PRESENT else Attendance.Status.ABSENT
                objs.append(
                    Attendance(
                        session=session,
                        person_id=person_id,
                        status=status,
                        reason="",
                        point=point,
                        source=Attendance.Source.IMPORT,
                        minutes=minutes,
                        recorded_by=actor,
                    )
                )
        if objs:
            Attendance.objects.bulk_create(
                objs,
                update_conflicts=True,
                unique_fields=["session", "person"],
                update_fields=["status", "reason", "point", "source", "minutes", "recorded_by", "recorded_at"],
            )
        entries = []
        for obj in objs:
            before = existing.get(obj.person_id)
            changes: dict[str, Any] = {
                "status": [status_label(before["status"]) if before else None, status_label(obj.status)],
                "minutes": [before["minutes"] if before else None, obj.minutes],
                "point": [None, str(point.host)],
                "source": [before["source"] if before else None, Attendance.Source.IMPORT.value],
            }
            entries.append(
                audit_entry(
                    actor=actor,
                    action=IMPORT_ACTION,
                    attendance_id=obj.pk or (before["id"] if before else 0),
                    person_name=people[obj.person_id][0],
                    session=session,
                    organisation_id=people[obj.person_id][1],
                    changes=changes,
                )
            )
        record_many(entries)
    values = list(decisions.values())
    return ImportResult(
        present=values.count(Decision.PRESENT),
        short=values.count(Decision.SHORT),
        kept=values.count(Decision.KEEP) + values.count(Decision.KEEP_SHORT),
        unchanged=values.count(Decision.UNCHANGED),
    )
