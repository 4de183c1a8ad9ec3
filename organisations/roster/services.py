"""The roster import services: preview (writes no Person), apply (all or nothing), cancel."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from organisations import access, audit
from organisations.models import AuditEntry, Membership, Organisation, Person, RosterImport
from portal.lib.errors import DomainError
from portal.lib.text import fold, name_sort_key

from .bulk import chunks, insert_rows, reserve_ids, update_rows
from .plan import CREATE, SAME, UPDATE, Plan, plan_rows
from .reading import read_roster
from .rows import Cells, RowValues, validate_rows


def roster_preview(*, actor: Any, organisation: Organisation, filename: str, data: bytes) -> RosterImport:
    """Read, validate and plan a roster file for ``organisation``; store the plan, write no Person.

    Raises DomainError (nothing stored) when the file as a whole cannot be used. Row problems do
    not raise: they are stored on the RosterImport, and block its confirmation.
    """
    if not access.can(actor, access.Action.IMPORT, organisation):
        raise DomainError(_("You may not import a roster into this organisation."))
    sheet = read_roster(filename=filename, data=data)
    cells = Cells.load(organisation)
    values, errors = validate_rows(sheet, cells)
    plan = plan_rows(actor=actor, organisation=organisation, rows=values, cells=cells, labels=sheet.labels)
    errors = sorted(errors + plan.errors, key=lambda e: e["row"])
    return RosterImport.objects.create(
        created_by=actor if getattr(actor, "pk", None) else None,
        organisation=organisation,
        filename=filename[:255],
        file_sha256=hashlib.sha256(data).hexdigest(),
        rows=plan.rows,
        errors=errors,
        created_count=plan.count(CREATE),
        updated_count=plan.count(UPDATE),
        unchanged_count=plan.count(SAME),
    )


class RosterStale(DomainError):
    """Rows that passed at preview fail now; the new errors are stored on the import."""


def roster_apply(*, actor: Any, roster_import: RosterImport) -> RosterImport:
    """Apply a previewed roster: every row or none, in one transaction, once.

    The RosterImport row is locked, so a second confirm waits and then finds it applied (and
    changes nothing). The stored rows are planned again against today's data; if any row fails
    now, nothing is written to people, the new errors are saved on the import and RosterStale is
    raised. A conflicting write racing us (a unique card number) rolls everything back.
    """
    stale = 0
    try:
        with transaction.atomic():
            imp = (
                RosterImport.objects.select_for_update(of=("self",))
                .select_related("organisation")
                .get(pk=roster_import.pk)
            )
            if imp.status == RosterImport.Status.APPLIED:
                return imp
            if imp.status == RosterImport.Status.CANCELLED:
                raise DomainError(_("This import was cancelled; upload the file again."))
            if imp.errors:
                raise DomainError(
                    _("Correct the errors in the file and upload it again: nothing is imported while any row is wrong.")
                )
            if not access.can(actor, access.Action.IMPORT, imp.organisation):
                raise DomainError(_("You may not import a roster into this organisation."))
            rows = [RowValues.from_json(r) for r in imp.rows]
            plan = plan_rows(actor=actor, organisation=imp.organisation, rows=rows, cells=Cells.load(imp.organisation))
            if plan.errors:
                imp.errors = plan.errors
                imp.created_count, imp.updated_count = plan.count(CREATE), plan.count(UPDATE)
                imp.unchanged_count = plan.count(SAME)
                imp.save(update_fields=["errors", "created_count", "updated_count", "unchanged_count"])
                stale = len({e["row"] for e in plan.errors})
            else:
                _write(actor=actor, imp=imp, plan=plan)
    except IntegrityError:
        raise DomainError(
            _("Someone changed the same people while the roster was being imported. Nothing was saved; confirm again.")
        ) from None
    if stale:
        raise RosterStale(
            _(
                "The data changed since the preview and %(count)s rows can no longer be imported. Nothing was "
                "saved; correct the file and upload it again."
            )
            % {"count": stale}
        )
    return imp


class _Labels:
    """Display values for the audit trail, each label translated once rather than once per row."""

    def __init__(self, names: dict[int, str]) -> None:
        self.names = names
        self.kinds = {k: str(label) for k, label in Person.Kind.choices}
        self.genders = {k: str(label) for k, label in Person.Gender.choices}

    def __call__(self, field: str, value: Any) -> Any:
        if value in ("", None):
            return None
        if field == "organisation":
            return self.names.get(value, str(value))
        if field == "kind":
            return self.kinds.get(value, value)
        if field == "gender":
            return self.genders.get(value, value)
        return value


def _write(*, actor: Any, imp: RosterImport, plan: Plan) -> None:
    """Write the plan: people, memberships, the audit trail, the import's status."""
    today, now = timezone.localdate(), timezone.now()
    ops = connection.ops
    db_today, db_now = ops.adapt_datefield_value(today), ops.adapt_datetimefield_value(now)
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    creates = [r for r in plan.rows if r["op"] == CREATE]
    updates = [r for r in plan.rows if r["op"] == UPDATE]
    org_ids = {r["organisation"] for r in creates} | {
        pk for r in updates if "organisation" in r["changes"] for pk in r["changes"]["organisation"]
    }
    names = dict(Organisation.objects.filter(pk__in=org_ids).values_list("pk", "name")) if org_ids else {}
    label = _Labels(names)

    new_ids = _create_people(creates, db_today=db_today, db_now=db_now)
    _update_people(updates, db_now=db_now)

    # A changed cell is a transfer: close the open period today and open one in the new cell.
    moved = [r for r in updates if "organisation" in r["changes"]]
    for chunk in chunks([r["person"] for r in moved]):
        Membership.objects.filter(person_id__in=chunk, end_date__isnull=True).update(end_date=today)
    note = (_("Roster import") + f" #{imp.pk}")[:255]
    insert_rows(Membership, MEMBERSHIP_COLUMNS, [(r["person"], r["organisation"], db_today, None, note) for r in moved])

    # The trail. Each changed person gets an entry with what changed (their old values are not
    # kept anywhere else). The people created are listed by id in the import's stored plan, which
    # the summary entry points to: 46,000 "create" entries would cost ~40% of the whole confirm.
    audit.record_many([_update_entry(actor_id, r, label, imp) for r in updates])
    for pk, r in zip(new_ids, creates, strict=True):
        r["person"] = pk
    imp.rows = plan.rows
    imp.status = RosterImport.Status.APPLIED
    imp.applied_at = now
    imp.created_count, imp.updated_count = len(creates), len(updates)
    imp.unchanged_count = len(plan.rows) - len(creates) - len(updates)
    imp.save(update_fields=["rows", "status", "applied_at", "created_count", "updated_count", "unchanged_count"])
    audit.record(
        actor=actor,
        action="roster_import",
        target=imp,
        organisation=imp.organisation,
        changes={
            "file": imp.filename,
            "created": imp.created_count,
            "updated": imp.updated_count,
            "unchanged": imp.unchanged_count,
            "transferred": len(moved),
        },
    )


PERSON_COLUMNS = (
    "id", "full_name", "date_of_birth", "gender", "card_number", "kind", "status", "organisation_id", "phone", "email",
    "search_name", "sort_key", "created_at", "updated_at",
)  # fmt: skip
MEMBERSHIP_COLUMNS = ("person_id", "organisation_id", "start_date", "end_date", "note")


def _create_people(creates: list[dict[str, Any]], *, db_today: Any, db_now: Any) -> list[int]:
    """Insert the new people and their first membership; returns their ids in the rows' order."""
    adapt_date = connection.ops.adapt_datefield_value
    new_ids = reserve_ids(Person, len(creates))
    records = [
        # The stored names are already normalised (normalise_name when the file was read).
        (pk, r["full_name"], adapt_date(_date(r["date_of_birth"])), r["gender"], r["card_number"] or None, r["kind"],
         Person.Status.ACTIVE, r["organisation"], r["phone"], r["email"], fold(r["full_name"]),
         name_sort_key(r["full_name"]), db_now, db_now)
        for pk, r in zip(new_ids, creates, strict=True)
    ]  # fmt: skip
    insert_rows(Person, PERSON_COLUMNS, records)
    memberships = [(pk, r["organisation"], db_today, None, "") for pk, r in zip(new_ids, creates, strict=True)]
    insert_rows(Membership, MEMBERSHIP_COLUMNS, memberships)
    return new_ids


def _update_people(updates: list[dict[str, Any]], *, db_now: Any) -> None:
    """Write the changed fields, one UPDATE per set of changed columns."""
    adapt_date = connection.ops.adapt_datefield_value
    groups: dict[tuple[str, ...], list[tuple[Any, ...]]] = defaultdict(list)
    for r in updates:
        values = {f: r["changes"][f][1] for f in sorted(r["changes"])}
        if "date_of_birth" in values:
            values["date_of_birth"] = adapt_date(_date(values["date_of_birth"]))
        if "card_number" in values:
            values["card_number"] = values["card_number"] or None
        if "full_name" in values:
            values["search_name"] = fold(values["full_name"])
            values["sort_key"] = name_sort_key(values["full_name"])
        columns = tuple("organisation_id" if f == "organisation" else f for f in values) + ("updated_at",)
        groups[columns].append((r["person"], *values.values(), db_now))
    for columns, records in groups.items():
        update_rows(Person, columns, records)


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _update_entry(actor_id: int | None, r: dict[str, Any], label: _Labels, imp: RosterImport) -> AuditEntry:
    """The audit entry of one updated person: each changed field's old and new value, and the import."""
    changes: dict[str, Any] = {f: [label(f, old), label(f, new)] for f, (old, new) in r["changes"].items()}
    return AuditEntry(
        actor_id=actor_id,
        action="update",
        target_type=Person._meta.label_lower,
        target_id=str(r["person"]),
        target_repr=r["full_name"][:255],
        organisation_id=r["organisation"],
        changes={**changes, "roster_import": imp.pk},
    )


@transaction.atomic
def roster_cancel(*, actor: Any, roster_import: RosterImport) -> RosterImport:
    """Drop a preview that will not be applied (its stored rows go too)."""
    imp = RosterImport.objects.select_for_update(of=("self",)).get(pk=roster_import.pk)
    if imp.status == RosterImport.Status.APPLIED:
        raise DomainError(_("This roster has already been imported."))
    if imp.status == RosterImport.Status.PREVIEW:
        imp.status = RosterImport.Status.CANCELLED
        imp.rows = []
        imp.save(update_fields=["status", "rows"])
    return imp
