"""Recording the audit trail. Call inside the transaction that makes the change."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db.models import Model
from django.utils.translation import pgettext_lazy

from .models import AuditEntry, Organisation

# What the audit trail shows for each action code (the codes stay in the database as they are). A code
# missing here is shown as it is: add its label when adding an action.
ACTION_LABELS = {
    "create": pgettext_lazy("audit action", "created"),
    "update": pgettext_lazy("audit action", "changed"),
    "delete": pgettext_lazy("audit action", "deleted"),
    "move": pgettext_lazy("audit action", "moved in the tree"),
    "deactivate": pgettext_lazy("audit action", "deactivated"),
    "transfer": pgettext_lazy("audit action", "transferred"),
    "grant": pgettext_lazy("audit action", "role granted"),
    "revoke": pgettext_lazy("audit action", "role revoked"),
    "roster_import": pgettext_lazy("audit action", "roster imported"),
    "activation_sheet": pgettext_lazy("audit action", "activation sheet printed"),
    "activate": pgettext_lazy("audit action", "account activated"),
    "open": pgettext_lazy("audit action", "campaign opened"),
    "close": pgettext_lazy("audit action", "campaign closed"),
    "reopen": pgettext_lazy("audit action", "campaign reopened"),
    "cascade": pgettext_lazy("audit action", "passed down to the committees"),
    "attendance_sheet": pgettext_lazy("audit action", "attendance changed"),
    "attendance_sheet_save": pgettext_lazy("audit action", "attendance sheet saved"),
    "attendance_checkin": pgettext_lazy("audit action", "QR check-in"),
    "attendance_import": pgettext_lazy("audit action", "meeting list imported"),
    "essay_start": pgettext_lazy("audit action", "essay started"),
    "essay_upload": pgettext_lazy("audit action", "essay file uploaded"),
    "essay_file_remove": pgettext_lazy("audit action", "essay file removed"),
    "essay_submit": pgettext_lazy("audit action", "essay submitted"),
    "essay_extraction_failed": pgettext_lazy("audit action", "essay file unreadable"),
    "essay_exemption_confirm": pgettext_lazy("audit action", "exemption confirmed"),
    "essay_exemption_revoke": pgettext_lazy("audit action", "exemption withdrawn"),
    "essay_grade": pgettext_lazy("audit action", "essay graded"),
    "essay_grade_change": pgettext_lazy("audit action", "grade changed"),
    "essay_grades_release": pgettext_lazy("audit action", "grades released"),
    "essay_scale_change": pgettext_lazy("audit action", "grading scale changed"),
    "essay_criteria_change": pgettext_lazy("audit action", "grading criteria changed"),
    "similarity_request": pgettext_lazy("audit action", "similarity check requested"),
    "classify": pgettext_lazy("audit action", "classification changed"),
    "publish": pgettext_lazy("audit action", "published"),
    "unpublish": pgettext_lazy("audit action", "unpublished"),
    "link_create": pgettext_lazy("audit action", "link created"),
    "link_revoke": pgettext_lazy("audit action", "link revoked"),
    "links_for_cells": pgettext_lazy("audit action", "links for the cells created"),
    "report_requested": pgettext_lazy("audit action", "report requested"),
    "report_retried": pgettext_lazy("audit action", "report retried"),
    "report_schedule_created": pgettext_lazy("audit action", "report schedule created"),
    "report_schedule_stopped": pgettext_lazy("audit action", "report schedule stopped"),
}


def action_label(action: str) -> str:
    """The translated label of an audit action code (the code itself when it has none)."""
    return str(ACTION_LABELS.get(action, action))


def target_label(target_type: str) -> str:
    """The translated name of an audited model, from its label ("campaigns.campaign")."""
    try:
        return str(apps.get_model(target_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return target_type


def _plain(value: Any) -> Any:
    if isinstance(value, Model):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    return value


def snapshot(obj: Model, fields: Iterable[str]) -> dict[str, Any]:
    """The current values of ``fields`` on ``obj``, JSON-ready (foreign keys as their labels)."""
    out: dict[str, Any] = {}
    for name in fields:
        field = obj._meta.get_field(name)
        value = getattr(obj, name)
        if getattr(field, "choices", None) and not field.is_relation:
            value = getattr(obj, f"get_{name}_display")()
        out[name] = _plain(value)
    return out


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {k: [before.get(k), after.get(k)] for k in after if before.get(k) != after.get(k)}


def record(
    *,
    actor: Any,
    action: str,
    target: Model,
    organisation: Organisation | None = None,
    changes: dict[str, Any] | None = None,
) -> AuditEntry:
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        target_repr=str(target)[:255],
        organisation=organisation,
        changes=changes or {},
    )


def record_many(entries: list[AuditEntry]) -> None:
    AuditEntry.objects.bulk_create(entries, batch_size=1000)
