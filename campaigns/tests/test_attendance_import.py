"""Importing a connection point's attendance from a meeting tool's export: reading, matching, the duration
rule, the preview and the confirm, and refusals that save nothing."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns import attendance, services
from campaigns.attendance import meeting_import
from campaigns.attendance.meeting_import import merged_minutes, parse_minutes, parse_time
from campaigns.models import Attendance, ConnectionPoint, StudySession
from campaigns.tests.factories import make_session
from campaigns.tests.test_attendance import campaign_fixture  # noqa: F401 - fixture
from organisations.models import AuditEntry, Person
from organisations.tests.factories import PersonFactory
from portal.lib.errors import DomainError

DAY = dt.date(2024, 7, 16)


# --- Reading times and durations ---------------------------------------------------------------------


def local(value: dt.datetime) -> tuple[int, int, int, int, int]:
    value = timezone.localtime(value)
    return value.year, value.month, value.day, value.hour, value.minute


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("16/07/2024 08:05:00", (2024, 7, 16, 8, 5)),
        ("07/16/2024 08:05:00 AM", (2024, 7, 16, 8, 5)),
        ("7/16/24, 1:05:09 PM", (2024, 7, 16, 13, 5)),
        ("2024-07-16 08:05", (2024, 7, 16, 8, 5)),
        ("08:05", (2024, 7, 16, 8, 5)),
        ("8:05:30 AM", (2024, 7, 16, 8, 5)),
        (dt.datetime(2024, 7, 16, 9, 30), (2024, 7, 16, 9, 30)),
        (dt.time(14, 0), (2024, 7, 16, 14, 0)),
        (0.5, (2024, 7, 16, 12, 0)),
    ],
)
def test_join_and_leave_times_are_read_in_the_usual_formats(value, expected):
    assert local(parse_time(value, day=DAY)) == expected


def test_ambiguous_day_and_month_take_the_reading_on_the_sessions_day():
    assert local(parse_time("07/08/2024 09:00", day=dt.date(2024, 8, 7)))[:3] == (2024, 8, 7)
    assert local(parse_time("07/08/2024 09:00", day=dt.date(2024, 7, 8)))[:3] == (2024, 7, 8)


def test_unreadable_time_raises_and_empty_is_none():
    assert parse_time("", day=DAY) is None and parse_time(None, day=DAY) is None
    with pytest.raises(ValueError):
        parse_time("sáng nay", day=DAY)


@pytest.mark.parametrize(
    ("value", "minutes"),
    [
        (75, 75),
        ("75", 75),
        ("75,5", 75.5),
        ("1:15:00", 75),
        ("1:15", 75),
        ("1h 15m", 75),
        ("1 giờ 15 phút", 75),
        ("75 phút", 75),
        ("45 mins", 45),
        ("2 hr 3 min 30 sec", 123.5),
        (dt.time(1, 30), 90),
    ],
)
def test_durations_are_read_in_minutes(value, minutes):
    assert parse_minutes(value) == pytest.approx(minutes)


def test_a_persons_overlapping_joins_count_once():
    at = lambda h, m=0: dt.datetime(2024, 7, 16, h, m, tzinfo=dt.UTC)  # noqa: E731
    assert merged_minutes([(at(8), at(9)), (at(8, 30), at(10))]) == 120
    assert merged_minutes([(at(8), at(9)), (at(10), at(11))]) == 120
    assert merged_minutes([(at(8), at(9))], extra=15) == 75
    assert merged_minutes([]) == 0


def test_durations_are_added_up_but_never_beyond_the_time_actually_covered():
    from campaigns.attendance.meeting_import import MeetingRow, person_minutes

    at = lambda h, m=0: dt.datetime(2024, 7, 16, h, m, tzinfo=dt.UTC)  # noqa: E731
    teams = [MeetingRow(1, "An", "", at(8), at(10), minutes=115)]  # first join / last leave and a shorter duration
    zoom = [MeetingRow(1, "An", "", at(8), at(9), minutes=60), MeetingRow(2, "An", "", at(8, 30), at(10), minutes=90)]
    only_durations = [MeetingRow(1, "An", "", minutes=40), MeetingRow(2, "An", "", minutes=50)]
    assert person_minutes(teams) == 115
    assert person_minutes(zoom) == 120  # two devices at once: 150 minutes of rows, 120 minutes of meeting
    assert person_minutes(only_durations) == 90


# --- The pages ------------------------------------------------------------------------------------------


@pytest.fixture
def online(cast: Any, campaign: Any) -> StudySession:
    return make_session(
        campaign,
        points=[cast.grassroots_a, cast.committee_b],
        format=StudySession.Format.ONLINE,
        hours=2,
        title="Hội nghị trực tuyến",
    )


@pytest.fixture
def point(cast: Any, online: StudySession) -> ConnectionPoint:
    return online.points.get(host=cast.grassroots_a)


def at(session: StudySession, minutes: int) -> str:
    """A time ``minutes`` after the session starts, as a Vietnamese tool writes it."""
    return (timezone.localtime(session.starts_at) + dt.timedelta(minutes=minutes)).strftime("%d/%m/%Y %H:%M:%S")


def csv_file(text: str, name: str = "diem-danh.csv", encoding: str = "utf-8-sig") -> io.BytesIO:
    data = io.BytesIO(text.encode(encoding))
    data.name = name
    return data


def xlsx_file(rows: list[list[Any]], name: str = "participants.xlsx") -> io.BytesIO:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    data.name = name
    return data


def import_url(point: ConnectionPoint) -> str:
    return reverse("campaigns:point_import", args=[point.session_id, point.pk])


def confirm_url(point: ConnectionPoint) -> str:
    return reverse("campaigns:point_import_confirm", args=[point.session_id, point.pk])


def upload(client: Any, point: ConnectionPoint, data: io.BytesIO, min_minutes: int = 90) -> Any:
    return client.post(import_url(point), {"file": data, "min_minutes": str(min_minutes)})


def plan_of(response: Any) -> str:
    import re

    found = re.search(r'name="plan" value="([^"]+)"', response.content.decode())
    assert found, "no confirm form on the page"
    return found.group(1)


def vietnamese_list(cast: Any, session: StudySession) -> io.BytesIO:
    Person.objects.filter(pk=cast.person_a.pk).update(card_number="00123456")
    card = "123456"  # Excel dropped the leading zeros
    return csv_file(
        "DANH SÁCH ĐẠI BIỂU THAM DỰ\n"
        "STT;Họ và tên;Số thẻ đảng viên;Thời gian vào;Thời gian ra\n"
        f"1;Nguyễn V. An;{card};{at(session, -5)};{at(session, 118)}\n"
        f"2;tran thi binh;;{at(session, 0)};{at(session, 60)}\n"
        f"3;Trần Thị Bình;;{at(session, 50)};{at(session, 100)}\n"
        f"4;Lê Văn Cường;;{at(session, 0)};{at(session, 30)}\n"
        f"5;Người Lạ;;{at(session, 0)};{at(session, 120)}\n"
        f"6;Hoàng Văn Em;;không rõ;{at(session, 120)}\n"
    )


def test_preview_matches_by_card_then_by_name_merges_joins_and_applies_the_duration_rule(cast, login, online, point):
    response = upload(login(cast.officer_a), point, vietnamese_list(cast, online))
    assert response.status_code == 200
    preview = response.context["preview"]
    decisions = {m.full_name: (m.minutes, m.decision, len(m.rows)) for m in preview.matched}
    assert decisions == {
        "Nguyễn Văn An": (123, "present", 1),
        "Trần Thị Bình": (100, "present", 2),  # 0-60 and 50-100: 100 minutes, not 110
        "Lê Văn Cường": (30, "short", 1),
    }
    assert sorted(u.number for u in preview.unmatched) == [7, 8]
    assert preview.merged_rows == 1
    assert not Attendance.objects.exists()  # nothing saved before the confirm


def test_confirm_writes_the_import_in_one_go_with_an_audit_entry_per_person(cast, login, online, point):
    client = login(cast.officer_a)
    token = plan_of(upload(client, point, vietnamese_list(cast, online)))
    response = client.post(confirm_url(point), {"plan": token})
    assert response.status_code == 302
    rows = {
        a.person.full_name: (a.status, a.minutes, a.source, a.point_id)
        for a in Attendance.objects.filter(session=online).select_related("person")
    }
    assert rows == {
        "Nguyễn Văn An": ("present", 123, "import", point.pk),
        "Trần Thị Bình": ("present", 100, "import", point.pk),
        "Lê Văn Cường": ("absent", 30, "import", point.pk),
    }
    entries = AuditEntry.objects.filter(action="attendance_import")
    assert entries.count() == 3 and {e.actor for e in entries} == {cast.officer_a}
    again = client.post(confirm_url(point), {"plan": token})  # a double submit changes nothing
    assert again.status_code == 302 and AuditEntry.objects.filter(action="attendance_import").count() == 3
    assert "3 không thay đổi" in client.get(again.url).content.decode()


def test_a_name_shared_by_two_people_of_the_point_is_not_matched(cast, login, online, point):
    PersonFactory(full_name="Nguyễn Văn An", organisation=cast.cell_a2)
    data = csv_file(f"Họ và tên,Số phút\nNguyen Van An,110\nNguyễn Văn An,{online.pk}\n")
    preview = upload(login(cast.officer_a), point, data).context["preview"]
    assert preview.matched == [] and len(preview.unmatched) == 2
    assert "Điểm cầu này có nhiều người trùng họ tên" in preview.unmatched[0].reason


def test_people_of_another_point_are_not_matched(cast, login, online, point):
    data = csv_file("Họ và tên,Số phút\nPhạm Thị Dung,110\n")
    preview = upload(login(cast.officer_a), point, data).context["preview"]
    assert preview.matched == [] and "Không có ai với số thẻ hoặc họ tên này" in preview.unmatched[0].reason


def test_an_english_zoom_export_in_xlsx_is_read(cast, login, online, point):
    start = timezone.localtime(online.starts_at)
    us = lambda m: (start + dt.timedelta(minutes=m)).strftime("%m/%d/%Y %I:%M:%S %p")  # noqa: E731
    data = xlsx_file(
        [
            ["Name (Original Name)", "User Email", "Join Time", "Leave Time", "Duration (Minutes)", "Guest"],
            ["Nguyễn Văn An (Chi bộ 1)", "an@example.vn", us(0), us(95), 95, "Yes"],
            ["Lê Văn Cường", "", us(0), us(20), 20, "Yes"],
        ]
    )
    preview = upload(login(cast.officer_a), point, data).context["preview"]
    assert {m.full_name: (m.minutes, m.decision) for m in preview.matched} == {
        "Nguyễn Văn An": (95, "present"),
        "Lê Văn Cường": (20, "short"),
    }


def test_a_teams_report_in_utf16_with_a_summary_above_the_list_is_read(cast, login, online, point):
    text = (
        "1. Summary\n"
        "Meeting title\tHội nghị trực tuyến\n"
        "Attended participants\t2\n"
        "\n"
        "2. Participants\n"
        "Name\tFirst Join\tLast Leave\tIn-Meeting Duration\tEmail\tRole\n"
        "Trần Thị Bình\t7/16/24, 8:00:00 AM\t7/16/24, 10:00:00 AM\t1h 55m\tbinh@example.vn\tAttendee\n"
    )
    preview = upload(login(cast.officer_a), point, csv_file(text, "report.csv", "utf-16")).context["preview"]
    assert [(m.full_name, m.minutes) for m in preview.matched] == [("Trần Thị Bình", 115)]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"%PDF-1.7 not a list", "Đây không phải tệp Excel (.xlsx) hoặc CSV."),
        (b"Ho ten;Ghi chu\nAn;x\n", "Không tìm thấy cột điểm danh."),
        (b"PK\x03\x04 broken zip", "Tệp Excel bị hỏng"),
        (b"Name,Duration\n", "Tệp không có dòng dữ liệu nào"),
    ],
)
def test_a_malformed_file_gets_a_clear_message_and_nothing_is_saved(cast, login, online, point, content, message):
    data = io.BytesIO(content)
    data.name = "list.csv"
    response = upload(login(cast.officer_a), point, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Attendance.objects.exists() and not AuditEntry.objects.filter(action="attendance_import").exists()


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "message", "values"),
    [
        (
            _zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"}),
            "OpenDocument spreadsheets (.ods) are not supported: save the file as .xlsx.",
            None,
        ),
        (
            _zip({"[Content_Types].xml": b"<Types/>"} | {f"xl/{i}.xml": b"" for i in range(501)}),
            "The Excel file unpacks to too much data; it is not a meeting attendance list.",
            None,
        ),
        (b"Name,Duration\n" + b"x" * (5 * 1024 * 1024), "The file is larger than %(mb)s MB.", {"mb": 5}),
        (
            b"Name,Duration\nL\xea V\xe3n,10\n",
            "The CSV file is not UTF-8 text: in Excel, save it as “CSV UTF-8”.",
            None,
        ),
    ],
    ids=["ods", "zip-bomb", "too-large", "not-utf8"],
)
def test_the_file_is_checked_as_the_roster_import_checks_it(data, message, values):
    with pytest.raises(DomainError) as refused:
        attendance.meeting_rows_read(data=data, day=DAY)
    assert refused.value.message == (_(message) % values if values else _(message))


def test_a_file_with_more_rows_than_the_limit_is_refused(monkeypatch):
    monkeypatch.setattr(meeting_import, "MAX_ROWS", 3)
    rows = "".join(f"Người {i},60\n" for i in range(3))
    assert len(attendance.meeting_rows_read(data=f"Họ và tên,Số phút\n{rows}".encode(), day=DAY)) == 3
    with pytest.raises(DomainError) as refused:
        attendance.meeting_rows_read(data=f"Họ và tên,Số phút\n{rows}Người 4,60\n".encode(), day=DAY)
    assert refused.value.message == _("The file has more than %(max)s rows; split it into several files.") % {"max": 3}


def test_import_never_downgrades_a_presence_recorded_by_qr_or_a_sheet(cast, login, online, point):
    attendance.checkin_record(user=cast.member_a, session=online)
    client = login(cast.officer_a)
    response = upload(client, point, csv_file("Họ và tên;Số phút\nNguyễn Văn An;10\n"))
    assert [m.decision for m in response.context["preview"].matched] == ["keep_short"]
    client.post(confirm_url(point), {"plan": plan_of(response)})
    row = Attendance.objects.get(session=online, person=cast.person_a)
    assert (row.status, row.source) == ("present", "qr")


def test_a_tampered_or_foreign_plan_is_refused(cast, login, online, point):
    client = login(cast.officer_a)
    token = plan_of(upload(client, point, vietnamese_list(cast, online)))
    response = client.post(confirm_url(point), {"plan": token[:-2] + "xx"})
    assert response.status_code == 302 and not Attendance.objects.exists()
    assert "Bản xem trước đã hết hạn hoặc bị lỗi" in client.get(response.url).content.decode()
    staff = login(cast.staff)  # the plan was signed for officer_a
    staff.post(confirm_url(point), {"plan": token})
    assert not Attendance.objects.exists()


def test_the_service_refuses_a_plan_naming_someone_not_expected_at_the_point(cast, online, point):
    plan = [[cast.person_a.pk, 110], [cast.person_b.pk, 110]]
    with pytest.raises(DomainError):
        attendance.attendance_import_apply(actor=cast.staff, session=online, point=point, plan=plan, min_minutes=90)
    assert not Attendance.objects.exists()


def test_closed_campaign_refuses_the_import(cast, login, online, point, campaign):
    client = login(cast.officer_a)
    token = plan_of(upload(client, point, vietnamese_list(cast, online)))
    services.campaign_close(actor=None, campaign=campaign)
    assert upload(client, point, vietnamese_list(cast, online)).status_code == 400
    client.post(confirm_url(point), {"plan": token})
    assert not Attendance.objects.exists()


def test_default_minimum_is_three_quarters_of_the_session(cast, login, online, point):
    page = login(cast.officer_a).get(import_url(point)).content.decode()
    assert 'name="min_minutes" value="90"' in page  # 75 % of 120 minutes


def test_secretaries_cannot_import(cast, login, online):
    local_point = online.points.get(host=cast.grassroots_a)
    assert login(cast.secretary_a).get(import_url(local_point)).status_code in (403, 404)
    assert login(cast.officer_b).get(import_url(local_point)).status_code == 404
