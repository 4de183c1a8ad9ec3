"""Reads of the materials app. Every list is scoped through organisations.access and aggregates in SQL:
the number of queries of a page does not depend on how many rows it shows.

"Their session" of a cell, for a material of a campaign: among the main sessions of the campaign's family
(the provincial campaign and the committees' plans), the one organised by the nearest organisation above
the cell (longest path prefix), the earliest of those. A material tied to one session uses that session.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Sequence
from dataclasses import dataclass
from functools import reduce
from typing import Any

from django.db import connection
from django.db.models import Count, DateTimeField, IntegerField, Max, Min, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import dateparse, timezone

from campaigns.models import Campaign, StudySession
from organisations import access
from organisations.models import Organisation
from portal.lib.text import fold

from . import codes
from .models import Access, Classification, Material, ShareLink

A = access.Action
SECRET = Classification.SECRET


def _count(qs: QuerySet[Any], ref: str = "material") -> Coalesce:
    """COUNT(*) of ``qs`` rows pointing at the outer row, as a scalar subquery (no join fan-out)."""
    counted = qs.filter(**{ref: OuterRef("pk")}).order_by().values(ref).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _live(qs: QuerySet[ShareLink]) -> QuerySet[ShareLink]:
    return qs.filter(revoked_at__isnull=True).exclude(valid_until__lte=timezone.now())


# --------------------------------------------------------------------------------------------
# Managing
# --------------------------------------------------------------------------------------------


def manage_list(
    *, user: Any, query: str = "", classification: str = "", campaign: int | None = None
) -> QuerySet[Material]:
    """The materials the user may manage (issued in their subtree), newest first, with their figures.

    The search folds diacritics ("tai lieu" finds "Tài liệu"): titles of the user's materials are folded in
    Python (one query for id and title, a few hundred rows per committee), then the page is one query.
    """
    qs = access.visible(Material.objects.all(), user, A.MANAGE_CAMPAIGNS)
    if classification:
        qs = qs.filter(classification=classification)
    if campaign:
        qs = qs.filter(Q(campaign_id=campaign) | Q(campaign__parent_id=campaign))
    if query.strip():
        words = fold(query).split()
        ids = [pk for pk, title in qs.values_list("pk", "title") if all(w in fold(title) for w in words)]
        qs = qs.filter(pk__in=ids)
    return (
        qs.select_related("campaign", "issuing_unit", "session", "document")
        .annotate(
            views=_count(Access.objects.filter(kind=Access.Kind.VIEW)),
            downloads=_count(Access.objects.filter(kind=Access.Kind.DOWNLOAD)),
            live_links=_count(_live(ShareLink.objects.all())),
        )
        .order_by("-created_at", "-pk")
    )


def manage_campaigns(*, user: Any) -> list[Campaign]:
    """Campaigns to filter the management list by: those with materials the user manages (one query)."""
    managed = access.visible(Material.objects.all(), user, A.MANAGE_CAMPAIGNS).filter(campaign__isnull=False)
    return list(Campaign.objects.filter(pk__in=managed.values("campaign_id")).order_by("-starts_on", "title"))


def recent_sessions(*, user: Any, limit: int = 15) -> list[StudySession]:
    """Sessions the user manages whose campaign family has materials: the QR sheet and cell lists start here."""
    with_materials = Material.objects.filter(published=True).exclude(campaign__isnull=True)
    campaign_ids = with_materials.values("campaign_id")
    return list(
        access.visible(StudySession.objects.all(), user, A.MANAGE_CAMPAIGNS)
        .filter(Q(campaign_id__in=campaign_ids) | Q(campaign__parent_id__in=campaign_ids) | Q(materials__isnull=False))
        .select_related("organisation", "campaign")
        .distinct()
        .order_by("-starts_at")[:limit]
    )


@dataclass
class LinkRow:
    link: ShareLink
    code: str | None
    url: str
    live: bool
    state: str  # live, revoked, expired, pending
    svg: Any = ""  # the QR code, set by the page that shows it


def link_rows(*, material: Material) -> list[LinkRow]:
    """The links of a material with their counts (views, downloads, last scan): one query. Cell links are
    many (one per cell) and listed on the session pages; here only their number (see ``cell_link_count``)."""
    links = (
        material.links.filter(cell__isnull=True)
        .select_related("created_by", "revoked_by")
        .annotate(
            views=_count(Access.objects.filter(kind=Access.Kind.VIEW), "link"),
            downloads=_count(Access.objects.filter(kind=Access.Kind.DOWNLOAD), "link"),
            last_at=Subquery(Access.objects.filter(link=OuterRef("pk")).order_by("-at").values("at")[:1]),
        )
        .order_by("revoked_at", "-created_at")
    )
    now = timezone.now()
    rows = []
    for link in links:
        code = codes.code_of(link)
        if link.revoked_at is not None:
            state = "revoked"
        elif link.valid_until is not None and link.valid_until <= now:
            state = "expired"
        elif link.valid_from is not None and link.valid_from > now:
            state = "pending"
        else:
            state = "live"
        rows.append(
            LinkRow(link=link, code=code, url=codes.link_url(code) if code else "", live=state == "live", state=state)
        )
    return rows


def cell_link_figures(*, material: Material) -> dict[str, int]:
    """How many live cell links the material has and how many cells scanned them (one query)."""
    return _live(material.links.filter(cell__isnull=False)).aggregate(
        links=Count("pk"), scanned=Count("accesses__cell", distinct=True)
    )


def totals(*, material: Material) -> dict[str, Any]:
    """Views, downloads, distinct cells and people, first and last access of a material (one query)."""
    return Access.objects.filter(material=material).aggregate(
        views=Count("pk", filter=Q(kind=Access.Kind.VIEW)),
        downloads=Count("pk", filter=Q(kind=Access.Kind.DOWNLOAD)),
        cells=Count("cell", distinct=True),
        people=Count("person", distinct=True),
        first=Min("at"),
        last=Max("at"),
    )


# --------------------------------------------------------------------------------------------
# Cells and their sessions
# --------------------------------------------------------------------------------------------


def family_ids(campaign: Campaign) -> list[int]:
    root = campaign.parent_id or campaign.pk
    return list(Campaign.objects.filter(Q(pk=root) | Q(parent_id=root)).values_list("pk", flat=True))


def main_sessions(*, material: Material) -> list[StudySession]:
    """The sessions that can be a cell's session for this material (one or two queries)."""
    if material.session_id:
        return list(StudySession.objects.filter(pk=material.session_id).select_related("organisation"))
    if not material.campaign_id:
        return []
    return list(
        StudySession.objects.filter(campaign_id__in=family_ids(material.campaign), kind=StudySession.Kind.MAIN)
        .select_related("organisation")
        .order_by("starts_at")
    )


def session_for(path: str, sessions: Sequence[StudySession]) -> StudySession | None:
    """The session of the cell at ``path``: nearest organiser above it, then the earliest."""
    best: StudySession | None = None
    for session in sessions:
        org_path = session.organisation.path
        if not path.startswith(org_path):
            continue
        if (
            best is None
            or len(org_path) > len(best.organisation.path)
            or (len(org_path) == len(best.organisation.path) and session.starts_at < best.starts_at)
        ):
            best = session
    return best


def cell_rows(*, material: Material) -> QuerySet[Any]:
    """Per cell that opened the material: opens, downloads, first and last access (one grouped query).
    Rows are dicts; ``with_sessions`` adds each row's session and whether it opened before it."""
    return (
        Access.objects.filter(material=material, cell__isnull=False)
        .values("cell_id", "cell__name", "cell__path")
        .annotate(
            opens=Count("pk", filter=Q(kind=Access.Kind.VIEW)),
            downloads=Count("pk", filter=Q(kind=Access.Kind.DOWNLOAD)),
            first=Min("at"),
            last=Max("at"),
        )
        .order_by("-opens", "cell__path")
    )


def with_sessions(rows: Sequence[dict[str, Any]], sessions: Sequence[StudySession]) -> list[dict[str, Any]]:
    """Add ``session`` and ``before`` (first opened before that session started) to cell rows; no query."""
    out = []
    for row in rows:
        session = session_for(row["cell__path"], sessions)
        out.append({**row, "session": session, "before": bool(session and row["first"] < session.starts_at)})
    return out


# --------------------------------------------------------------------------------------------
# Sessions: their materials, their cells
# --------------------------------------------------------------------------------------------


def session_materials(*, session: StudySession) -> list[Material]:
    """The materials handed out at a session, in order: those tied to it, and those of its campaign family
    tied to no session. Secret ones included (the caller shows them without content). One query."""
    campaign_ids = [session.campaign_id, *([session.campaign.parent_id] if session.campaign.parent_id else [])]
    return list(
        Material.objects.filter(Q(session=session) | Q(session__isnull=True, campaign_id__in=campaign_ids))
        .select_related("issuing_unit")
        .order_by("order", "title", "pk")
    )


def session_cell_queryset(*, session: StudySession) -> QuerySet[Organisation]:
    """The cells whose session this is: active cells under its organiser in the campaign's audience, except
    those under a main session of the family organised further down (they have their own). Two queries."""
    audience = list(session.campaign.audience.values_list("path", flat=True))
    cells = Organisation.objects.filter(
        path__startswith=session.organisation.path, kind__in=Organisation.CELL_KINDS, is_active=True
    )
    if audience:
        inside = [Q(path__startswith=p) for p in audience if p.startswith(session.organisation.path)]
        if not any(session.organisation.path.startswith(p) for p in audience):
            cells = cells.filter(reduce(operator.or_, inside)) if inside else cells.none()
    if session.kind == StudySession.Kind.MAIN:
        below = (
            StudySession.objects.filter(
                campaign_id__in=family_ids(session.campaign),
                kind=StudySession.Kind.MAIN,
                organisation__path__startswith=session.organisation.path,
            )
            .exclude(organisation_id=session.organisation_id)
            .values_list("organisation__path", flat=True)
        )
        for path in set(below):
            cells = cells.exclude(path__startswith=path)
    return cells


def session_cells(
    *,
    session: StudySession,
    materials: Sequence[Material],
    state: str = "",
    cells: QuerySet[Organisation] | None = None,
) -> QuerySet[Organisation]:
    """The session's cells (``cells``, default ``session_cell_queryset``) with their first opening of any of
    ``materials`` (``first_open``) and how many openings, filtered by ``state``: before (the session), after,
    never. One query (per page)."""
    accesses = Access.objects.filter(material__in=[m.pk for m in materials], cell=OuterRef("pk"))
    base = cells if cells is not None else session_cell_queryset(session=session)
    cells = base.annotate(
        first_open=Subquery(accesses.order_by("at").values("at")[:1]),
        opens=_count(Access.objects.filter(material__in=[m.pk for m in materials], kind=Access.Kind.VIEW), "cell"),
    )
    if state == "before":
        cells = cells.filter(first_open__lt=session.starts_at)
    elif state == "after":
        cells = cells.filter(first_open__gte=session.starts_at)
    elif state == "never":
        cells = cells.filter(first_open__isnull=True)
    return cells.order_by("path")


def session_cell_counts(
    *, session: StudySession, materials: Sequence[Material], cells: QuerySet[Organisation] | None = None
) -> dict[str, int]:
    """How many of the session's cells opened a material before it, after it, never (one query)."""
    cells = session_cells(session=session, materials=materials, cells=cells)
    counts = cells.aggregate(
        total=Count("pk"),
        before=Count("pk", filter=Q(first_open__lt=session.starts_at)),
        after=Count("pk", filter=Q(first_open__gte=session.starts_at)),
    )
    counts["never"] = counts["total"] - counts["before"] - counts["after"]
    return counts


def cell_links(
    *, cells: Sequence[Organisation], materials: Sequence[Material]
) -> dict[int, list[tuple[Material, str]]]:
    """For each cell, its live links to ``materials`` (in the materials' order) with their codes. One query."""
    order = {m.pk: i for i, m in enumerate(materials)}
    by_pk = {m.pk: m for m in materials}
    out: dict[int, list[tuple[Material, str]]] = {c.pk: [] for c in cells}
    links = _live(ShareLink.objects.filter(cell__in=[c.pk for c in cells], material_id__in=list(by_pk))).order_by(
        "created_at"
    )
    seen: set[tuple[int, int]] = set()
    for link in links:
        key = (link.cell_id, link.material_id)
        code = codes.code_of(link)
        if key in seen or code is None:
            continue
        seen.add(key)
        out[link.cell_id].append((by_pk[link.material_id], codes.link_url(code)))
    for items in out.values():
        items.sort(key=lambda item: order[item[0].pk])
    return out


def general_links(*, materials: Sequence[Material]) -> dict[int, str]:
    """For each material, the URL of its newest live general link (not made for a cell). One query."""
    out: dict[int, str] = {}
    links = _live(ShareLink.objects.filter(material_id__in=[m.pk for m in materials], cell__isnull=True))
    for link in links.exclude(valid_from__gt=timezone.now()).order_by("-created_at"):
        if link.material_id in out:
            continue
        code = codes.code_of(link)
        if code:
            out[link.material_id] = codes.link_url(code)
    return out


# --------------------------------------------------------------------------------------------
# Members: "Tài liệu học tập"
# --------------------------------------------------------------------------------------------


def study_list(*, user: Any) -> QuerySet[Material]:
    """What a participant may read, grouped by campaign, in order: the published materials they may VIEW
    (campaigns whose audience covers them), each with when they last opened it; and, as placeholders
    without content, the secret materials of those campaigns (handed out on paper). One query."""
    scope = access.scope_of(user)
    qs = access.visible(Material.objects.all(), user, A.VIEW).filter(
        Q(published=True) | Q(classification=SECRET), campaign__isnull=False
    )
    opened: Any = Value(None, output_field=DateTimeField())
    if scope.person_id is not None:
        opened = Subquery(
            Access.objects.filter(material=OuterRef("pk"), person_id=scope.person_id).order_by("-at").values("at")[:1]
        )
    return (
        qs.select_related("campaign", "issuing_unit", "document", "session")
        .annotate(opened_at=opened)
        .order_by("-campaign__starts_on", "campaign_id", "order", "title", "pk")
    )


def last_opened(*, user: Any, material: Material) -> dt.datetime | None:
    scope = access.scope_of(user)
    if scope.person_id is None:
        return None
    return (
        Access.objects.filter(material=material, person_id=scope.person_id)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )


# --------------------------------------------------------------------------------------------
# Share links
# --------------------------------------------------------------------------------------------


def link_get(code: str) -> ShareLink | None:
    """The link whose code this is, with its material, or None: one indexed query on the code's hash."""
    if not codes.is_well_formed(code):
        return None
    qs = ShareLink.objects.filter(code_hash=codes.hash_code(code)).select_related(
        "material__issuing_unit", "material__document", "material__campaign"
    )
    try:
        return qs.get()
    except ShareLink.DoesNotExist:
        return None


@dataclass(frozen=True)
class LinkState:
    """What deciding whether a link leads anywhere needs: the link's state and its material's."""

    id: int
    cell_id: int | None
    material_id: int
    revoked_at: dt.datetime | None
    valid_from: dt.datetime | None
    valid_until: dt.datetime | None
    link_classification: str
    published: bool
    classification: str
    updated_at: dt.datetime

    @property
    def is_secret(self) -> bool:
        return self.classification == SECRET or self.link_classification == SECRET


_STATE_COLUMNS = (
    "id",
    "cell_id",
    "material_id",
    "revoked_at",
    "valid_from",
    "valid_until",
    "material_classification",
    "material__published",
    "material__classification",
    "material__updated_at",
)
_state_sql: dict[str, str] = {}


def link_state(code: str) -> LinkState | None:
    """The state of the link whose code this is, or None. The hottest query of the portal (every scan of a
    printed code runs it): its SQL is compiled once per database vendor, then only executed."""
    if not codes.is_well_formed(code):
        return None
    vendor = connection.vendor
    if vendor not in _state_sql:
        qs = ShareLink.objects.filter(code_hash="?").values_list(*_STATE_COLUMNS)
        sql, _params = qs.query.sql_with_params()
        _state_sql[vendor] = sql
    with connection.cursor() as cursor:
        cursor.execute(_state_sql[vendor], [codes.hash_code(code)])
        row = cursor.fetchone()
    if row is None:
        return None
    link_id, cell_id, material_id, revoked, start, until, link_class, published, classification, updated = row
    return LinkState(
        id=link_id,
        cell_id=cell_id,
        material_id=material_id,
        revoked_at=_aware(revoked),
        valid_from=_aware(start),
        valid_until=_aware(until),
        link_classification=link_class,
        published=bool(published),
        classification=classification,
        updated_at=_aware(updated) or timezone.now(),
    )


def _aware(value: Any) -> dt.datetime | None:
    """A datetime column read by a raw cursor: PostgreSQL gives aware datetimes, SQLite text in UTC."""
    if value is None or isinstance(value, dt.datetime) and timezone.is_aware(value):
        return value
    parsed = value if isinstance(value, dt.datetime) else dateparse.parse_datetime(str(value))
    if parsed is None:
        return None
    return parsed if timezone.is_aware(parsed) else parsed.replace(tzinfo=dt.UTC)


def cells_missing_links(*, cells: QuerySet[Organisation], materials: Sequence[Material]) -> int:
    """How many of ``cells`` lack a live link to at least one of ``materials`` (one query)."""
    if not materials:
        return 0
    links = _live(ShareLink.objects.filter(material_id__in=[m.pk for m in materials], cell=OuterRef("pk")))
    per_cell = links.order_by().values("cell").annotate(n=Count("material", distinct=True)).values("n")
    return (
        cells.annotate(linked=Coalesce(Subquery(per_cell, output_field=IntegerField()), Value(0)))
        .filter(linked__lt=len(materials))
        .count()
    )
