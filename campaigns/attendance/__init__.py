"""Attendance (điểm danh): services and selectors for sheets, QR check-in and meeting-list import.

- ``sheets``: which sessions and cells a user may record, a cell's sheet, saving it (versioned, audited).
- ``checkin``: the rotating QR code on the projector, a member's check-in, the live counts.
- ``meeting_import``: a connection point's attendance from an online meeting tool's export.
- ``common``: who a session expects, its connection points, audit helpers.
"""

from .checkin import (
    CheckinOutcome,
    checkin_code,
    checkin_code_valid,
    checkin_counts,
    checkin_record,
    checkin_seconds_left,
    checkin_secret_ensure,
    checkin_window,
)
from .common import SHEET_KINDS, audience_paths, expected_people, home_point, session_get, session_points
from .meeting_import import (
    Decision,
    Preview,
    attendance_import_apply,
    attendance_import_preview,
    meeting_rows_read,
)
from .sheets import (
    Entry,
    SaveResult,
    SheetConflict,
    SheetRejected,
    SheetRow,
    attendance_cell_list,
    attendance_session_list,
    attendance_sheet_save,
    campaign_closed_message,
    session_covers,
    sheet_organisations,
    sheet_rows,
    sheet_session_get,
)

__all__ = [
    "SHEET_KINDS",
    "CheckinOutcome",
    "Decision",
    "Entry",
    "Preview",
    "SaveResult",
    "SheetConflict",
    "SheetRejected",
    "SheetRow",
    "attendance_cell_list",
    "attendance_import_apply",
    "attendance_import_preview",
    "attendance_session_list",
    "attendance_sheet_save",
    "audience_paths",
    "campaign_closed_message",
    "checkin_code",
    "checkin_code_valid",
    "checkin_counts",
    "checkin_record",
    "checkin_seconds_left",
    "checkin_secret_ensure",
    "checkin_window",
    "expected_people",
    "home_point",
    "meeting_rows_read",
    "session_covers",
    "session_points",
    "session_get",
    "sheet_organisations",
    "sheet_rows",
    "sheet_session_get",
]
