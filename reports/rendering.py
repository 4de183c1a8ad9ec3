"""The report as a PDF in the Party's document layout (Hướng dẫn 36-HD/VPTW) and as an Excel workbook.

Both are drawn from the same ``content.Content``; the PDF carries the summary table, a chart and the
verification QR, the workbook the member-level lists (one sheet per section).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from campaigns import participation
from campaigns.views import COMPLETION_LABELS  # the drill-down page's names for the completion figures
from essays import quality as essay_quality
from essays import rules as essay_rules
from organisations.models import STEP, Organisation
from portal.lib.pdf import render_pdf
from portal.lib.qr import qr_svg
from portal.templatetags.portal_format import number as fmt_number
from portal.templatetags.portal_format import percent

from .content import Content, Line
from .models import Report


def verification_url(report: Report) -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + reverse("reports:verify", args=[report.verification_code])


# "Huyện ủy Tuy An" belongs to "Đảng bộ huyện Tuy An": the superior line names the Party organisation (đảng bộ)
# the committee above leads. Names are data; these prefixes are the ones Vietnamese committees use.
_COMMITTEE_TO_PARTY = (
    ("Tỉnh ủy ", "Đảng bộ tỉnh "),
    ("Thành ủy ", "Đảng bộ thành phố "),
    ("Huyện ủy ", "Đảng bộ huyện "),
    ("Thị ủy ", "Đảng bộ thị xã "),
    ("Đảng ủy ", "Đảng bộ "),
)


def superior_line(org: Organisation) -> str:
    """The line above the issuing body: "ĐẢNG BỘ TỈNH PHÚ YÊN" above "HUYỆN ỦY TUY AN"; none for the province."""
    parent = org.parent
    if parent is None:
        return ""
    for committee, party in _COMMITTEE_TO_PARTY:
        if parent.name.startswith(committee):
            return party + parent.name[len(committee) :]
    return parent.name


# Committees named after the place where they sit: "Huyện ủy Tuy An" dates its documents "Tuy An, ngày …".
_PLACE_PREFIXES = ("Tỉnh ủy ", "Thành ủy ", "Huyện ủy ", "Thị ủy ", "Quận ủy ")


def place_of(org: Organisation) -> str:
    """The place in the date line (36-HD/VPTW: where the issuing body sits): the place of the nearest committee
    named after one, from ``org`` upwards ("Huyện ủy Tuy An" -> "Tuy An", "Đảng ủy Quân sự tỉnh" -> "Phú Yên")."""
    prefixes = [org.path[:i] for i in range(STEP, len(org.path) + 1, STEP)]
    names = dict(Organisation.objects.filter(path__in=prefixes).values_list("path", "name"))
    for path in reversed(prefixes):
        name = names.get(path, "")
        for prefix in _PLACE_PREFIXES:
            if name.startswith(prefix):
                return name[len(prefix) :]
    return names.get(prefixes[0], org.name)


def summary_text(data: Content) -> str:
    """The generated paragraph: "… 44.560/46.540 cán bộ, đảng viên tham gia học tập, đạt 95,74% …"."""
    total = data.total.figures
    parts = [
        _(
            "As of %(date)s, %(studied)s/%(expected)s cadres and Party members of %(org)s took part in the study, "
            "a rate of %(rate)s (target %(target)s)."
        )
        % {
            "date": data.as_of.strftime("%d/%m/%Y"),
            "studied": fmt_number(total.studied),
            "expected": fmt_number(total.expected),
            "org": data.organisation.name,
            "rate": percent(total.rate),
            "target": percent(data.target, 0),
        }
    ]
    for c in data.completion:
        parts.append(
            _("%(held)s/%(total)s %(label)s held their session.")
            % {"held": c.held, "total": c.total, "label": COMPLETION_LABELS.get(Organisation.Kind(c.kind), c.kind)}
        )
    # As on the drill-down page: the grassroots figure only when the children are not grassroots themselves.
    if data.grassroots is not None and not any(c.kind == Organisation.Kind.GRASSROOTS for c in data.completion):
        parts.append(
            _("%(rate)s of grassroots party organisations (%(held)s/%(total)s) organised the study.")
            % {"rate": percent(data.grassroots.rate), "held": data.grassroots.held, "total": data.grassroots.total}
        )
    below = data.below_target_count
    if below:
        parts.append(_("%(n)s organisations are below the target and are highlighted in the table.") % {"n": below})
    essays = data.total.essays
    if essays is not None:
        parts.append(
            _("Essays: %(submitted)s/%(required)s submitted, %(graded)s graded, %(failed)s not passed.")
            % {
                "submitted": fmt_number(essays.submitted),
                "required": fmt_number(essays.required),
                "graded": fmt_number(essays.graded),
                "failed": fmt_number(essays.failed),
            }
        )
    return " ".join(parts)


def date_parts(day: dt.date) -> dict[str, str]:
    """Day, month and year as the date line writes them (Hướng dẫn 36-HD/VPTW): a leading zero on days below 10
    and on January and February only ("ngày 05 tháng 02 năm 2025", "ngày 16 tháng 7 năm 2024")."""
    return {"d": f"{day.day:02d}", "m": f"{day.month:02d}" if day.month <= 2 else str(day.month), "y": str(day.year)}


def subject_of(campaign: Any) -> str:
    """The summary line under "BÁO CÁO": "kết quả học tập, quán triệt Kết luận số 21-KL/TW …".

    Campaign titles start with what was done ("Học tập, quán triệt …", "Triển khai …"), so the title follows
    "results of" with its first letter lowered, unless the first word is an abbreviation ("UBND …").
    """
    title = campaign.title.strip()
    first = title.split(" ", 1)[0]
    if first and not (len(first) > 1 and first.isupper()):
        title = title[:1].lower() + title[1:]
    return _("results of %(title)s") % {"title": title}


@dataclass
class ChartRow:
    name: str
    rate: Decimal | None
    below: bool
    svg: SafeString


def chart_rows(data: Content, width: int = 300, height: int = 12) -> list[ChartRow]:
    """One bar per line of the report (participation rate), each its own small SVG so the chart breaks across
    pages like the table does; the dashed target marks of the rows line up into one vertical line."""
    target_x = float(data.target) * width
    rows = []
    for line in data.lines:
        if not line.figures.expected or line.organisation is None:
            continue
        value = float(line.figures.rate or 0)
        colour = "#b02a37" if line.below_target else "#2b5a9e"
        svg = (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" preserveAspectRatio="none">'
            f'<rect x="0" y="2" width="{value * width:.1f}" height="{height - 4}" fill="{colour}"/>'
            f'<line x1="{target_x:.1f}" y1="0" x2="{target_x:.1f}" y2="{height}" stroke="#000" stroke-width="1" '
            'stroke-dasharray="3 2"/></svg>'
        )
        rows.append(ChartRow(line.organisation.name, line.figures.rate, line.below_target, mark_safe(svg)))  # noqa: S308 - numbers only
    return rows


def pdf(data: Content, report: Report, number: str) -> bytes:
    org = data.organisation
    url = verification_url(report)
    issued = timezone.localdate()
    context: dict[str, Any] = {
        "data": data,
        "report": report,
        "number": number,
        "superior": superior_line(org),
        "issued": date_parts(issued),
        "place": place_of(org),
        "subject": subject_of(data.campaign),
        "summary": summary_text(data),
        "chart": chart_rows(data),
        # Beyond six grades the essays table no longer fits A4 portrait: it gets a landscape page of its own.
        "essays_landscape": len(data.grades) > 6,
        "qr": mark_safe(qr_svg(url)),  # noqa: S308 - markup built by portal.lib.qr from the URL
        "verify_url": url,
    }
    return render_pdf("reports/report_pdf.html", context)


# --------------------------------------------------------------------------------------------
# Excel
# --------------------------------------------------------------------------------------------

HEADER_FONT = Font(bold=True)
TITLE_FONT = Font(bold=True, size=13)
TOTAL_FONT = Font(bold=True)
OWN_FONT = Font(italic=True)
HEADER_FILL = PatternFill("solid", fgColor="DDE6F2")
BELOW_FILL = PatternFill("solid", fgColor="F8D7DA")
PERCENT = "0.00%"
COUNT = "#,##0"  # shown with the reader's own thousands separator; the cell holds the number


def _layout(ws: Any, widths: Sequence[float], header_row: int) -> None:
    """Column widths, and the header row (with the first column) frozen in view when scrolling.

    A write-only sheet writes these before its first row: call this before appending anything.
    """
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = f"B{header_row + 1}"


def _header(ws: Any, titles: list[str]) -> None:
    """The header row: bold, shaded, wrapped."""
    row = []
    for title in titles:
        cell = WriteOnlyCell(ws, value=title)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        row.append(cell)
    ws.append(row)


def _count_cell(ws: Any, value: int, font: Font | None = None) -> Any:
    cell = WriteOnlyCell(ws, value=value)
    cell.number_format = COUNT
    if font is not None:
        cell.font = font
    return cell


def _rate_cell(ws: Any, value: Decimal | None, below: bool = False, font: Font | None = None) -> Any:
    cell = WriteOnlyCell(ws, value=float(value) if value is not None else None)
    cell.number_format = PERCENT
    if below:
        cell.fill = BELOW_FILL
    if font is not None:
        cell.font = font
    return cell


def _text_cell(ws: Any, value: str, font: Font | None = None) -> Any:
    cell = WriteOnlyCell(ws, value=value)
    if font is not None:
        cell.font = font
    return cell


def held_label(held: bool | None) -> str:
    """The "held its session" cell: "Đã" / "Chưa" (blank for the totals and the organisation's own line)."""
    if held is None:
        return ""
    return pgettext("session held", "Yes") if held else pgettext("session held", "Not yet")


def summary_rows(data: Content) -> list[tuple[str, Line]]:
    """The summary table's lines with their kind: each child, the organisation's own line, the totals."""
    out: list[tuple[str, Line]] = [("child", line) for line in data.lines]
    if data.own is not None:
        out.append(("own", data.own))
    out.append(("total", data.total))
    return out


def xlsx(data: Content, report: Report, number: str) -> bytes:
    """The workbook: a summary sheet (the PDF's tables, figure for figure) and one sheet per list of people.

    Numbers are stored as numbers and rates as ratios formatted as percentages, so they can be summed and
    sorted; headers and sheet names are in the reader's language.
    """
    wb = Workbook(write_only=True)
    frame = participation.frame_of(data.campaign)
    with_essays = data.total.essays is not None
    ws = wb.create_sheet(_("Summary"))
    essay_columns = 8 + len(data.grades) if with_essays else 0
    _layout(ws, [48] + [12] * (6 + essay_columns), header_row=4)
    ws.append([_text_cell(ws, f"{number} – {data.campaign.title}", TITLE_FONT)])
    ws.append([data.organisation.name, _("as of %(date)s") % {"date": data.as_of.strftime("%d/%m/%Y")}])
    ws.append([])
    titles = [
        _("Organisation"),
        _("Expected"),
        _("Studied"),
        _("Rate"),
        _("Excused"),
        _("Sessions held"),
        _("Held its session"),
    ]
    if with_essays:
        titles += [
            _("Essays required"),
            _("Essays submitted"),
            _("Submitted on time"),
            _("Graded"),
            *[_("Grade: %(label)s") % {"label": grade} for grade in data.grades],
            _("With a failed essay"),
            _("Must re-study"),
            _("Re-studied"),
            _("Exempt"),
        ]
    _header(ws, titles)
    for kind, line in summary_rows(data):
        font = TOTAL_FONT if kind == "total" else OWN_FONT if kind == "own" else None
        if kind == "total":
            name = _("Total")
        elif kind == "own":
            name = _("%(name)s (directly)") % {"name": data.organisation.name}
        else:
            name = line.organisation.name if line.organisation else ""
        figures = line.figures
        row: list[Any] = [
            _text_cell(ws, name, font),
            _count_cell(ws, figures.expected, font),
            _count_cell(ws, figures.studied, font),
            _rate_cell(ws, figures.rate, line.below_target, font),
            _count_cell(ws, figures.excused, font),
            _count_cell(ws, line.sessions, font),
            _text_cell(ws, held_label(line.held) if kind == "child" else "", font),
        ]
        if with_essays and line.essays is not None:
            e = line.essays
            counts = [e.required, e.submitted, e.on_time, e.graded, *e.grades, e.failed, e.must_restudy]
            counts += [e.restudied, e.exempt]
            row += [_count_cell(ws, value, font) for value in counts]
        ws.append(row)

    people = wb.create_sheet(_("Not studied"))
    _layout(people, [28, 48, 24, 18], header_row=1)
    _header(people, [_("Full name"), _("Organisation"), _("Kind"), _("Party card number")])
    for person in participation.not_studied(frame, data.organisation).select_related("organisation").iterator(2000):
        people.append([person.full_name, person.organisation.name, person.get_kind_display(), person.card_number])

    excused = wb.create_sheet(_("Excused"))
    _layout(excused, [28, 48, 24], header_row=1)
    _header(excused, [_("Full name"), _("Organisation"), _("Kind")])
    for person in participation.excused_people(frame, data.organisation).select_related("organisation").iterator(2000):
        excused.append([person.full_name, person.organisation.name, person.get_kind_display()])

    flagged = wb.create_sheet(_("Flagged units"))
    _layout(flagged, [48, 48, 12, 12, 12], header_row=1)
    _header(flagged, [_("Unit"), _("Above"), _("Expected"), _("Studied"), _("Rate")])
    for unit in data.flagged:
        flagged.append(
            [
                unit.name,
                unit.parent_name,
                _count_cell(flagged, unit.figures.expected),
                _count_cell(flagged, unit.figures.studied),
                _rate_cell(flagged, unit.figures.rate, True),
            ]
        )

    if with_essays:
        root_frame = participation.frame_of(essay_rules.root_of(data.campaign))
        Show = essay_quality.Show
        for show in (Show.NOT_SUBMITTED, Show.LATE, Show.FAILED, Show.MUST_RESTUDY, Show.RESTUDIED, Show.EXEMPT):
            label = str(essay_quality.SHOW_LABELS[show])
            sheet = wb.create_sheet((_("Essays - %(list)s") % {"list": label[:1].lower() + label[1:]})[:31])
            _layout(sheet, [28, 48, 24, 14], header_row=1)
            _header(sheet, [_("Full name"), _("Organisation"), _("Kind"), _("Grade")])
            rows = essay_quality.people(root_frame, data.organisation, show)
            for person in rows.iterator(2000):
                sheet.append(
                    [person.full_name, person.organisation.name, person.get_kind_display(), person.grade_label or ""]
                )

    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
