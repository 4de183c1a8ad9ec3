"""The report as a PDF in the Party's document layout (Hướng dẫn 36-HD/VPTW) and as an Excel workbook.

Both are drawn from the same ``content.Content``; the PDF carries the summary table, a chart and the
verification QR, the workbook the member-level lists (one sheet per section).
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill

from campaigns import participation
from essays import quality as essay_quality
from essays import rules as essay_rules
from organisations.models import STEP, Organisation
from portal.lib.pdf import render_pdf
from portal.lib.qr import qr_svg
from portal.templatetags.portal_format import number as fmt_number
from portal.templatetags.portal_format import percent

from .content import Content
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


def place_of(org: Organisation) -> str:
    """The place in the date line: the province's name without "Tỉnh ủy" (e.g. "Phú Yên")."""
    root = Organisation.objects.filter(path=org.path[:STEP]).first() or org
    for committee, _party in _COMMITTEE_TO_PARTY:
        if root.name.startswith(committee):
            return root.name[len(committee) :]
    return root.name


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
            % {"held": c.held, "total": c.total, "label": str(Organisation.Kind(c.kind).label).lower()}
        )
    if data.grassroots is not None:
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


def chart_svg(data: Content, width: int = 640, bar: int = 14) -> SafeString:
    """A horizontal bar chart of each line's participation rate with the target as a dashed line."""
    lines = [line for line in data.lines if line.figures.expected]
    label_w, right = 220, 50
    plot_w = width - label_w - right
    height = 20 + len(lines) * (bar + 6) + 20
    target_x = label_w + float(data.target) * plot_w
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        'font-size="10" font-family="Liberation Serif, Noto Serif, serif">'
    ]
    for i, line in enumerate(lines):
        y = 14 + i * (bar + 6)
        value = float(line.figures.rate or 0)
        colour = "#b02a37" if line.below_target else "#2b5a9e"
        name = escape(line.organisation.short_name or line.organisation.name if line.organisation else "")
        out.append(f'<text x="{label_w - 6}" y="{y + bar - 3}" text-anchor="end">{name[:40]}</text>')
        out.append(f'<rect x="{label_w}" y="{y}" width="{value * plot_w:.1f}" height="{bar}" fill="{colour}"/>')
        out.append(
            f'<text x="{label_w + value * plot_w + 4:.1f}" y="{y + bar - 3}">'
            f"{escape(percent(line.figures.rate, 1))}</text>"
        )
    out.append(
        f'<line x1="{target_x:.1f}" y1="8" x2="{target_x:.1f}" y2="{height - 14}" '
        'stroke="#000" stroke-dasharray="4 3"/>'
    )
    out.append(
        f'<text x="{target_x:.1f}" y="{height - 2}" text-anchor="middle">'
        f"{escape(_('target'))} {escape(percent(data.target, 0))}</text></svg>"
    )
    return mark_safe("".join(out))  # noqa: S308 - every text above is escaped


def pdf(data: Content, report: Report, number: str) -> bytes:
    org = data.organisation
    url = verification_url(report)
    context: dict[str, Any] = {
        "data": data,
        "report": report,
        "number": number,
        "superior": superior_line(org),
        "issued": timezone.localtime(),
        "place": place_of(org),
        "summary": summary_text(data),
        "chart": chart_svg(data),
        "qr": mark_safe(qr_svg(url)),  # noqa: S308 - markup built by portal.lib.qr from the URL
        "verify_url": url,
    }
    return render_pdf("reports/report_pdf.html", context)


# --------------------------------------------------------------------------------------------
# Excel
# --------------------------------------------------------------------------------------------

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDE6F2")
BELOW_FILL = PatternFill("solid", fgColor="F8D7DA")
PERCENT = "0.00%"


def _header(ws: Any, titles: list[str]) -> None:
    row = []
    for title in titles:
        cell = WriteOnlyCell(ws, value=title)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        row.append(cell)
    ws.append(row)


def _rate_cell(ws: Any, value: Decimal | None, below: bool = False) -> Any:
    cell = WriteOnlyCell(ws, value=float(value) if value is not None else None)
    cell.number_format = PERCENT
    if below:
        cell.fill = BELOW_FILL
    return cell


def xlsx(data: Content, report: Report, number: str) -> bytes:
    wb = Workbook(write_only=True)
    frame = participation.frame_of(data.campaign)
    ws = wb.create_sheet(_("Summary"))
    ws.column_dimensions["A"].width = 45
    ws.append([f"{number} – {data.campaign.title}"])
    ws.append([data.organisation.name, _("as of %(date)s") % {"date": data.as_of.strftime("%d/%m/%Y")}])
    ws.append([])
    essay_titles = [
        _("Essays required"),
        _("Essays submitted"),
        _("Submitted on time"),
        _("Graded"),
        _("Not passed"),
        _("Re-studied"),
        _("Exempt"),
    ] + list(data.grades)
    _header(
        ws,
        [
            _("Organisation"),
            _("Expected"),
            _("Studied"),
            _("Rate"),
            _("Excused"),
            _("Sessions held"),
            _("Held its session"),
        ]
        + (essay_titles if data.total.essays is not None else []),
    )
    for line in [*data.lines, data.total]:
        name = line.organisation.name if line.organisation else _("Total")
        row: list[Any] = [
            name,
            line.figures.expected,
            line.figures.studied,
            _rate_cell(ws, line.figures.rate, line.below_target),
            line.figures.excused,
            line.sessions,
            ("" if line.held is None else (_("yes") if line.held else _("no"))),
        ]
        if line.essays is not None:
            e = line.essays
            row += [e.required, e.submitted, e.on_time, e.graded, e.failed, e.restudied, e.exempt]
            row += list(e.grades)
        ws.append(row)

    people = wb.create_sheet(_("Not studied"))
    _header(people, [_("Full name"), _("Organisation"), _("Kind"), _("Party card number")])
    for person in participation.not_studied(frame, data.organisation).select_related("organisation").iterator(2000):
        people.append([person.full_name, person.organisation.name, person.get_kind_display(), person.card_number])

    excused = wb.create_sheet(_("Excused"))
    _header(excused, [_("Full name"), _("Organisation"), _("Kind")])
    for person in participation.excused_people(frame, data.organisation).select_related("organisation").iterator(2000):
        excused.append([person.full_name, person.organisation.name, person.get_kind_display()])

    flagged = wb.create_sheet(_("Flagged units"))
    _header(flagged, [_("Unit"), _("Above"), _("Expected"), _("Studied"), _("Rate")])
    for unit in data.flagged:
        flagged.append(
            [
                unit.name,
                unit.parent_name,
                unit.figures.expected,
                unit.figures.studied,
                _rate_cell(flagged, unit.figures.rate, True),
            ]
        )

    if data.total.essays is not None:
        root_frame = participation.frame_of(essay_rules.root_of(data.campaign))
        Show = essay_quality.Show
        for show in (Show.NOT_SUBMITTED, Show.LATE, Show.FAILED, Show.MUST_RESTUDY, Show.RESTUDIED, Show.EXEMPT):
            sheet = wb.create_sheet(str(essay_quality.SHOW_LABELS[show])[:31])
            _header(sheet, [_("Full name"), _("Organisation"), _("Kind"), _("Grade")])
            rows = essay_quality.people(root_frame, data.organisation, show)
            for person in rows.iterator(2000):
                sheet.append(
                    [person.full_name, person.organisation.name, person.get_kind_display(), person.grade_label or ""]
                )

    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
