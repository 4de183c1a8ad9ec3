"""Recording the audit trail. Call inside the transaction that makes the change."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Model

from .models import AuditEntry, Organisation


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
