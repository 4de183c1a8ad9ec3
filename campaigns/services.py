"""Writes of the campaigns app: documents, campaigns (status, cascade), study sessions with speakers and points.

Each service takes keyword-only arguments, runs in one transaction with its audit entry, enforces the
domain rules and raises DomainError with a translated message. Who may call it is decided by the
caller through organisations.access (views and the admin authorise, then call one service).
Attendance writes live in campaigns/attendance.py.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from organisations import audit
from organisations.models import AuditEntry, Organisation
from portal.lib.errors import DomainError
from portal.lib.text import fold

from .models import Campaign, ConnectionPoint, Document, Speaker, StudySession

DOCUMENT_FIELDS = ("kind", "number_symbol", "issuing_body", "conference", "issued_on", "title", "summary")
CAMPAIGN_FIELDS = (
    "title",
    "organisation",
    "include_official",
    "include_probationary",
    "include_non_party",
    "starts_on",
    "ends_on",
    "essay_required",
    "essay_deadline",
    "essay_cutoff",
    "essay_min_words",
    "target_rate",
    "status",
)
# What a committee may adapt in its own plan; the rest follows the provincial campaign.
PLAN_FIELDS = ("title", "starts_on", "ends_on", "essay_deadline", "essay_cutoff")
# Settings a plan always takes from its provincial campaign (copied again whenever that one changes).
INHERITED_FIELDS = (
    "include_official",
    "include_probationary",
    "include_non_party",
    "essay_required",
    "essay_min_words",
    "target_rate",
)
SESSION_FIELDS = ("organisation", "title", "kind", "format", "starts_at", "ends_at", "venue", "discussion_summary")
SPEAKER_FIELDS = ("name", "title", "unit", "topic")
POINT_FIELDS = ("host", "venue", "person_in_charge")
# A cascade gives one plan to each directly-subordinate Party committee of the organiser.
CASCADE_KINDS = (Organisation.Kind.COMMITTEE, Organisation.Kind.GRASSROOTS)

S = Campaign.Status


def _clean(obj: Any, *, exclude: Iterable[str] = ()) -> None:
    """Model validation as a DomainError (the first message), so every caller shows it the same way."""
    try:
        obj.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise DomainError(str(messages[0]), field=None if field == "__all__" else field) from None


# --------------------------------------------------------------------------------------------
# Documents
# --------------------------------------------------------------------------------------------


def document_search_text(document: Document) -> str:
    """The folded text a document search matches against (number, title, summary, conference)."""
    return fold(" ".join([document.number_symbol, document.title, document.summary, document.conference]))


@transaction.atomic
def document_save(*, actor: Any, document: Document | None = None, **fields: Any) -> Document:
    """Create a document (``document`` None) or change one; refuses a second one with the same number and date."""
    creating = document is None
    before = {} if creating else audit.snapshot(Document.objects.get(pk=document.pk), DOCUMENT_FIELDS)
    document = document or Document()
    for key, value in fields.items():
        if key not in DOCUMENT_FIELDS:
            raise TypeError(f"document_save() got an unexpected field {key!r}")
        setattr(document, key, value)
    document.number_symbol = " ".join((document.number_symbol or "").split())
    _clean(document, exclude=["search_text"])
    duplicate = Document.objects.filter(number_symbol__iexact=document.number_symbol, issued_on=document.issued_on)
    if duplicate.exclude(pk=document.pk).exists():
        raise DomainError(
            _("The document %(number)s of %(date)s is already recorded.")
            % {"number": document.number_symbol, "date": document.issued_on.strftime("%d/%m/%Y")},
            field="number_symbol",
        )
    document.search_text = document_search_text(document)
    document.save()
    changes = audit.diff(before, audit.snapshot(document, DOCUMENT_FIELDS))
    if changes:
        audit.record(actor=actor, action="create" if creating else "update", target=document, changes=changes)
    return document


# --------------------------------------------------------------------------------------------
# Campaigns
# --------------------------------------------------------------------------------------------


def _campaign_snapshot(campaign: Campaign) -> dict[str, Any]:
    data = audit.snapshot(campaign, CAMPAIGN_FIELDS)
    if campaign.pk:
        data["documents"] = sorted(str(d) for d in campaign.documents.all())
        data["audience"] = sorted(str(o) for o in campaign.audience.all())
    return data


def _check_audience(campaign: Campaign, audience: Sequence[Organisation]) -> None:
    if not audience:
        raise DomainError(_("Choose at least one organisation whose people must study."), field="audience")
    organiser = campaign.organisation
    for org in audience:
        if not org.path.startswith(organiser.path):
            raise DomainError(
                _("%(org)s is not under %(organiser)s, which organises this campaign.")
                % {"org": org.name, "organiser": organiser.name},
                field="audience",
            )
    if campaign.parent_id is not None:
        parent_paths = [o.path for o in campaign.parent.audience.all()]
        for org in audience:
            if not any(org.path.startswith(p) for p in parent_paths):
                raise DomainError(
                    _("%(org)s is outside the audience of the provincial campaign.") % {"org": org.name},
                    field="audience",
                )


def _check_campaign(campaign: Campaign) -> None:
    _clean(campaign, exclude=["documents", "audience", "parent", "created_by"])
    if campaign.ends_on < campaign.starts_on:
        raise DomainError(_("The campaign cannot end before it starts."), field="ends_on")
    if not campaign.person_kinds:
        raise DomainError(_("Choose at least one kind of participant."), field="include_official")
    if campaign.essay_deadline and campaign.essay_cutoff and campaign.essay_cutoff < campaign.essay_deadline:
        raise DomainError(_("Late submissions cannot close before the essay deadline."), field="essay_cutoff")
    if campaign.organisation.is_cell:
        raise DomainError(_("A campaign is organised by a committee, not by a party cell."), field="organisation")
    parent = campaign.parent
    if parent is not None and not (parent.starts_on <= campaign.starts_on and campaign.ends_on <= parent.ends_on):
        raise DomainError(
            _("A plan must lie within the provincial campaign's period (%(start)s – %(end)s).")
            % {"start": parent.starts_on.strftime("%d/%m/%Y"), "end": parent.ends_on.strftime("%d/%m/%Y")},
            field="starts_on",
        )


@transaction.atomic
def campaign_create(
    *,
    actor: Any,
    documents: Sequence[Document],
    audience: Sequence[Organisation],
    **fields: Any,
) -> Campaign:
    """Create a (root) campaign in draft for ``documents`` and the people under ``audience``."""
    if not documents:
        raise DomainError(_("Choose at least one document to study."), field="documents")
    unknown = set(fields) - set(CAMPAIGN_FIELDS)
    if unknown:
        raise TypeError(f"campaign_create() got unexpected fields {sorted(unknown)}")
    fields.setdefault("status", S.DRAFT)
    campaign = Campaign(created_by=actor if getattr(actor, "pk", None) else None, **fields)
    _check_campaign(campaign)
    _check_audience(campaign, audience)
    campaign.save()
    campaign.documents.set(documents)
    campaign.audience.set(audience)
    audit.record(
        actor=actor,
        action="create",
        target=campaign,
        organisation=campaign.organisation,
        changes=audit.diff({}, _campaign_snapshot(campaign)),
    )
    return campaign


@transaction.atomic
def campaign_update(
    *,
    actor: Any,
    campaign: Campaign,
    documents: Sequence[Document] | None = None,
    audience: Sequence[Organisation] | None = None,
    **fields: Any,
) -> Campaign:
    """Change a campaign's settings. A plan may change only PLAN_FIELDS; a closed campaign nothing.

    The status moves only through campaign_open / campaign_close / campaign_reopen.
    """
    current = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if current.status == S.CLOSED:
        raise DomainError(_("This campaign is closed: reopen it before changing it."))
    allowed = PLAN_FIELDS if current.parent_id else tuple(f for f in CAMPAIGN_FIELDS if f != "status")
    unknown = set(fields) - set(allowed)
    if current.parent_id and (documents is not None or audience is not None):
        unknown.add("documents" if documents is not None else "audience")
    if unknown:
        raise DomainError(
            _("These settings follow the provincial campaign: %(fields)s.") % {"fields": ", ".join(sorted(unknown))}
        )
    before = _campaign_snapshot(current)
    for key, value in fields.items():
        setattr(campaign, key, value)
    campaign.status = current.status
    campaign.parent_id = current.parent_id
    if campaign.organisation_id != current.organisation_id and current.plans.exists():
        raise DomainError(_("A cascaded campaign keeps its organising committee."), field="organisation")
    _check_campaign(campaign)
    if audience is not None:
        _check_audience(campaign, audience)
    elif campaign.organisation_id != current.organisation_id:
        _check_audience(campaign, list(current.audience.all()))
    if documents is not None and not documents:
        raise DomainError(_("Choose at least one document to study."), field="documents")
    campaign.save()
    if documents is not None:
        campaign.documents.set(documents)
    if audience is not None:
        campaign.audience.set(audience)
    if not current.parent_id:
        _update_plans(campaign, documents=documents, audience=audience)
    changes = audit.diff(before, _campaign_snapshot(campaign))
    if changes:
        audit.record(actor=actor, action="update", target=campaign, organisation=campaign.organisation, changes=changes)
    return campaign


def _update_plans(
    campaign: Campaign, *, documents: Sequence[Document] | None, audience: Sequence[Organisation] | None
) -> None:
    """Carry a provincial campaign's change down to its plans: inherited settings, documents, audience."""
    plans = list(campaign.plans.select_related("organisation"))
    if not plans:
        return
    Campaign.objects.filter(parent=campaign).update(**{f: getattr(campaign, f) for f in INHERITED_FIELDS})
    for plan in plans:
        if documents is not None:
            plan.documents.set(documents)
        if audience is not None:
            plan_audience = _plan_audience(plan.organisation, audience)
            if not plan_audience:
                raise DomainError(
                    _("%(org)s already has its own plan: it cannot leave the audience.")
                    % {"org": plan.organisation.name},
                    field="audience",
                )
            plan.audience.set(plan_audience)


def _set_status(*, actor: Any, campaign: Campaign, status: str, action: str, cascade_from: Iterable[str]) -> Campaign:
    previous = campaign.status
    Campaign.objects.filter(pk=campaign.pk).update(status=status)
    campaign.status = status
    plans = list(campaign.plans.filter(status__in=list(cascade_from)).select_related("organisation"))
    if plans:
        Campaign.objects.filter(pk__in=[p.pk for p in plans]).update(status=status)
    audit.record(
        actor=actor,
        action=action,
        target=campaign,
        organisation=campaign.organisation,
        changes={"status": [str(S(previous).label), str(S(status).label)], "plans": len(plans)},
    )
    audit.record_many(
        [
            AuditEntry(
                actor=actor if getattr(actor, "pk", None) else None,
                action=action,
                target_type="campaigns.campaign",
                target_id=str(p.pk),
                target_repr=str(p)[:255],
                organisation=p.organisation,
                changes={"status": [str(S(p.status).label), str(S(status).label)], "by": str(campaign)},
            )
            for p in plans
        ]
    )
    return campaign


def _locked(campaign: Campaign) -> Campaign:
    return Campaign.objects.select_for_update(of=("self",)).select_related("parent", "organisation").get(pk=campaign.pk)


@transaction.atomic
def campaign_open(*, actor: Any, campaign: Campaign) -> Campaign:
    """draft -> open; the campaign's plans still in draft open with it. A plan opens only under an open campaign."""
    current = _locked(campaign)
    if current.status != S.DRAFT:
        raise DomainError(_("Only a draft campaign can be opened."))
    if current.parent is not None and current.parent.status != S.OPEN:
        raise DomainError(_("The provincial campaign is not open yet."))
    if not current.documents.exists():
        raise DomainError(_("Choose at least one document to study."))
    if not current.audience.exists():
        raise DomainError(_("Choose at least one organisation whose people must study."))
    _set_status(actor=actor, campaign=current, status=S.OPEN, action="open", cascade_from=[S.DRAFT])
    campaign.status = current.status
    return current


@transaction.atomic
def campaign_close(*, actor: Any, campaign: Campaign) -> Campaign:
    """open -> closed: attendance becomes read-only. Closing a campaign closes its plans."""
    current = _locked(campaign)
    if current.status != S.OPEN:
        raise DomainError(_("Only an open campaign can be closed."))
    _set_status(actor=actor, campaign=current, status=S.CLOSED, action="close", cascade_from=[S.OPEN, S.DRAFT])
    campaign.status = current.status
    return current


@transaction.atomic
def campaign_reopen(*, actor: Any, campaign: Campaign) -> Campaign:
    """closed -> open (e.g. to enter late attendance); its closed plans reopen with it."""
    current = _locked(campaign)
    if current.status != S.CLOSED:
        raise DomainError(_("Only a closed campaign can be reopened."))
    if current.parent is not None and current.parent.status != S.OPEN:
        raise DomainError(_("The provincial campaign is closed: reopen it first."))
    _set_status(actor=actor, campaign=current, status=S.OPEN, action="reopen", cascade_from=[S.CLOSED])
    campaign.status = current.status
    return current


def _plan_audience(committee: Organisation, parent_audience: Sequence[Organisation]) -> list[Organisation]:
    """committee's subtree ∩ the parent's audience, as a list of subtree roots."""
    if any(committee.path.startswith(org.path) for org in parent_audience):
        return [committee]
    return [org for org in parent_audience if org.path.startswith(committee.path)]


def cascade_targets(
    campaign: Campaign, *, audience: Sequence[Organisation] | None = None
) -> list[tuple[Organisation, list[Organisation]]]:
    """The committees that a cascade of ``campaign`` would give a plan now, each with that plan's audience.

    Directly-subordinate committees of the organiser, in the audience, without a plan yet (1-3 queries).
    """
    if campaign.parent_id is not None:
        return []
    audience = list(campaign.audience.all()) if audience is None else audience
    committees = (
        Organisation.objects.filter(parent=campaign.organisation_id, kind__in=CASCADE_KINDS, is_active=True)
        .exclude(pk__in=campaign.plans.values("organisation_id"))
        .order_by("path")
    )
    targets = [(committee, _plan_audience(committee, audience)) for committee in committees]
    return [(committee, plan_audience) for committee, plan_audience in targets if plan_audience]


@dataclass(frozen=True)
class CascadeResult:
    created: list[Campaign]
    existing: int


@transaction.atomic
def campaign_cascade(*, actor: Any, campaign: Campaign) -> CascadeResult:
    """Give each directly-subordinate committee in the audience its own plan under ``campaign``.

    A plan copies the campaign's documents, participants, period, essay settings, target and status;
    its audience is the committee's subtree ∩ the campaign's audience. Idempotent: committees that
    already have a plan keep it unchanged.
    """
    current = _locked(campaign)
    if current.parent_id is not None:
        raise DomainError(_("A plan cannot be cascaded further."))
    if current.status == S.CLOSED:
        raise DomainError(_("This campaign is closed: reopen it before changing it."))
    audience = list(current.audience.all())
    documents = list(current.documents.all())
    have_plan = set(current.plans.values_list("organisation_id", flat=True))
    created: list[Campaign] = []
    for committee, plan_audience in cascade_targets(current, audience=audience):
        plan = Campaign(
            parent=current,
            organisation=committee,
            **{f: getattr(current, f) for f in CAMPAIGN_FIELDS if f != "organisation"},
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        plan.save()
        plan.documents.set(documents)
        plan.audience.set(plan_audience)
        created.append(plan)
    if not created and not have_plan:
        raise DomainError(_("No directly-subordinate committee lies in this campaign's audience."))
    if created:
        audit.record(
            actor=actor,
            action="cascade",
            target=current,
            organisation=current.organisation,
            changes={"plans": [p.organisation.name for p in created]},
        )
    return CascadeResult(created=created, existing=len(have_plan))


# --------------------------------------------------------------------------------------------
# Study sessions
# --------------------------------------------------------------------------------------------


@dataclass
class ChildRow:
    """One speaker or connection point as submitted: ``pk`` None for a new one; ``delete`` to remove it."""

    fields: dict[str, Any]
    pk: int | None = None
    delete: bool = False


def _session_snapshot(session: StudySession) -> dict[str, Any]:
    return audit.snapshot(session, SESSION_FIELDS)


def _check_session(session: StudySession, campaign: Campaign) -> None:
    _clean(session, exclude=["campaign", "checkin_secret"])
    if session.ends_at <= session.starts_at:
        raise DomainError(_("The session must end after it starts."), field="ends_at")
    if not session.organisation.path.startswith(campaign.organisation.path):
        raise DomainError(
            _("%(org)s is not under %(organiser)s, which organises this campaign.")
            % {"org": session.organisation.name, "organiser": campaign.organisation.name},
            field="organisation",
        )
    if session.organisation.is_cell and session.organisation.kind != Organisation.Kind.GRASSROOTS_CELL:
        raise DomainError(
            _("A study session is organised by a committee or a grassroots organisation."), field="organisation"
        )


def _apply_children(
    *,
    session: StudySession,
    model: type[Speaker] | type[ConnectionPoint],
    rows: Sequence[ChildRow],
    fields: Sequence[str],
) -> dict[str, list[str]]:
    existing = {obj.pk: obj for obj in model.objects.filter(session=session)}
    added, changed, removed = [], [], []
    for row in rows:
        obj = existing.get(row.pk) if row.pk else None
        if row.pk and obj is None:
            raise DomainError(_("The form is out of date: reload the page and try again."))
        if row.delete:
            if obj is not None:
                removed.append(str(obj))
                obj.delete()
            continue
        obj = obj or model(session=session)
        before = audit.snapshot(obj, fields) if obj.pk else None
        for key in fields:
            if key in row.fields:
                setattr(obj, key, row.fields[key])
        _clean(obj, exclude=["session"])
        obj.save()
        if before is None:
            added.append(str(obj))
        elif audit.diff(before, audit.snapshot(obj, fields)):
            changed.append(str(obj))
    out = {"added": added, "changed": changed, "removed": removed}
    return {k: v for k, v in out.items() if v}


def _check_hosts_unique(session: StudySession, rows: Sequence[ChildRow]) -> None:
    """Refuse the same host twice before writing (the unique constraint would fail half-way)."""
    final = dict(ConnectionPoint.objects.filter(session=session).values_list("pk", "host_id")) if session.pk else {}
    added = []
    for row in rows:
        host = row.fields.get("host")
        if row.delete:
            final.pop(row.pk, None)
        elif row.pk:
            if host is not None:
                final[row.pk] = host.pk
        elif host is not None:
            added.append(host.pk)
    hosts = [*final.values(), *added]
    if len(set(hosts)) != len(hosts):
        raise DomainError(_("Each organisation hosts at most one connection point of a session."))


def _check_points(session: StudySession, campaign: Campaign) -> None:
    points = list(ConnectionPoint.objects.filter(session=session).select_related("host"))
    if points and session.format == StudySession.Format.IN_PERSON:
        raise DomainError(_("An in-person session has no connection points: choose online or hybrid."), field="format")
    hosts = [p.host for p in points]
    if len({h.pk for h in hosts}) != len(hosts):
        raise DomainError(_("Each organisation hosts at most one connection point of a session."))
    for host in hosts:
        if not host.path.startswith(session.organisation.path):
            raise DomainError(
                _("The connection point at %(host)s is not under %(org)s, which organises the session.")
                % {"host": host.name, "org": session.organisation.name}
            )


@transaction.atomic
def session_save(
    *,
    actor: Any,
    campaign: Campaign,
    session: StudySession | None = None,
    speakers: Sequence[ChildRow] = (),
    points: Sequence[ChildRow] = (),
    **fields: Any,
) -> StudySession:
    """Create or change a study session of ``campaign`` with its speakers and connection points.

    Refused for a closed campaign, a session organised outside the campaign's organiser, an in-person
    session with connection points, a point hosted outside the session's organisation, or the same host
    twice. Everything is saved or nothing.
    """
    locked = Campaign.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=campaign.pk)
    if locked.status == S.CLOSED:
        raise DomainError(_("This campaign is closed: reopen it before changing it."))
    creating = session is None
    if not creating and session.campaign_id != locked.pk:
        raise DomainError(_("This session belongs to another campaign."))
    unknown = set(fields) - set(SESSION_FIELDS)
    if unknown:
        raise TypeError(f"session_save() got unexpected fields {sorted(unknown)}")
    before = {} if creating else _session_snapshot(StudySession.objects.get(pk=session.pk))
    session = session or StudySession(campaign=locked, checkin_secret=secrets.token_hex(32))
    for key, value in fields.items():
        setattr(session, key, value)
    _check_session(session, locked)
    _check_hosts_unique(session, points)
    session.save()
    changes: dict[str, Any] = audit.diff(before, _session_snapshot(session))
    speaker_changes = _apply_children(session=session, model=Speaker, rows=speakers, fields=SPEAKER_FIELDS)
    point_changes = _apply_children(session=session, model=ConnectionPoint, rows=points, fields=POINT_FIELDS)
    _check_points(session, locked)
    if speaker_changes:
        changes["speakers"] = speaker_changes
    if point_changes:
        changes["connection points"] = point_changes
    if changes:
        audit.record(
            actor=actor,
            action="create" if creating else "update",
            target=session,
            organisation=session.organisation,
            changes=changes,
        )
    return session


def default_session_times(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """A half-day session (7:30-11:30 local time) on ``day``: the usual slot, offered as the form's default."""
    from django.utils import timezone

    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time(7, 30), tzinfo=tz)
    return start, start + dt.timedelta(hours=4)


def target_ratio(campaign: Campaign) -> Decimal:
    """The target participation rate as a ratio (90.00 -> 0.9)."""
    return Decimal(campaign.target_rate) / 100
