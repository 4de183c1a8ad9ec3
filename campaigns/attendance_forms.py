"""Forms of the attendance pages: the posted sheet, the cell search, the meeting-list upload."""

from __future__ import annotations

import math
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaigns.attendance import Entry
from campaigns.models import Attendance, ConnectionPoint, StudySession
from portal.lib.forms import search_field

Status = Attendance.Status


class SheetForm:
    """A posted attendance sheet, parsed without the database.

    The page posts ``version``, one ``person`` field per row (in the order shown) and, per person,
    ``status-<id>``, ``reason-<id>`` and ``point-<id>``. Whether the people are the cell's is the
    service's business (it checks against the roster under the sheet's lock); this checks the shape:
    numbers, known choices, a reason for an absence, a point for "elsewhere", no person twice.
    """

    def __init__(self, data: QueryDict, *, points: list[ConnectionPoint]) -> None:
        self.data = data
        self.point_ids = {p.pk for p in points}
        self.errors: list[str] = []
        self.row_errors: dict[int, str] = {}
        self.version = 0
        self.entries: dict[int, Entry] = {}
        self.order: list[int] = []

    def _single(self, name: str) -> str | None:
        values = self.data.getlist(name)
        if len(values) > 1:
            raise _Duplicate
        return values[0].strip() if values else None

    def is_valid(self) -> bool:
        raw_version = self.data.get("version", "")
        ids = self.data.getlist("person")
        if not raw_version.isdigit() or len(self.data.getlist("version")) != 1 or not all(i.isdigit() for i in ids):
            self.errors.append(_("The sheet is incomplete or damaged; reload the page and enter it again."))
            return False
        self.version = int(raw_version)
        self.order = [int(i) for i in ids]
        if len(set(self.order)) != len(self.order):
            self.errors.append(_("The sheet lists the same person twice; nothing was saved. Reload the page."))
            return False
        for person_id in self.order:
            try:
                status = self._single(f"status-{person_id}") or ""
                reason = self._single(f"reason-{person_id}") or ""
                point = self._single(f"point-{person_id}") or ""
            except _Duplicate:
                self.errors.append(_("The sheet lists the same person twice; nothing was saved. Reload the page."))
                return False
            if status not in Status.values:
                self.row_errors[person_id] = _("Choose present, absent or attended elsewhere.")
                continue
            if status == Status.ABSENT:
                if reason not in Attendance.Reason.values:
                    self.row_errors[person_id] = _("Choose the reason for the absence.")
                    continue
                self.entries[person_id] = Entry(status, reason, None)
            elif status == Status.ELSEWHERE:
                point_id = int(point) if point.isdigit() else None
                if self.point_ids and point_id not in self.point_ids:
                    self.row_errors[person_id] = _("Choose the connection point where they attended.")
                    continue
                self.entries[person_id] = Entry(status, "", point_id if self.point_ids else None)
            else:
                self.entries[person_id] = Entry(status, "", None)
        if self.row_errors:
            self.errors.append(_("Some rows need a correction; nothing was saved."))
        return not self.errors

    def posted(self, person_id: int) -> dict[str, Any]:
        """What was posted for one person, to show it again."""
        point = self.data.get(f"point-{person_id}", "")
        return {
            "status": self.data.get(f"status-{person_id}", ""),
            "reason": self.data.get(f"reason-{person_id}", ""),
            "point_id": int(point) if point.isdigit() else None,
        }


class _Duplicate(Exception):
    pass


class CellSearchForm(forms.Form):
    q = search_field(gettext_lazy("Cell name, with or without diacritics"))


def default_min_minutes(session: StudySession) -> int:
    """75 % of the session's length, in whole minutes (rounded up)."""
    length = (session.ends_at - session.starts_at).total_seconds() / 60
    return max(1, math.ceil(length * 0.75))


class MeetingImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Attendance list (.xlsx or .csv)"),
        help_text=gettext_lazy("The participants list exported from the online meeting tool."),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,.csv,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ),
    )
    min_minutes = forms.IntegerField(
        label=gettext_lazy("Minimum minutes to count as present"),
        min_value=0,
        max_value=24 * 60,
    )

    def __init__(self, *args: Any, session: StudySession, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        default = default_min_minutes(session)
        self.fields["min_minutes"].initial = default
        self.fields["min_minutes"].help_text = _("Default: 75%% of the session's length, %(minutes)s minutes.") % {
            "minutes": default
        }
