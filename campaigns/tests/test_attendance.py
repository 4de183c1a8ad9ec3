"""Attendance sheets: what a secretary sees and saves, concurrent and repeated saves, closed campaigns,
bad input, the audit trail, the list of sessions, the sign-in PDF and constant query counts.

The fixtures and helpers here are imported by the other test_attendance_* modules.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaigns import attendance, services
from campaigns.models import Attendance, AttendanceSheet, Campaign, StudySession
from campaigns.tests.factories import make_campaign, make_session
from organisations.models import AuditEntry, Person
from organisations.tests.factories import PersonFactory

P, ABSENT, ELSEWHERE = Attendance.Status.PRESENT, Attendance.Status.ABSENT, Attendance.Status.ELSEWHERE


# --- Fixtures and helpers (shared with the other attendance test modules) ---------------------------


# Fixtures are registered under their ``name``; other modules import the functions (campaign_fixture...),
# which keeps the fixture names free for test parameters there.
@pytest.fixture(name="campaign")
def campaign_fixture(cast: Any) -> Campaign:
    """An open provincial campaign for everyone."""
    return make_campaign(cast.province)


@pytest.fixture(name="session")
def session_fixture(campaign: Campaign) -> StudySession:
    """An in-person session organised by the province, for the whole province."""
    return make_session(campaign, title="Hội nghị học tập Kết luận 21-KL/TW", venue="Hội trường Tỉnh ủy")


def sheet_url(session: StudySession, cell: Any) -> str:
    return reverse("campaigns:attendance_sheet", args=[session.pk, cell.pk])


def sheet_data(session: StudySession, cell: Any, version: int = 0, **changes: Any) -> dict[str, Any]:
    """A complete POST of ``cell``'s sheet: everyone present but ``changes`` ("p<id>" -> (status, reason, point))."""
    data: dict[str, Any] = {"version": str(version), "person": []}
    for row in attendance.sheet_rows(session=session, cell=cell):
        status, reason, point = changes.get(f"p{row.person_id}", (P, "", ""))
        data["person"].append(str(row.person_id))
        data[f"status-{row.person_id}"] = status
        data[f"reason-{row.person_id}"] = reason
        data[f"point-{row.person_id}"] = str(point or "")
    return data


def stored(session: StudySession) -> dict[str, tuple[str, str]]:
    return {
        a.person.full_name: (a.status, a.reason)
        for a in Attendance.objects.filter(session=session).select_related("person")
    }


def names_on(response: Any) -> list[str]:
    return re.findall(r'<span class="fw-semibold flex-grow-1 att-name">([^<]+)</span>', response.content.decode())


def checked(response: Any, person: Person) -> str:
    found = re.search(
        rf'name="status-{person.pk}" id="[^"]+" value="(\w+)" autocomplete="off" checked', response.content.decode()
    )
    return found.group(1) if found else ""


def fill_cell(cell: Any, size: int) -> list[Person]:
    return [PersonFactory(full_name=f"Đặng Văn Số {i:03d}", organisation=cell) for i in range(size)]


def view_queries(client: Any, method: str, url: str, data: dict | None = None) -> tuple[int, Any]:
    """Queries of one request, minus what any logged-in page costs (session, user, session save)."""
    client.get(reverse("password_change_done"))
    with CaptureQueriesContext(connection) as baseline:
        client.get(reverse("password_change_done"))
    with CaptureQueriesContext(connection) as ctx:
        response = getattr(client, method)(url, data) if data is not None else getattr(client, method)(url)
    return len(ctx.captured_queries) - len(baseline.captured_queries), response


# --- What the secretary sees ------------------------------------------------------------------------


def test_secretary_sees_every_expected_person_of_their_cell_preset_to_present(cast, login, session):
    response = login(cast.secretary_a).get(sheet_url(session, cast.cell_a))
    assert response.status_code == 200
    assert names_on(response) == ["Nguyễn Văn An", "Trần Thị Bình"]  # Vietnamese order: by given name
    assert checked(response, cast.person_a) == P
    assert "Chưa lưu: mọi người đang được đánh dấu có mặt." in response.content.decode()


def test_sheet_lists_only_active_people_of_the_kinds_the_campaign_includes(cast, login):
    campaign = make_campaign(cast.province, include_non_party=False)
    session = make_session(campaign)
    PersonFactory(full_name="Đỗ Thị Giang", organisation=cast.cell_a, status=Person.Status.EXCUSED)
    PersonFactory(full_name="Bùi Văn Hải", organisation=cast.cell_a, kind=Person.Kind.NON_PARTY, card_number=None)
    PersonFactory(full_name="Mai Văn Khoa", organisation=cast.cell_a, kind=Person.Kind.PROBATIONARY)
    response = login(cast.secretary_a).get(sheet_url(session, cast.cell_a))
    assert names_on(response) == ["Nguyễn Văn An", "Trần Thị Bình", "Mai Văn Khoa"]


def test_saving_the_sheet_records_everyone_and_reopening_shows_what_was_saved(cast, login, session):
    client = login(cast.secretary_a)
    data = sheet_data(session, cast.cell_a, **{f"p{cast.person_a.pk}": (ABSENT, "sick", "")})
    response = client.post(sheet_url(session, cast.cell_a), data)
    assert response.status_code == 302
    assert stored(session) == {"Nguyễn Văn An": (ABSENT, "sick"), "Trần Thị Bình": (P, "")}
    assert set(Attendance.objects.filter(session=session).values_list("source", "recorded_by")) == {
        ("sheet", cast.secretary_a.pk)
    }
    sheet = AttendanceSheet.objects.get(session=session, cell=cast.cell_a)
    assert (sheet.version, sheet.submitted_by) == (1, cast.secretary_a)
    page = client.get(response.url)
    assert checked(page, cast.person_a) == ABSENT
    assert '<option value="sick" selected>' in page.content.decode()
    assert "Đã lưu điểm danh: 1 có mặt, 1 vắng, 0 dự ở điểm cầu khác." in page.content.decode()


def test_a_make_up_sessions_sheet_lists_only_those_who_have_not_studied_yet(cast, login, campaign, session):
    client = login(cast.secretary_a)
    client.post(
        sheet_url(session, cast.cell_a),
        sheet_data(session, cast.cell_a, **{f"p{cast.person_a.pk}": (ABSENT, "sick", "")}),
    )
    makeup = make_session(campaign, kind=StudySession.Kind.MAKEUP, title="Học bù", days_ago=1)
    assert names_on(client.get(sheet_url(makeup, cast.cell_a))) == ["Nguyễn Văn An"]  # Bình studied already
    assert client.post(sheet_url(makeup, cast.cell_a), sheet_data(makeup, cast.cell_a)).status_code == 302
    assert names_on(client.get(sheet_url(makeup, cast.cell_a))) == ["Nguyễn Văn An"]  # recorded: still listed
    assert Attendance.objects.get(session=makeup).person == cast.person_a


def test_a_sheet_with_nobody_expected_offers_neither_the_sign_in_pdf_nor_the_marking_hint(
    cast, login, campaign, session
):
    client = login(cast.secretary_a)
    assert client.post(sheet_url(session, cast.cell_a), sheet_data(session, cast.cell_a)).status_code == 302
    makeup = make_session(campaign, kind=StudySession.Kind.MAKEUP, title="Học bù", days_ago=1)
    page = client.get(sheet_url(makeup, cast.cell_a)).content.decode()  # everyone studied: nobody to make up
    assert "Chi bộ này không có ai phải dự hội nghị này." in page
    assert "Chưa lưu: mọi người đang được đánh dấu có mặt." not in page
    assert reverse("campaigns:attendance_signin", args=[makeup.pk, cast.cell_a.pk]) not in page


def test_ids_above_a_thousand_survive_the_pages_number_formatting(cast, login, session):
    big = PersonFactory(id=123456, full_name="Vương Văn Lớn", organisation=cast.cell_a)
    client = login(cast.secretary_a)
    for language in ("vi", "en"):
        page = client.get(sheet_url(session, cast.cell_a), HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert 'name="status-123456"' in page and 'value="123456"' in page
    data = sheet_data(session, cast.cell_a, **{f"p{big.pk}": (ABSENT, "sick", "")})
    assert client.post(sheet_url(session, cast.cell_a), data).status_code == 302
    assert stored(session)["Vương Văn Lớn"] == (ABSENT, "sick")


def test_every_change_is_audited_with_who_and_from_what_to_what(cast, login, session):
    client = login(cast.secretary_a)
    client.post(
        sheet_url(session, cast.cell_a),
        sheet_data(session, cast.cell_a, **{f"p{cast.person_a.pk}": (ABSENT, "work", "")}),
    )
    client.post(sheet_url(session, cast.cell_a), sheet_data(session, cast.cell_a, version=1))
    row = Attendance.objects.get(session=session, person=cast.person_a)
    entries = list(AuditEntry.objects.filter(target_type="campaigns.attendance", target_id=str(row.pk)).order_by("id"))
    assert [(e.actor, e.action, e.organisation) for e in entries] == [
        (cast.secretary_a, "attendance_sheet", cast.cell_a)
    ] * 2
    assert entries[0].changes == {"status": [None, "Vắng"], "reason": [None, "Công tác"]}
    assert entries[1].changes == {"status": ["Vắng", "Có mặt"], "reason": ["Công tác", None]}
    # The second save changed only An: Bình's row was not rewritten.
    assert AuditEntry.objects.filter(action="attendance_sheet").count() == 3
    saves = AuditEntry.objects.filter(action="attendance_sheet_save").order_by("id")
    assert [e.changes["version"] for e in saves] == [[0, 1], [1, 2]]


# --- Concurrency, double submit, closed campaigns --------------------------------------------------


def test_second_save_from_the_same_base_version_is_refused_and_overwrites_nothing(cast, login, session, client):
    cast.officer_a.first_name, cast.officer_a.last_name = "Lê", "Cán bộ"
    cast.officer_a.save()
    from django.test import Client

    officer = Client()
    officer.force_login(cast.officer_a)
    secretary = login(cast.secretary_a)
    # Both open the sheet at version 0; the officer saves first.
    first = officer.post(
        sheet_url(session, cast.cell_a),
        sheet_data(session, cast.cell_a, **{f"p{cast.person_a.pk}": (ABSENT, "sick", "")}),
    )
    assert first.status_code == 302
    before = (stored(session), AuditEntry.objects.count())
    second = secretary.post(
        sheet_url(session, cast.cell_a),
        sheet_data(session, cast.cell_a, **{f"p{cast.person_a.pk}": (ABSENT, "private", "")}),
    )
    assert second.status_code == 409
    page = second.content.decode()
    conflict = r"Bảng điểm danh này vừa được người khác lưu lúc \d\d:\d\d \(Lê Cán bộ\); dưới đây là dữ liệu hiện tại"
    assert re.search(conflict, page)
    assert (stored(session), AuditEntry.objects.count()) == before
    assert AttendanceSheet.objects.get(session=session, cell=cast.cell_a).version == 1
    assert checked(second, cast.person_a) == ABSENT and '<option value="sick" selected>' in page
    assert "Bạn đã nhập: Vắng (Việc riêng)" in page
    assert 'name="version" value="1"' in page  # saving again from here is based on the current version


def test_service_refuses_a_stale_version_even_when_the_sheet_was_created_by_the_first_save(cast, session):
    entries = {p.person_id: attendance.Entry(P) for p in attendance.sheet_rows(session=session, cell=cast.cell_a)}
    attendance.attendance_sheet_save(
        actor=cast.secretary_a, session=session, cell=cast.cell_a, version=0, entries=entries, points=[]
    )
    changed = {**entries, cast.person_a.pk: attendance.Entry(ABSENT, "sick")}
    with pytest.raises(attendance.SheetConflict):
        attendance.attendance_sheet_save(
            actor=cast.officer_a, session=session, cell=cast.cell_a, version=0, entries=changed, points=[]
        )
    assert stored(session)["Nguyễn Văn An"] == (P, "")


def test_double_submit_of_the_same_sheet_is_harmless(cast, login, session):
    client = login(cast.secretary_a)
    data = sheet_data(session, cast.cell_a, **{f"p{cast.person_a.pk}": (ABSENT, "sick", "")})
    assert client.post(sheet_url(session, cast.cell_a), data).status_code == 302
    audit_count = AuditEntry.objects.count()
    again = client.post(sheet_url(session, cast.cell_a), data)  # the same version 0, the same values
    assert again.status_code == 302
    assert Attendance.objects.filter(session=session).count() == 2
    assert AttendanceSheet.objects.get(session=session, cell=cast.cell_a).version == 1
    assert AuditEntry.objects.count() == audit_count
    assert "đã được lưu với đúng các giá trị này" in client.get(again.url).content.decode()


def test_closed_campaign_sheet_is_read_only_and_refuses_saves(cast, login, session, campaign):
    client = login(cast.secretary_a)
    client.post(sheet_url(session, cast.cell_a), sheet_data(session, cast.cell_a))
    services.campaign_close(actor=None, campaign=campaign)
    page = client.get(sheet_url(session, cast.cell_a)).content.decode()
    assert "Đợt học tập đã đóng: không thể sửa bảng điểm danh nữa." in page
    assert "Lưu bảng điểm danh</button>" not in page and '<fieldset class="mt-2" disabled>' in page
    before = (stored(session), AuditEntry.objects.count())
    refused = client.post(
        sheet_url(session, cast.cell_a),
        sheet_data(session, cast.cell_a, version=1, **{f"p{cast.person_a.pk}": (ABSENT, "sick", "")}),
    )
    assert refused.status_code == 409
    assert (stored(session), AuditEntry.objects.count()) == before


def test_reopened_campaign_accepts_saves_again(cast, login, session, campaign):
    services.campaign_close(actor=None, campaign=campaign)
    services.campaign_reopen(actor=cast.staff, campaign=Campaign.objects.get(pk=campaign.pk))
    response = login(cast.secretary_a).post(sheet_url(session, cast.cell_a), sheet_data(session, cast.cell_a))
    assert response.status_code == 302 and len(stored(session)) == 2


def test_draft_campaign_cannot_be_recorded(cast, login):
    session = make_session(make_campaign(cast.province, status=Campaign.Status.DRAFT))
    client = login(cast.secretary_a)
    assert "Đợt học tập chưa mở: chưa thể điểm danh." in client.get(sheet_url(session, cast.cell_a)).content.decode()
    assert client.post(sheet_url(session, cast.cell_a), sheet_data(session, cast.cell_a)).status_code == 409
    assert not Attendance.objects.exists()


# --- Bad input -------------------------------------------------------------------------------------


def test_a_person_of_another_cell_is_rejected_and_nothing_is_saved(cast, login, session):
    data = sheet_data(session, cast.cell_a)
    data["person"].append(str(cast.person_a2.pk))
    data[f"status-{cast.person_a2.pk}"] = P
    response = login(cast.secretary_a).post(sheet_url(session, cast.cell_a), data)
    assert response.status_code == 400
    assert "không thuộc danh sách phải học của chi bộ này" in response.content.decode()
    assert not Attendance.objects.exists() and not AttendanceSheet.objects.exists()


@pytest.mark.parametrize("how", ["person twice", "status twice"])
def test_duplicate_person_rows_are_rejected(cast, login, session, how):
    data = sheet_data(session, cast.cell_a)
    if how == "person twice":
        data["person"].append(str(cast.person_a.pk))
    else:
        data[f"status-{cast.person_a.pk}"] = [P, ABSENT]
    response = login(cast.secretary_a).post(sheet_url(session, cast.cell_a), data)
    assert response.status_code == 400
    assert "có một người xuất hiện hai lần" in response.content.decode()
    assert not Attendance.objects.exists()


def test_absence_without_a_reason_is_refused_with_the_row_marked(cast, login, session):
    data = sheet_data(session, cast.cell_a, **{f"p{cast.person_a.pk}": (ABSENT, "", "")})
    response = login(cast.secretary_a).post(sheet_url(session, cast.cell_a), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Chọn lý do vắng mặt." in page and "att-row-error" in page
    assert checked(response, cast.person_a) == ABSENT  # what was entered is shown again
    assert not Attendance.objects.exists()


def test_a_person_added_to_the_cell_after_the_sheet_was_opened_stops_the_save(cast, login, session):
    data = sheet_data(session, cast.cell_a)
    PersonFactory(full_name="Vũ Thị Lan", organisation=cast.cell_a)
    response = login(cast.secretary_a).post(sheet_url(session, cast.cell_a), data)
    assert response.status_code == 400
    assert "Danh sách chi bộ đã thay đổi kể từ khi mở bảng điểm danh" in response.content.decode()
    assert "Vũ Thị Lan" in names_on(response)
    assert not Attendance.objects.exists()


def test_session_not_for_the_cell_is_404_with_a_message(cast, login):
    other = make_session(make_campaign(cast.committee_b))
    response = login(cast.secretary_a).get(sheet_url(other, cast.cell_a))
    assert response.status_code == 404
    assert "không dành cho cán bộ, đảng viên của Chi bộ thôn Phú Tân 1" in response.content.decode()
    assert login(cast.secretary_a).post(sheet_url(other, cast.cell_a), {}).status_code == 404
    assert not Attendance.objects.exists()


def test_officer_b_gets_404_for_every_sheet_of_committee_a(cast, login, session):
    client = login(cast.officer_b)
    for cell in (cast.cell_a, cast.cell_a2):
        assert client.get(sheet_url(session, cell)).status_code == 404
        assert client.get(reverse("campaigns:attendance_signin", args=[session.pk, cell.pk])).status_code == 404


def test_garbled_form_is_refused(cast, login, session):
    response = login(cast.secretary_a).post(sheet_url(session, cast.cell_a), {"version": "x", "person": ["1"]})
    assert response.status_code == 400 and not Attendance.objects.exists()


# --- Connection points ------------------------------------------------------------------------------


@pytest.fixture
def hybrid(cast: Any, campaign: Campaign) -> StudySession:
    return make_session(campaign, points=[cast.grassroots_a, cast.committee_b], title="Hội nghị trực tuyến")


def test_attended_elsewhere_needs_one_of_the_sessions_points(cast, login, hybrid):
    client = login(cast.secretary_a)
    points = {p.host_id: p for p in hybrid.points.all()}
    far = points[cast.committee_b.pk]
    missing = sheet_data(hybrid, cast.cell_a, **{f"p{cast.person_a.pk}": (ELSEWHERE, "", "")})
    response = client.post(sheet_url(hybrid, cast.cell_a), missing)
    assert response.status_code == 400 and "Chọn điểm cầu nơi đồng chí đã dự." in response.content.decode()
    assert not Attendance.objects.exists()
    ok = sheet_data(hybrid, cast.cell_a, **{f"p{cast.person_a.pk}": (ELSEWHERE, "", far.pk)})
    assert client.post(sheet_url(hybrid, cast.cell_a), ok).status_code == 302
    rows = {a.person_id: a for a in Attendance.objects.filter(session=hybrid)}
    assert (rows[cast.person_a.pk].status, rows[cast.person_a.pk].point) == (ELSEWHERE, far)
    others = [a for pid, a in rows.items() if pid != cast.person_a.pk]
    assert [a.point for a in others] == [points[cast.grassroots_a.pk]]  # present: at the cell's own point


# --- The list of sessions and the cell chooser --------------------------------------------------------


def test_secretary_sees_the_open_sessions_for_their_cell_newest_first(cast, login, campaign):
    old = make_session(campaign, title="Phiên cũ", days_ago=9)
    new = make_session(campaign, title="Phiên mới", days_ago=1)
    make_session(make_campaign(cast.province, status=Campaign.Status.DRAFT), title="Phiên nháp")
    make_session(make_campaign(cast.committee_b), title="Phiên Sông Cầu")
    page = login(cast.secretary_a).get(reverse("campaigns:attendance_index")).content.decode()
    assert re.findall(r'<h2 class="h6 mb-0 flex-grow-1">([^<]+)</h2>', page) == ["Phiên mới", "Phiên cũ"]
    assert sheet_url(new, cast.cell_a) in page and sheet_url(old, cast.cell_a) in page
    assert str(cast.cell_a2.pk) not in re.findall(r"/campaigns/attendance/\d+/(\d+)/", page)


def test_officer_chooses_among_the_cells_of_their_committee(cast, login, session):
    client = login(cast.officer_a)
    index = client.get(reverse("campaigns:attendance_index")).content.decode()
    chooser = reverse("campaigns:attendance_session", args=[session.pk])
    assert chooser in index
    page = client.get(chooser).content.decode()
    cells = re.findall(r'data-cell="(\d+)"', page)
    assert cells == [str(cast.cell_a.pk), str(cast.cell_a2.pk)]
    found = client.get(chooser, {"q": "phu tan 2"}).content.decode()
    assert re.findall(r'data-cell="(\d+)"', found) == [str(cast.cell_a2.pk)]


def test_a_secretary_opening_a_session_goes_straight_to_their_sheet(cast, login, session):
    response = login(cast.secretary_a).get(reverse("campaigns:attendance_session", args=[session.pk]))
    assert response.status_code == 302 and response.url == sheet_url(session, cast.cell_a)


def test_members_cannot_record_attendance(cast, login, session):
    client = login(cast.member_a)
    assert client.get(reverse("campaigns:attendance_index")).status_code == 403
    assert client.get(sheet_url(session, cast.cell_a)).status_code == 404
    assert client.post(sheet_url(session, cast.cell_a), sheet_data(session, cast.cell_a)).status_code == 404
    assert not Attendance.objects.exists()


# --- Query counts -------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [5, 60])
def test_sheet_get_and_post_run_a_constant_number_of_queries(
    cast, login, campaign, size, django_assert_max_num_queries
):
    fill_cell(cast.cell_a, size - 2)
    hybrid = make_session(campaign, points=[cast.grassroots_a, cast.committee_b])
    client = login(cast.secretary_a)
    url = sheet_url(hybrid, cast.cell_a)
    count, response = view_queries(client, "get", url)
    assert response.status_code == 200 and len(names_on(response)) == size
    assert count <= 8, count
    count, response = view_queries(client, "post", url, sheet_data(hybrid, cast.cell_a))  # first save
    assert response.status_code == 302 and Attendance.objects.filter(session=hybrid).count() == size
    assert count <= 12, count
    everyone_absent = {
        f"p{r.person_id}": (ABSENT, "work", "") for r in attendance.sheet_rows(session=hybrid, cell=cast.cell_a)
    }
    count, response = view_queries(client, "post", url, sheet_data(hybrid, cast.cell_a, version=1, **everyone_absent))
    assert response.status_code == 302
    assert Attendance.objects.filter(session=hybrid, status=ABSENT).count() == size
    assert count <= 12, count
    # The whole request, session and authentication included, stays bounded too.
    with django_assert_max_num_queries(8 + 6):
        client.get(url)


# --- The sign-in sheet -----------------------------------------------------------------------------------


def test_sign_in_sheet_is_a_pdf_listing_the_cell_and_the_documents(cast, login, session):
    response = login(cast.secretary_a).get(reverse("campaigns:attendance_signin", args=[session.pk, cast.cell_a.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-layout", "-", "-"], input=response.content, capture_output=True, check=True
        ).stdout.decode()
        for expected in (
            "ĐẢNG CỘNG SẢN VIỆT NAM",
            "Nguyễn Văn An",
            "Trần Thị Bình",
            "21-KL/TW",
            "Hội nghị học tập Kết luận 21-KL/TW",
            "Hội trường Tỉnh ủy",
        ):
            assert expected in text, expected


def test_sign_in_sheet_follows_the_sheets_access(cast, login, session):
    url = reverse("campaigns:attendance_signin", args=[session.pk, cast.cell_b.pk])
    assert login(cast.secretary_a).get(url).status_code == 404


# --- Real concurrency: two transactions at once -------------------------------------------------------


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs two concurrent writers: the in-memory SQLite test database has table locks instead",
)
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("existing_sheet", [False, True])
def test_two_simultaneous_saves_from_the_same_version_one_wins_the_other_is_refused(cast, existing_sheet):
    """Both transactions run at once: the row lock (or, for a first save, the unique sheet) serialises them."""
    import threading

    from django.db import connections

    session = make_session(make_campaign(cast.province))
    rows = attendance.sheet_rows(session=session, cell=cast.cell_a)
    version = 0
    if existing_sheet:
        attendance.attendance_sheet_save(
            actor=cast.staff,
            session=session,
            cell=cast.cell_a,
            version=0,
            entries={r.person_id: attendance.Entry(P) for r in rows},
            points=[],
        )
        version = 1
    wanted = {
        "secretary_a": {r.person_id: attendance.Entry(ABSENT, "sick") for r in rows},
        "officer_a": {r.person_id: attendance.Entry(ABSENT, "work") for r in rows},
    }
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def save(who: str) -> None:
        try:
            barrier.wait()
            attendance.attendance_sheet_save(
                actor=getattr(cast, who),
                session=session,
                cell=cast.cell_a,
                version=version,
                entries=wanted[who],
                points=[],
            )
            outcomes[who] = "saved"
        except attendance.SheetConflict:
            outcomes[who] = "refused"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=(who,)) for who in wanted]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes.values()) == ["refused", "saved"], outcomes
    winner = next(who for who, outcome in outcomes.items() if outcome == "saved")
    reason = wanted[winner][cast.person_a.pk].reason
    assert set(stored(session).values()) == {(ABSENT, reason)}  # the loser overwrote nothing
    assert AttendanceSheet.objects.get(session=session, cell=cast.cell_a).version == version + 1
