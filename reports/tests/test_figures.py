"""The figures agree everywhere: the PDF's tables, the Excel summary, the dashboard and the drill-down pages.

A small campaign on the cast, asking for an essay (grades on the default scale), reported on at the province
(by staff) and at committee A (by its officer):

    province  a main session organised at the province itself (the report's "directly" line: 1 session)
    cell_a    Nguyễn Văn An    studied; essay Excellent, released
              Trần Thị Bình    studied; essay Fail, released; re-studied at a re-study session
              Đinh Văn Hải     not studied; essay submitted late, not graded
    cell_a2   Lê Văn Cường     studied; essay Good (not released)
              Mai Văn Long     excused from Party activities: out of the denominators
              Tô Văn Nam       not studied; exempt from the essay
    cell_b    Phạm Thị Dung    studied at committee B's own session; essay Fail, released; not re-studied
              Hoàng Văn Em, Võ Thị Hoa (non-party)   nothing

Every figure is read back as a user reads it (text of the PDF, cells of the workbook, the HTML of the pages)
and compared with the same figure on the other documents, formatted the same way.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import re
import subprocess
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from campaigns.models import Attendance, StudySession
from campaigns.tests.factories import attend, make_session
from essays import rules
from essays.models import Exemption
from essays.tests.factories import make_essay, make_essay_campaign
from organisations.models import Person
from organisations.tests.factories import PersonFactory
from portal.templatetags.portal_format import number, percent
from reports import content, services
from reports.models import Report

pytestmark = pytest.mark.django_db

NUMERIC = re.compile(r"^(?:\d{1,3}(?:\.\d{3})*(?:,\d+)?%?|—)$")


# --------------------------------------------------------------------------------------------
# Reading the documents back
# --------------------------------------------------------------------------------------------


def pdf_number_lines(path: str) -> list[list[str]]:
    """The numbers of each printed line of the PDF (pdftotext keeps a table row on one line), in order."""
    text = subprocess.run(["pdftotext", "-layout", path, "-"], capture_output=True, check=True).stdout.decode()
    return [[t for t in line.split() if NUMERIC.match(t)] for line in text.splitlines()]


def _text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def table_rows(page: str, table_class: str) -> dict[str, list[str]]:
    """The body rows of the first table with ``table_class``: the first cell's link text (the organisation's
    name, without its badges) -> the cells' texts."""
    table = re.search(rf'<table class="[^"]*\b{table_class}\b[^"]*">(.*?)</table>', page, re.S)
    assert table, f"no table {table_class}"
    body = re.search(r"<tbody>(.*?)</tbody>", table.group(1), re.S)
    rows: dict[str, list[str]] = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body.group(1) if body else "", re.S):
        raw = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        link = re.search(r"<a [^>]*>(.*?)</a>", raw[0], re.S)
        rows[_text(link.group(1) if link else raw[0])] = [_text(cell) for cell in raw]
    return rows


def bar_lists(page: str) -> list[list[str]]:
    """The dashboard's bar lists (participation, then essays, per panel): each bar's text."""
    lists = re.findall(r'<ul class="list-unstyled bar-list[^"]*">(.*?)</ul>', page, re.S)
    items = [re.findall(r"<li>(.*?)</li>", block, re.S) for block in lists]
    return [[_text(re.sub(r"<progress.*?</progress>", "", item, flags=re.S)) for item in block] for block in items]


def summary_sheet(data: bytes) -> dict[str, tuple[Any, ...]]:
    sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    return {row[0]: row for row in sheet.iter_rows(min_row=5, values_only=True) if row and row[0]}


# --------------------------------------------------------------------------------------------
# What each document should say for one line
# --------------------------------------------------------------------------------------------


def participation_tokens(line: content.Line, no: int | None) -> list[str]:
    f = line.figures
    tokens = [number(f.expected), number(f.studied), percent(f.rate), number(f.excused), number(line.sessions)]
    return ([str(no)] if no else []) + tokens


def essay_counts(e: Any) -> list[int]:
    return [e.required, e.submitted, e.graded, *e.grades, e.failed, e.restudied, e.exempt]


def check_agreement(client: Any, user: Any, report: Report, data: content.Content) -> None:
    """Every line of ``data`` (what the report was built from) against the PDF, the workbook and the pages."""
    campaign, org = report.campaign, report.organisation
    name = {"own": f"{org.name} (trực tiếp)", "total": "Tổng cộng"}

    # The PDF: each line's figures, formatted, on one printed line.
    printed = pdf_number_lines(report.pdf.path)
    for no, line in enumerate(data.lines, start=1):
        assert participation_tokens(line, no) in printed, line.organisation.name
        assert [str(no), *map(number, essay_counts(line.essays))] in printed, line.organisation.name
    for line in [data.own, data.total]:
        if line is not None:
            assert participation_tokens(line, None) in printed
            if line.essays.required or line.essays.exempt:  # no essays line for a level where nobody writes
                assert list(map(number, essay_counts(line.essays))) in printed

    # The workbook's summary sheet: the same figures as numbers, the rate as a ratio.
    sheet = summary_sheet(report.xlsx.read())
    rows = [(line.organisation.name, line) for line in data.lines] + [(name["total"], data.total)]
    rows += [(name["own"], data.own)] if data.own else []
    for label, line in rows:
        cells = sheet[label]
        f, e = line.figures, line.essays
        assert cells[1:3] == (f.expected, f.studied) and cells[4:6] == (f.excused, line.sessions), label
        assert cells[3] == (pytest.approx(float(f.rate)) if f.rate is not None else None), label
        expected_essays = (e.required, e.submitted, e.on_time, e.graded, *e.grades, e.failed, e.must_restudy)
        assert cells[7:] == (*expected_essays, e.restudied, e.exempt), label

    client.force_login(user)
    # The participation drill-down: expected, studied, excused, session held and rate of each child, the headline.
    page = client.get(reverse("campaigns:participation_org", args=[campaign.pk, org.pk])).content.decode()
    drill = table_rows(page, "participation-table")
    for line in data.lines:
        f = line.figures
        cells = drill[line.organisation.name]
        assert cells[1:4] == [number(f.expected), number(f.studied), number(f.excused)], line.organisation.name
        assert cells[5] == percent(f.rate), line.organisation.name
        assert cells[4] == ("đã tổ chức" if line.held else "chưa tổ chức"), line.organisation.name
    total = data.total.figures
    assert f"{number(total.studied)}/{number(total.expected)} đã học" in page
    assert percent(total.rate) in page

    # The essays' quality drill-down: each child's essay figures, grade by grade.
    page = client.get(reverse("essays:quality_org", args=[campaign.pk, org.pk])).content.decode()
    quality = table_rows(page, "quality-table")
    for line in data.lines:
        e, f = line.essays, line.figures
        cells = quality[line.organisation.name]
        assert cells[1] == f"{number(f.studied)}/{number(f.expected)}"
        counts = [e.required, e.submitted, e.on_time, e.graded, *e.grades, e.must_restudy, e.restudied]
        assert cells[2:-1] == list(map(number, counts)), line.organisation.name
    e = data.total.essays
    assert f"{number(e.submitted)}/{number(e.required)}" in page  # the headline: "… of … submitted"

    # The dashboard: the headline, a bar per child for participation (rate) and for essays (submitted/required).
    page = client.get(reverse("reports:dashboard")).content.decode()
    assert f"{number(total.studied)}/{number(total.expected)} đã học" in page
    assert f"Đã nộp {number(e.submitted)}/{number(e.required)} · đã chấm {number(e.graded)}" in page
    assert f"không đạt {number(e.failed)}" in page
    participation_bars, essay_bars = bar_lists(page)[:2]
    shown = [line for line in data.lines if line.figures.expected]
    assert participation_bars == [
        f"{line.organisation.short_name or line.organisation.name} {percent(line.figures.rate, 1)}" for line in shown
    ]
    assert essay_bars == [
        f"{line.organisation.short_name or line.organisation.name} "
        f"{number(line.essays.submitted)}/{number(line.essays.required)}"
        for line in data.lines
        if line.essays.required
    ]


# --------------------------------------------------------------------------------------------
# The test
# --------------------------------------------------------------------------------------------


@pytest.fixture
def campaign(cast):
    now = timezone.now()
    campaign = make_essay_campaign(cast.province, deadline=-dt.timedelta(days=3))
    excellent, good, _fair, _pass, fail = rules.ensure_scale(campaign)
    people = {p.full_name.split()[-1]: p for p in Person.objects.all()}
    hai = PersonFactory(full_name="Đinh Văn Hải", organisation=cast.cell_a)
    PersonFactory(full_name="Mai Văn Long", organisation=cast.cell_a2, status=Person.Status.EXCUSED)
    nam = PersonFactory(full_name="Tô Văn Nam", organisation=cast.cell_a2)
    Exemption.objects.create(campaign=campaign, person=nam, reason="Tuổi cao, sức yếu")

    provincial = make_session(campaign, cast.province, days_ago=10, points=[cast.committee_a])
    attend(provincial, [people["An"], people["Bình"], people["Cường"]])
    attend(provincial, [hai], Attendance.Status.ABSENT)
    attend(make_session(campaign, cast.committee_b, days_ago=9), [people["Dung"]])

    def graded(person, grade, released=True):
        return make_essay(
            campaign, person, grade=grade, passed=grade.passing, released=released,
            graded_at=now - dt.timedelta(days=6),
        )  # fmt: skip

    graded(people["An"], excellent)
    graded(people["Bình"], fail)
    graded(people["Cường"], good, released=False)
    graded(people["Dung"], fail)
    make_essay(campaign, hai, status="submitted", is_late=True)
    restudy = make_session(campaign, cast.province, kind=StudySession.Kind.RESTUDY, days_ago=3)
    attend(restudy, [people["Bình"]])
    return campaign


def _build(cast, campaign, django_capture_on_commit_callbacks, actor, organisation) -> Report:
    with django_capture_on_commit_callbacks(execute=True):
        result = services.request_report(
            actor=actor, campaign=campaign, organisation=organisation, as_of=timezone.localdate()
        )
    report = Report.objects.get(pk=result.report.pk)
    assert report.status == Report.Status.DONE, report.error
    return report


def test_the_pdf_the_workbook_the_dashboard_and_the_drill_down_pages_agree_at_every_level(
    cast, campaign, client, django_capture_on_commit_callbacks
):
    report = _build(cast, campaign, django_capture_on_commit_callbacks, cast.staff, cast.province)
    data = content.build(campaign, cast.province, report.as_of)
    a, b = data.lines
    # The scenario as the reader sees it, so that the comparison below compares something.
    assert (a.figures.expected, a.figures.studied, a.figures.excused, a.sessions) == (5, 3, 1, 0)
    assert (b.figures.expected, b.figures.studied, b.sessions) == (3, 1, 1)
    assert a.held and b.held and a.below_target and b.below_target
    assert data.own is not None and data.own.sessions == 1 and data.total.sessions == 2  # the provincial session
    assert (a.essays.required, a.essays.submitted, a.essays.graded, a.essays.exempt) == (4, 4, 3, 1)
    assert a.essays.grades == (1, 1, 0, 0, 1) and (a.essays.failed, a.essays.restudied) == (1, 1)
    assert (b.essays.failed, b.essays.must_restudy, b.essays.restudied) == (1, 1, 0)
    assert (data.total.essays.required, data.total.essays.submitted, data.total.essays.on_time) == (7, 5, 4)
    check_agreement(client, cast.staff, report, data)

    report = _build(cast, campaign, django_capture_on_commit_callbacks, cast.officer_a, cast.committee_a)
    data = content.build(campaign, cast.committee_a, report.as_of)
    assert [line.organisation for line in data.lines] == [cast.grassroots_a]
    assert data.own is None  # nothing organised or sitting at committee A itself
    check_agreement(client, cast.officer_a, report, data)


def test_the_pdf_follows_the_party_layout(cast, campaign, django_capture_on_commit_callbacks):
    report = _build(cast, campaign, django_capture_on_commit_callbacks, cast.officer_a, cast.committee_a)
    raw = subprocess.run(["pdftotext", "-layout", report.pdf.path, "-"], capture_output=True, check=True).stdout
    text = " ".join(raw.decode().split())
    today = timezone.localdate()
    month = f"{today.month:02d}" if today.month <= 2 else str(today.month)
    assert text.startswith("ĐẢNG BỘ TỈNH PHÚ YÊN ĐẢNG CỘNG SẢN VIỆT NAM HUYỆN ỦY TUY AN")
    assert f"Tuy An, ngày {today.day:02d} tháng {month} năm {today.year}" in text  # where the committee sits
    assert "Số 1-BC/HU" in text
    assert "BÁO CÁO kết quả học tập, quán triệt Kết luận 21-KL/TW -----" in text
    assert "Nơi nhận: T/M BAN THƯỜNG VỤ" in text and "- Tỉnh ủy Phú Yên (để báo cáo)," in text
    fonts = subprocess.run(["pdffonts", report.pdf.path], capture_output=True, check=True).stdout.decode()
    embedded = [line for line in fonts.splitlines()[2:] if line.strip()]
    assert embedded and all(" yes yes yes " in line for line in embedded)  # embedded, subset, unicode
    info = subprocess.run(["pdfinfo", report.pdf.path], capture_output=True, check=True).stdout.decode()
    assert "595.276 x 841.89 pts (A4)" in info
