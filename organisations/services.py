"""Writes to the organisation tree, people and grants. Each runs in one transaction with its audit entry."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import F, Max, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.lib.errors import DomainError

from . import audit
from .models import STEP, Membership, Organisation, Person, RoleGrant

ORG_FIELDS = ("name", "short_name", "symbol", "kind", "parent", "is_active")
PERSON_FIELDS = (
    "full_name",
    "date_of_birth",
    "gender",
    "card_number",
    "kind",
    "status",
    "organisation",
    "phone",
    "email",
)


def _next_child_path(parent: Organisation | None) -> str:
    """The path for a new last child of ``parent`` (or a new root). Locks the parent row."""
    if parent is None:
        siblings = Organisation.objects.filter(depth=0)
        prefix = ""
    else:
        Organisation.objects.select_for_update().filter(pk=parent.pk).first()
        siblings = Organisation.objects.filter(path__startswith=parent.path, depth=parent.depth + 1)
        prefix = parent.path
    last = siblings.aggregate(m=Max("path"))["m"]
    number = int(last[-STEP:]) + 1 if last else 1
    if number >= 10**STEP:
        raise DomainError(_("This organisation cannot hold more sub-organisations."))
    return f"{prefix}{number:0{STEP}d}"


@transaction.atomic
def organisation_create(*, actor: Any, parent: Organisation | None, **fields: Any) -> Organisation:
    """Create an organisation as the last child of ``parent``."""
    if parent is not None and parent.is_cell:
        raise DomainError(_("A party cell cannot have sub-organisations."), field="parent")
    path = _next_child_path(parent)
    org = Organisation(parent=parent, path=path, depth=len(path) // STEP - 1, **fields)
    org.search_name = _fold_org(org)
    org.full_clean(exclude=["path", "depth", "search_name"])
    org.save()
    audit.record(
        actor=actor,
        action="create",
        target=org,
        organisation=org,
        changes=audit.diff({}, audit.snapshot(org, ORG_FIELDS)),
    )
    return org


def _fold_org(org: Organisation) -> str:
    from portal.lib.text import fold

    return fold(f"{org.name} {org.short_name}")


@transaction.atomic
def organisation_update(*, actor: Any, org: Organisation, **fields: Any) -> Organisation:
    """Rename or change an organisation's data. A change of parent is a move (see organisation_move)."""
    before = audit.snapshot(Organisation.objects.get(pk=org.pk), ORG_FIELDS)
    new_parent = fields.pop("parent", org.parent)
    for key, value in fields.items():
        setattr(org, key, value)
    org.search_name = _fold_org(org)
    org.full_clean(exclude=["path", "depth", "search_name", "parent"])
    org.save()
    if (new_parent.pk if new_parent else None) != org.parent_id:
        organisation_move(actor=actor, org=org, new_parent=new_parent, _audit=False)
        org.refresh_from_db()
    changes = audit.diff(before, audit.snapshot(org, ORG_FIELDS))
    if changes:
        audit.record(actor=actor, action="update", target=org, organisation=org, changes=changes)
    return org


@transaction.atomic
def organisation_move(*, actor: Any, org: Organisation, new_parent: Organisation, _audit: bool = True) -> Organisation:
    """Move ``org`` and its whole subtree under ``new_parent``: one UPDATE rewrites every path.

    People, grants and history point at organisations by id, so they move with the subtree.
    """
    org = Organisation.objects.select_for_update().get(pk=org.pk)
    if new_parent is None:
        raise DomainError(_("An organisation cannot be moved to the top of the tree."), field="parent")
    if new_parent.path.startswith(org.path):
        raise DomainError(
            _("An organisation cannot be moved under itself or its own sub-organisation."), field="parent"
        )
    if new_parent.is_cell:
        raise DomainError(_("A party cell cannot have sub-organisations."), field="parent")
    old_path, old_parent = org.path, org.parent
    new_path = _next_child_path(new_parent)
    depth_shift = (len(new_path) - len(old_path)) // STEP
    Organisation.objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
        depth=F("depth") + depth_shift,
    )
    Organisation.objects.filter(pk=org.pk).update(parent=new_parent)
    org.refresh_from_db()
    if _audit:
        audit.record(
            actor=actor,
            action="move",
            target=org,
            organisation=org,
            changes={"parent": [str(old_parent), str(new_parent)]},
        )
    return org


@transaction.atomic
def organisation_deactivate(*, actor: Any, org: Organisation) -> int:
    """Deactivate an organisation and its subtree; refuses while active people still belong there."""
    subtree = Organisation.objects.filter(path__startswith=org.path)
    active_people = Person.objects.filter(organisation__in=subtree, status=Person.Status.ACTIVE).count()
    if active_people:
        raise DomainError(
            _("%(count)s active people still belong to this organisation or below it; transfer them first.")
            % {"count": active_people}
        )
    count = subtree.filter(is_active=True).update(is_active=False)
    audit.record(
        actor=actor,
        action="deactivate",
        target=org,
        organisation=org,
        changes={"is_active": [True, False], "organisations": count},
    )
    return count


@transaction.atomic
def person_create(*, actor: Any, start_date: dt.date | None = None, **fields: Any) -> Person:
    person = Person(**fields)
    person.refresh_derived()
    person.full_clean()
    person.save()
    Membership.objects.create(
        person=person, organisation=person.organisation, start_date=start_date or timezone.localdate()
    )
    audit.record(
        actor=actor,
        action="create",
        target=person,
        organisation=person.organisation,
        changes=audit.diff({}, audit.snapshot(person, PERSON_FIELDS)),
    )
    return person


@transaction.atomic
def person_update(*, actor: Any, person: Person, transfer_date: dt.date | None = None, **fields: Any) -> Person:
    """Change a person's data. A new organisation is a transfer: the history keeps the old one."""
    current = Person.objects.select_for_update().get(pk=person.pk)
    before = audit.snapshot(current, PERSON_FIELDS)
    new_org = fields.pop("organisation", current.organisation)
    for key, value in fields.items():
        setattr(person, key, value)
    person.organisation = current.organisation
    person.refresh_derived()
    person.full_clean()
    person.save()
    if new_org.pk != current.organisation_id:
        person_transfer(actor=actor, person=person, to=new_org, on=transfer_date, _audit=False)
    changes = audit.diff(before, audit.snapshot(person, PERSON_FIELDS))
    if changes:
        audit.record(actor=actor, action="update", target=person, organisation=person.organisation, changes=changes)
    return person


@transaction.atomic
def person_transfer(
    *, actor: Any, person: Person, to: Organisation, on: dt.date | None = None, _audit: bool = True
) -> Person:
    """Move a person to another organisation on a date, closing the open membership period."""
    on = on or timezone.localdate()
    if not to.is_active:
        raise DomainError(_("The organisation %(name)s is no longer active.") % {"name": to.name})
    previous = person.organisation
    open_period = Membership.objects.select_for_update().filter(person=person, end_date__isnull=True).first()
    if open_period is not None:
        if on < open_period.start_date:
            raise DomainError(_("The transfer date is before the person joined their current organisation."))
        open_period.end_date = on
        open_period.save(update_fields=["end_date"])
    Membership.objects.create(person=person, organisation=to, start_date=on)
    Person.objects.filter(pk=person.pk).update(organisation=to)
    person.organisation = to
    if _audit:
        audit.record(
            actor=actor,
            action="transfer",
            target=person,
            organisation=to,
            changes={"organisation": [str(previous), str(to)], "date": on.isoformat()},
        )
    return person


@transaction.atomic
def grant_create(*, actor: Any, user: Any, organisation: Organisation, role: str, can_grade: bool = False) -> RoleGrant:
    from . import access

    if not access.can_grant_role(actor, role, organisation):
        raise DomainError(_("You may not grant this role on this organisation."))
    if role == RoleGrant.Role.SECRETARY and not organisation.is_cell:
        raise DomainError(_("A cell secretary is granted on a party cell."), field="organisation")
    grant, created = RoleGrant.objects.get_or_create(
        user=user,
        organisation=organisation,
        role=role,
        defaults={"can_grade": can_grade, "granted_by": actor if getattr(actor, "pk", None) else None},
    )
    if not created and grant.can_grade != can_grade:
        grant.can_grade = can_grade
        grant.save(update_fields=["can_grade"])
    if role in (RoleGrant.Role.STAFF, RoleGrant.Role.OFFICER) and not user.is_staff:
        user.is_staff = True  # lets Django's admin machinery treat them as admin users
        user.save(update_fields=["is_staff"])
    audit.record(
        actor=actor,
        action="grant",
        target=grant,
        organisation=organisation,
        changes={"user": str(user), "role": grant.get_role_display(), "can_grade": can_grade},
    )
    return grant


@transaction.atomic
def grant_revoke(*, actor: Any, grant: RoleGrant) -> None:
    audit.record(
        actor=actor,
        action="revoke",
        target=grant,
        organisation=grant.organisation,
        changes={"user": str(grant.user), "role": grant.get_role_display()},
    )
    grant.delete()
