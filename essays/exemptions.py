"""Exemptions from the essay (miễn viết thu hoạch): confirming, revoking, and the reads the page needs.

A committee confirms an exemption for one person of a provincial campaign, with a reason; who confirmed it
and when are kept on the row, and every confirmation and revocation leaves an audit entry. Exempt people
leave the essay denominators (``rules.required_people``) and may still write voluntarily.

Services take keyword-only arguments, run in one transaction with their audit entry and raise DomainError
with a translated message. Who may call them is decided by the caller through organisations.access
(MANAGE_CAMPAIGNS on the person's organisation), as in the other apps.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from campaigns import participation
from campaigns.models import Campaign
from organisations import access, audit
from organisations import selectors as people_selectors
from organisations.models import Organisation, Person
from portal.lib.errors import DomainError
from portal.lib.text import fold

from . import rules
from .models import Exemption

A = access.Action
CONFIRM_ACTION = "essay_exemption_confirm"
REVOKE_ACTION = "essay_exemption_revoke"
REASON_MAX = 1000


def _clean_reason(reason: str, *, field: str = "reason") -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise DomainError(_("Give the reason."), field=field)
    if len(reason) > REASON_MAX:
        raise DomainError(_("The reason is too long (at most %(max)s characters).") % {"max": REASON_MAX}, field=field)
    return reason


def _participants(frame: participation.Frame) -> QuerySet[Person]:
    """The people the campaign concerns (expected or excused from Party activities), anywhere in its audience."""
    return Person.objects.filter(
        frame.audience_q(),
        kind__in=frame.kinds,
        status__in=(Person.Status.ACTIVE, Person.Status.EXCUSED),
    )


# --------------------------------------------------------------------------------------------
# Services
# --------------------------------------------------------------------------------------------


def exemption_confirm(*, actor: Any, campaign: Campaign, person: Person, reason: str) -> Exemption:
    """Confirm that ``person`` is exempt from ``campaign``'s essay; audited.

    ``campaign`` may be a committee's plan: the exemption belongs to the provincial campaign (essays do).
    Refused (DomainError) when the campaign asks for no essay, when the person is not among its participants
    (active or excused, of an included kind, in its audience), when they are already exempt, or without a
    reason. A concurrent double confirmation creates one row: the second is refused as "already exempt".
    """
    root = rules.root_of(campaign)
    reason = _clean_reason(reason)
    if not root.essay_required:
        raise DomainError(_("This campaign does not ask for an essay: there is nothing to exempt from."))
    if not _participants(participation.frame_of(root)).filter(pk=person.pk).exists():
        raise DomainError(
            _("%(name)s is not among the people this campaign concerns.") % {"name": person.full_name}, field="person"
        )
    try:
        with transaction.atomic():
            exemption = Exemption.objects.create(campaign=root, person=person, reason=reason, confirmed_by=actor)
            audit.record(
                actor=actor,
                action=CONFIRM_ACTION,
                target=exemption,
                organisation=person.organisation,
                changes={"reason": [None, reason], "campaign": [None, root.title]},
            )
    except IntegrityError:
        raise DomainError(
            _("%(name)s is already exempt from this essay.") % {"name": person.full_name}, field="person"
        ) from None
    return exemption


def exemption_revoke(*, actor: Any, exemption: Exemption, reason: str) -> None:
    """Withdraw an exemption (the person must write again); the row is deleted, the audit entry keeps it all.

    Idempotent: revoking an exemption already revoked (a double submit) changes nothing and raises nothing.
    """
    why = _clean_reason(reason, field="revoke_reason")
    with transaction.atomic():
        row = (
            Exemption.objects.select_for_update(of=("self",))
            .select_related("person__organisation", "campaign", "confirmed_by")
            .filter(pk=exemption.pk)
            .first()
        )
        if row is None:
            return
        audit.record(
            actor=actor,
            action=REVOKE_ACTION,
            target=row,
            organisation=row.person.organisation,
            changes={
                "reason": [row.reason, None],
                "confirmed_by": [_user_label(row.confirmed_by), None],
                "confirmed_at": [row.confirmed_at.isoformat(), None],
                "revoke_reason": why,
            },
        )
        row.delete()


def _user_label(user: Any) -> str | None:
    if user is None:
        return None
    return str(user.get_full_name() or user.get_username())


# --------------------------------------------------------------------------------------------
# Selectors
# --------------------------------------------------------------------------------------------


def manage_roots(*, user: Any, frame: participation.Frame) -> list[Organisation]:
    """Where ``user`` may confirm exemptions for the provincial campaign of ``frame``: its organiser when they
    manage it, else the roots of their MANAGE_CAMPAIGNS scope that lie under it and hold part of its audience
    (one query at most)."""
    root = frame.campaign
    if access.can(user, A.MANAGE_CAMPAIGNS, root.organisation):
        return [root.organisation]
    paths = [p for p in access.scope_of(user).paths(A.MANAGE_CAMPAIGNS) if p.startswith(root.organisation.path)]
    return [org for org in Organisation.objects.filter(path__in=paths).order_by("path") if frame.covers(org)]


def exemption_list(*, user: Any, root: Campaign, query: str = "") -> QuerySet[Exemption]:
    """The campaign's exemptions the user may manage, in Vietnamese name order (one query per page)."""
    qs = access.visible(Exemption.objects.filter(campaign=root), user, A.MANAGE_CAMPAIGNS)
    words = fold(query).split()
    for word in words:
        qs = qs.filter(person__search_name__contains=word)
    return qs.select_related("person__organisation", "confirmed_by").order_by("person__sort_key", "person_id")


def exemption_candidates(*, user: Any, frame: participation.Frame, query: str, limit: int = 20) -> list[Person]:
    """People the user may exempt whose name (diacritics optional) or card number matches ``query``.

    The people search of the organisations app, narrowed to the campaign's participants within the user's
    MANAGE_CAMPAIGNS scope; each row carries ``exempt`` (already exempt). One query.
    """
    if not query.strip():
        return []
    qs = people_selectors.person_list(user=user, query=query)
    qs = access.visible(qs, user, A.MANAGE_CAMPAIGNS, as_participant=False)
    qs = qs.filter(pk__in=_participants(frame).values("pk")).annotate(exempt=rules.exempt_exists(frame.campaign))
    return list(qs[:limit])


def exemption_suggestions(*, user: Any, frame: participation.Frame) -> QuerySet[Person]:
    """People excused from Party activities (for age or health) in the user's scope, not yet exempt.

    They are already out of the participation and essay denominators; confirming their exemption records
    the committee's decision. In Vietnamese name order.
    """
    qs = _participants(frame).filter(status=Person.Status.EXCUSED)
    qs = access.visible(qs, user, A.MANAGE_CAMPAIGNS, as_participant=False)
    return qs.exclude(rules.exempt_exists(frame.campaign)).select_related("organisation").order_by("sort_key", "id")
