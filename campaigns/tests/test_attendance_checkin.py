"""QR check-in: the rotating code, the member's scan (login first, idempotent), the screen and its live counts."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from campaigns import attendance, services
from campaigns.models import Attendance, StudySession
from campaigns.tests.factories import make_campaign, make_session
from campaigns.tests.test_attendance import campaign_fixture, session_fixture  # noqa: F401 - fixtures
from organisations.models import AuditEntry

T0 = dt.datetime(2024, 7, 16, 8, 0, 0, tzinfo=dt.UTC)  # the start of a 30-second window


def scan_url(session: StudySession, code: str) -> str:
    return reverse("campaigns:checkin", args=[session.pk, code])


def current_code(session: StudySession) -> str:
    session.refresh_from_db()
    return attendance.checkin_code(session=session, window=attendance.checkin_window())


# --- The code ---------------------------------------------------------------------------------------


def test_code_rotates_every_window_and_the_previous_one_is_still_accepted(session):
    attendance.checkin_secret_ensure(session=session)
    first = attendance.checkin_code(session=session, window=attendance.checkin_window(T0))
    later = T0 + dt.timedelta(seconds=attendance.checkin.WINDOW_SECONDS)
    second = attendance.checkin_code(session=session, window=attendance.checkin_window(later))
    assert first != second and len(first) == attendance.checkin.CODE_LENGTH
    assert attendance.checkin_code_valid(session=session, code=first, now=T0 + dt.timedelta(seconds=29))
    assert attendance.checkin_code_valid(session=session, code=first, now=later + dt.timedelta(seconds=29))
    assert not attendance.checkin_code_valid(session=session, code=first, now=later + dt.timedelta(seconds=30))
    assert not attendance.checkin_code_valid(session=session, code=first, now=T0 - dt.timedelta(seconds=1))
    assert attendance.checkin_code_valid(session=session, code=second.upper(), now=later)
    assert not attendance.checkin_code_valid(session=session, code="", now=T0)


def test_each_session_has_its_own_secret_made_on_first_use(campaign):
    one, two = make_session(campaign), make_session(campaign)
    StudySession.objects.update(checkin_secret="")
    one.checkin_secret = two.checkin_secret = ""
    window = attendance.checkin_window(T0)
    before = attendance.checkin_code(session=one, window=window)  # no secret yet: SECRET_KEY
    secret = attendance.checkin_secret_ensure(session=one)
    assert len(secret) == 64 and StudySession.objects.get(pk=one.pk).checkin_secret == secret
    assert attendance.checkin_secret_ensure(session=StudySession.objects.get(pk=one.pk)) == secret  # kept
    attendance.checkin_secret_ensure(session=two)
    assert attendance.checkin_code(session=one, window=window) != before
    assert attendance.checkin_code(session=one, window=window) != attendance.checkin_code(session=two, window=window)


def test_seconds_left_counts_down_to_the_next_window():
    assert attendance.checkin_seconds_left(T0) == 30
    assert attendance.checkin_seconds_left(T0 + dt.timedelta(seconds=29.5)) == 1


# --- The member's scan --------------------------------------------------------------------------------


def test_member_scanning_the_current_code_is_marked_present_once(cast, login, session):
    attendance.checkin_secret_ensure(session=session)
    client = login(cast.member_a)
    first = client.get(scan_url(session, current_code(session)))
    assert first.status_code == 200 and "Bạn đã điểm danh thành công" in first.content.decode()
    again = client.get(scan_url(session, current_code(session)))
    assert again.status_code == 200 and "Bạn đã điểm danh trước đó" in again.content.decode()
    rows = Attendance.objects.filter(session=session)
    assert [(r.person, r.status, r.source, r.recorded_by) for r in rows] == [
        (cast.person_a, "present", "qr", cast.member_a)
    ]
    assert AuditEntry.objects.filter(action="attendance_checkin").count() == 1


def test_expired_code_asks_to_scan_again_and_records_nothing(cast, login, session):
    attendance.checkin_secret_ensure(session=session)
    old = attendance.checkin_code(session=session, window=attendance.checkin_window() - 2)
    response = login(cast.member_a).get(scan_url(session, old))
    assert response.status_code == 410
    page = response.content.decode()
    assert "Mã này đã hết hạn" in page and "Hãy quét lại mã trên màn hình." in page
    assert not Attendance.objects.exists()


def test_anonymous_scan_goes_through_login_and_the_scan_stays_good_meanwhile(cast, client, session):
    attendance.checkin_secret_ensure(session=session)
    url = scan_url(session, current_code(session))
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert not Attendance.objects.exists()
    client.force_login(cast.member_a)
    # Logging in took a while: the code in the link has expired, the scan made within its window still counts.
    late = client.get(scan_url(session, "expiredcode"))
    assert late.status_code == 200 and Attendance.objects.filter(person=cast.person_a, source="qr").exists()


def test_a_code_that_was_never_valid_does_not_open_a_grant(cast, client, session):
    client.get(scan_url(session, "aaaaaaaaaa"))
    client.force_login(cast.member_a)
    assert client.get(scan_url(session, "aaaaaaaaaa")).status_code == 410
    assert not Attendance.objects.exists()


def test_people_outside_the_sessions_audience_are_not_checked_in(cast, login):
    session = make_session(make_campaign(cast.committee_b))
    attendance.checkin_secret_ensure(session=session)
    response = login(cast.member_a).get(scan_url(session, current_code(session)))
    assert response.status_code == 403 and "không có tên trong danh sách của hội nghị này" in response.content.decode()
    assert not Attendance.objects.exists()


def test_accounts_without_a_participant_record_cannot_check_in(cast, login, session):
    attendance.checkin_secret_ensure(session=session)
    response = login(cast.staff).get(scan_url(session, current_code(session)))
    assert response.status_code == 403 and "không phải người tham gia học tập" in response.content.decode()
    assert not Attendance.objects.exists()


def test_closed_campaign_refuses_check_in(cast, login, session, campaign):
    services.campaign_close(actor=None, campaign=campaign)
    attendance.checkin_secret_ensure(session=session)
    response = login(cast.member_a).get(scan_url(session, current_code(session)))
    assert response.status_code == 409 and not Attendance.objects.exists()


def test_scan_turns_an_absence_entered_earlier_into_presence_with_an_audit_entry(cast, login, session):
    Attendance.objects.create(session=session, person=cast.person_a, status="absent", reason="no_reason")
    attendance.checkin_secret_ensure(session=session)
    login(cast.member_a).get(scan_url(session, current_code(session)))
    row = Attendance.objects.get(session=session, person=cast.person_a)
    assert (row.status, row.reason, row.source) == ("present", "", "qr")
    entry = AuditEntry.objects.get(action="attendance_checkin")
    assert entry.changes["status"] == ["Vắng", "Có mặt"] and entry.actor == cast.member_a


def test_service_marks_the_home_connection_point_of_a_hybrid_session(cast, campaign):
    hybrid = make_session(campaign, points=[cast.grassroots_a, cast.committee_b])
    outcome = attendance.checkin_record(user=cast.member_a, session=hybrid, now=T0)
    assert outcome == attendance.CheckinOutcome.CHECKED_IN
    assert Attendance.objects.get(session=hybrid).point.host == cast.grassroots_a


# --- The screen -----------------------------------------------------------------------------------


def svg_of(page: str) -> str:
    return re.search(r'<div class="checkin-qr" id="checkin-qr">(<svg.*?</svg>)</div>', page, re.S).group(1)


def test_screen_shows_a_qr_code_of_the_check_in_link_and_makes_the_secret(cast, login, session):
    StudySession.objects.filter(pk=session.pk).update(checkin_secret="")
    response = login(cast.staff).get(reverse("campaigns:checkin_screen", args=[session.pk]))
    assert response.status_code == 200
    assert svg_of(response.content.decode()).startswith("<svg")
    assert StudySession.objects.get(pk=session.pk).checkin_secret != ""


def test_status_endpoint_counts_check_ins_per_cell_and_sends_the_code_when_the_window_changed(cast, login, session):
    attendance.checkin_record(user=cast.member_a, session=session)
    attendance.checkin_record(user=cast.member_b, session=session)
    attendance.checkin_record(user=cast.secretary_a, session=session)  # Trần Thị Bình, a member of cell_a
    client = login(cast.staff)
    url = reverse("campaigns:checkin_status", args=[session.pk])
    data = client.get(url).json()
    assert (data["checked_in"], data["expected"]) == (3, 6)
    cells = {c["name"]: (c["checked_in"], c["expected"]) for c in data["cells"]}
    assert cells == {"Chi bộ thôn Phú Tân 1": (2, 2), "Chi bộ thôn Phú Tân 2": (0, 1), "Chi bộ khu phố 1": (1, 3)}
    assert "qr" in data and "/campaigns/checkin/" in data["qr"]["url"]
    same_window = client.get(url, {"window": data["window"]}).json()
    assert "qr" not in same_window or same_window["window"] != data["window"]


def test_screen_and_status_are_for_those_who_record_attendance_at_the_sessions_organisation(cast, login):
    local = make_session(make_campaign(cast.province, audience=[cast.committee_a]), cast.grassroots_a)
    # member_a sees the session (its campaign covers their cell) but may not open its screen: 403, not 404.
    for who, expected in (("officer_a", 200), ("officer_b", 404), ("member_a", 403), ("secretary_a", 403)):
        client = login(getattr(cast, who))
        assert client.get(reverse("campaigns:checkin_screen", args=[local.pk])).status_code == expected, who
        assert client.get(reverse("campaigns:checkin_status", args=[local.pk])).status_code == expected, who


@pytest.mark.parametrize("size", [3, 40])
def test_status_endpoint_runs_a_constant_number_of_queries(cast, login, session, size, django_assert_max_num_queries):
    from organisations.tests.factories import PersonFactory

    for i in range(size):
        PersonFactory(full_name=f"Người Số {i}", organisation=cast.cell_b)
    client = login(cast.staff)
    url = reverse("campaigns:checkin_status", args=[session.pk])
    client.get(url)  # fills the cache of expected counts
    with django_assert_max_num_queries(12):
        assert client.get(url).status_code == 200
