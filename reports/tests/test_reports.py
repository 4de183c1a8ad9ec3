"""Reports: asking, building (PDF in the Party layout + Excel), figures agreeing with the drill-down, access."""

from __future__ import annotations

import datetime as dt
import io
import subprocess

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from campaigns import participation
from campaigns.tests.factories import attend, make_campaign, make_session
from portal.lib.errors import DomainError
from reports import services, tasks
from reports.models import Report

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(cast):
    campaign = make_campaign(cast.province)
    session = make_session(campaign, cast.committee_a)
    attend(session, [cast.person_a])
    return campaign


@pytest.fixture(autouse=True)
def _run_on_commit(request, django_capture_on_commit_callbacks):
    """The test transaction never commits: run the on-commit enqueue right away (unless a test holds it)."""
    global _capture
    _capture = django_capture_on_commit_callbacks
    yield


_capture = None


def _ask(cast, campaign, **kw):
    kw.setdefault("as_of", timezone.localdate())
    actor = kw.pop("actor", cast.staff)
    organisation = kw.pop("organisation", cast.province)
    build = kw.pop("build", True)  # False: the worker has not picked it up yet
    with _capture(execute=build):
        return services.request_report(actor=actor, campaign=campaign, organisation=organisation, **kw)


def test_a_report_is_built_with_both_files_and_a_verification_code(cast, campaign):
    result = _ask(cast, campaign)
    report = Report.objects.get(pk=result.report.pk)
    assert result.created
    assert report.status == Report.Status.DONE, report.error
    assert report.progress == 100
    assert report.number == "1-BC/TU"
    assert report.pdf and report.xlsx and len(report.pdf_sha256) == 64
    assert report.pdf.read(5) == b"%PDF-"


def test_figures_in_the_pdf_and_excel_agree_with_the_participation_breakdown(cast, campaign):
    report = Report.objects.get(pk=_ask(cast, campaign).report.pk)
    frame = participation.frame_of(campaign)
    children = [cast.committee_a, cast.committee_b]
    drill = participation.breakdown(frame, cast.province, children)  # what the drill-down page shows
    total = drill.total
    assert total.studied == 1 and total.expected > 1

    raw = subprocess.run(["pdftotext", report.pdf.path, "-"], capture_output=True, check=True).stdout.decode()
    text = " ".join(raw.split())
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in text
    assert "TỈNH ỦY PHÚ YÊN" in text.upper()
    assert "Số 1-BC/TU" in text
    assert "BÁO CÁO" in text
    assert "Nơi nhận:" in text
    assert f"1/{total.expected} cán bộ, đảng viên" in text
    assert f"{100 / total.expected:.2f}%".replace(".", ",") in text  # Vietnamese decimal comma

    sheet = load_workbook(io.BytesIO(report.xlsx.read()), read_only=True)
    rows = list(sheet.worksheets[0].iter_rows(values_only=True))
    by_name = {row[0]: row for row in rows if row and row[0]}
    for row in drill.rows:
        line = by_name[row.organisation.name]
        assert line[1:3] == (row.figures.expected, row.figures.studied)
        assert line[3] == pytest.approx(float(row.figures.rate))
    assert by_name["Tổng cộng"][1:3] == (total.expected, total.studied)
    not_studied = [r[0] for r in sheet["Chưa học tập"].iter_rows(min_row=2, values_only=True)]
    assert "Nguyễn Văn An" not in not_studied and len(not_studied) == total.expected - 1


def test_asking_twice_while_one_is_being_built_returns_the_same_report(cast, campaign):
    first = _ask(cast, campaign, build=False)  # nothing built yet: the first is still queued
    second = _ask(cast, campaign, build=False)
    assert first.created and not second.created
    assert second.report.pk == first.report.pk
    assert Report.objects.count() == 1
    third = _ask(cast, campaign, want_pdf=False)  # another format: another report
    assert third.created


def test_a_done_report_is_not_built_again_on_redelivery(cast, campaign):
    report = Report.objects.get(pk=_ask(cast, campaign).report.pk)
    digest = report.pdf_sha256
    assert tasks.build_report.apply(args=[report.pk]).get() == "skipped"
    report.refresh_from_db()
    assert report.pdf_sha256 == digest and report.attempts == 1


def test_a_report_interrupted_while_running_is_built_again_once(cast, campaign):
    report = _ask(cast, campaign, build=False).report
    Report.objects.filter(pk=report.pk).update(status=Report.Status.RUNNING, attempts=1, progress=40)  # a dead worker
    assert tasks.build_report.apply(args=[report.pk]).get() == "done"
    assert Report.objects.filter(key=report.key, status=Report.Status.DONE).count() == 1
    assert Report.objects.get(pk=report.pk).attempts == 2


def test_a_failure_is_recorded_with_its_reason_and_can_be_retried(cast, campaign, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("font missing")

    monkeypatch.setattr("reports.rendering.render_pdf", broken)
    report = Report.objects.get(pk=_ask(cast, campaign).report.pk)
    assert report.status == Report.Status.FAILED
    assert "font missing" in report.error
    monkeypatch.undo()
    with _capture(execute=True):
        services.retry(actor=cast.staff, report=report)
    report.refresh_from_db()
    assert report.status == Report.Status.DONE


def test_a_silent_worker_is_detected_and_marked_failed(cast, campaign):
    report = _ask(cast, campaign, build=False).report
    long_ago = timezone.now() - services.STUCK_AFTER - dt.timedelta(minutes=1)
    Report.objects.filter(pk=report.pk).update(status=Report.Status.RUNNING, heartbeat_at=long_ago)
    assert tasks.mark_stuck() == 1
    report.refresh_from_db()
    assert report.status == Report.Status.FAILED and "ngừng phản hồi" in report.error


def test_requests_are_checked(cast, campaign):
    with pytest.raises(PermissionDenied):
        services.request_report(
            actor=cast.secretary_a, campaign=campaign, organisation=cast.cell_a, as_of=timezone.localdate()
        )
    with pytest.raises(PermissionDenied):  # an officer outside their subtree
        services.request_report(
            actor=cast.officer_a, campaign=campaign, organisation=cast.committee_b, as_of=timezone.localdate()
        )
    with pytest.raises(DomainError):
        _ask(cast, campaign, as_of=timezone.localdate() + dt.timedelta(days=1))
    with pytest.raises(DomainError):
        _ask(cast, campaign, want_pdf=False, want_xlsx=False)
    result = _ask(cast, campaign, actor=cast.officer_a, organisation=cast.committee_a)
    assert Report.objects.get(pk=result.report.pk).number == "1-BC/HU"


def test_schedules_produce_reports_once_per_period(cast, campaign):
    schedule = services.schedule_create(
        actor=cast.staff,
        campaign=campaign,
        organisation=cast.province,
        frequency="monthly",
        first_on=timezone.localdate(),
    )
    with _capture(execute=True):
        made = services.run_due_schedules()
    assert len(made) == 1 and made[0].schedule_id == schedule.pk
    assert services.run_due_schedules() == []  # moved to next month
    schedule.refresh_from_db()
    assert schedule.next_run_on > timezone.localdate()
    assert Report.objects.get(pk=made[0].pk).status == Report.Status.DONE


def test_pages(cast, campaign, client):
    client.force_login(cast.staff)
    page = client.get(reverse("reports:list"))
    assert page.status_code == 200
    with _capture(execute=True):
        response = client.post(
            reverse("reports:list"),
            {
                "campaign": campaign.pk,
                "organisation": cast.province.pk,
                "as_of": timezone.localdate().isoformat(),
                "want_pdf": "on",
                "want_xlsx": "on",
            },
        )
    report = Report.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("reports:detail", args=[report.pk])
    detail = client.get(response["Location"])
    assert "Tải tệp PDF" in detail.content.decode()
    status = client.get(reverse("reports:status", args=[report.pk])).json()
    assert status["done"] and status["progress"] == 100
    pdf = client.get(reverse("reports:download", args=[report.pk, "pdf"]))
    assert pdf["Content-Type"] == "application/pdf"
    verify = client.get(reverse("reports:verify", args=[report.verification_code]))
    assert report.pdf_sha256 in verify.content.decode()
    assert client.get(reverse("reports:verify", args=["0" * 20])).status_code == 404


def test_report_list_query_count_does_not_grow(cast, campaign, client, django_assert_max_num_queries):
    client.force_login(cast.staff)
    _ask(cast, campaign)
    with django_assert_max_num_queries(20) as small:
        client.get(reverse("reports:list"))
    for days in range(1, 8):
        _ask(cast, campaign, as_of=timezone.localdate() - dt.timedelta(days=days))
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("reports:list"))


def test_the_dashboard_agrees_with_the_drill_down_and_its_queries_do_not_grow(
    cast, campaign, client, django_assert_max_num_queries
):
    from reports import dashboard

    client.force_login(cast.staff)
    with django_assert_max_num_queries(60) as small:
        page = client.get(reverse("reports:dashboard"))
    assert page.status_code == 200
    html = page.content.decode()
    frame = participation.frame_of(campaign)
    total = participation.figures(frame, cast.province)
    assert f"{total.studied}/{total.expected} đã học" in html
    assert reverse("campaigns:participation_org", args=[campaign.pk, cast.committee_a.pk]) in html
    points = dashboard.timeline(frame, cast.province)
    assert points[-1][1] == total.studied  # everyone who studied, by today

    from organisations.tests.factories import PersonFactory

    more = [PersonFactory(organisation=cast.cell_b) for _ in range(15)]
    attend(make_session(campaign, cast.committee_b), more)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("reports:dashboard"))
