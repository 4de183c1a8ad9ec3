"""What staff print and post for a session: the A4 QR sheet (one code per material) and each cell's message
with its own links, to paste into the cell's chat group (Zalo)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from campaigns.models import StudySession
from organisations.models import Organisation
from portal.lib import pdf, qr

from . import selectors
from .models import Material


@dataclass
class SheetItem:
    material: Material
    url: str

    @property
    def qr_svg(self) -> SafeString:
        # Built by portal.lib.qr from the module matrix: no user text goes into the markup.
        return mark_safe(qr.qr_svg(self.url, size="44mm", border=2, css_class="qr"))  # noqa: S308

    @property
    def short(self) -> str:
        return self.url.split("://", 1)[-1]


@dataclass
class Sheet:
    session: StudySession
    items: list[SheetItem]
    without_link: list[Material]
    secret_count: int

    @property
    def rows(self) -> list[list[SheetItem]]:
        """The items two by two, as the sheet's table lays them out."""
        return [self.items[i : i + 2] for i in range(0, len(self.items), 2)]


def sheet_for(*, session: StudySession) -> Sheet:
    """The session's published materials with their general links; what cannot be printed, counted apart."""
    materials = selectors.session_materials(session=session)
    shareable = [m for m in materials if m.published and not m.is_secret]
    urls = selectors.general_links(materials=shareable)
    return Sheet(
        session=session,
        items=[SheetItem(m, urls[m.pk]) for m in shareable if m.pk in urls],
        without_link=[m for m in shareable if m.pk not in urls],
        secret_count=sum(1 for m in materials if m.is_secret),
    )


def sheet_pdf(*, session: StudySession, actor: Any) -> bytes:
    """The A4 QR sheet of a session, in the portal's language (Vietnamese)."""
    sheet = sheet_for(session=session)
    host = settings.PORTAL_BASE_URL.split("://", 1)[-1].rstrip("/")
    printed_by = (actor.get_full_name() or actor.get_username()) if getattr(actor, "pk", None) else ""
    context = {
        "sheet": sheet,
        "session": session,
        "host": host,
        "printed_at": timezone.localtime(),
        "page_label": pdf.css_string(_("Page") + " "),
        # who printed it, and when, in the footer: the sheet itself stays one page for up to four materials
        "footer_label": pdf.css_string(
            " · ".join(
                x for x in (session.title[:80], timezone.localtime().strftime("%H:%M %d/%m/%Y"), printed_by) if x
            )
        ),
    }
    return pdf.render_pdf("materials/qr_sheet_pdf.html", context)


def cell_message(
    *, cell: Organisation, session: StudySession, items: Sequence[tuple[Material, str]], secret_count: int = 0
) -> str:
    """The text a cell secretary pastes into the cell's chat group: greeting, session, numbered links."""
    start = timezone.localtime(session.starts_at)
    lines = [
        _("Dear comrades of %(cell)s,") % {"cell": cell.name},
        _("Study materials for “%(session)s” (%(time)s, %(date)s):")
        % {"session": session.title, "time": start.strftime("%H:%M"), "date": start.strftime("%d/%m/%Y")},
    ]
    lines += [f"{number}. {material.title}: {url}" for number, (material, url) in enumerate(items, 1)]
    issuers = list(dict.fromkeys(material.issuing_unit.name for material, _url in items))
    if issuers:
        lines.append(
            _("Issued by %(units)s. Open only links that start with %(host)s.")
            % {
                "units": ", ".join(issuers),
                "host": settings.PORTAL_BASE_URL.split("://", 1)[-1].rstrip("/"),
            }
        )
    if secret_count:
        lines.append(_("Secret materials are not sent online: collect the paper copy at the cell."))
    return "\n".join(lines)
