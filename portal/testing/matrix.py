"""The permission matrix: every URL × role × (own / sibling / outside) -> expected status.

Each app contributes ``<app>/tests/matrix.py`` with ``cases(cast) -> list[Case]`` and, for its
admin models, ``admin_objects(cast) -> {Model: {"own": obj, "sibling": obj, "outside": obj}}``.
``tests/test_permission_matrix.py`` runs them all and fails when a URL name has no case.

Targets are seen from the A side of the cast: "own" lies in cell_a (secretary_a's cell, member_a's
own rows), "sibling" in cell_a2 (inside officer_a's committee, outside secretary_a's cell),
"outside" in committee_b. Non-object URLs use the single target "-".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ACTORS = ("anonymous", "outsider", "member_a", "secretary_a", "officer_a", "staff", "superuser")
TARGETS = ("own", "sibling", "outside")
REDIRECT = 302

Table = dict[str, dict[str, int]]


@dataclass
class Case:
    """One URL name with how to build its URL per target and the expected status per actor × target."""

    name: str
    url: Callable[[Any, str], str]
    expect: Table
    method: str = "get"
    data: Callable[[Any, str], dict] | None = None
    targets: tuple[str, ...] = TARGETS
    note: str = ""
    setup: Callable[[Any], None] | None = field(default=None)

    def expected(self, actor: str, target: str) -> int:
        return self.expect[actor][target]


def table(**rows: int | dict[str, int] | tuple[int, int, int]) -> Table:
    """Build a table: an actor maps to one status for every target, or (own, sibling, outside)."""
    out: Table = {}
    for actor in ACTORS:
        value = rows[actor]
        if isinstance(value, int):
            out[actor] = {t: value for t in (*TARGETS, "-")}
        elif isinstance(value, tuple):
            out[actor] = dict(zip(TARGETS, value, strict=True))
        else:
            out[actor] = value
    return out


# Reading a row in a scope: members see their own rows, secretaries their cell, officers their committee.
VIEW = table(
    anonymous=REDIRECT,
    outsider=404,
    member_a=(200, 404, 404),
    secretary_a=(200, 404, 404),
    officer_a=(200, 200, 404),
    staff=200,
    superuser=200,
)
# An officer-level action on an organisation: secretaries see their cell but lack the right.
OFFICER_ACTION = table(
    anonymous=REDIRECT,
    outsider=404,
    member_a=404,
    secretary_a=(403, 404, 404),
    officer_a=(200, 200, 404),
    staff=200,
    superuser=200,
)
# A page any logged-in user may open.
LOGGED_IN = table(
    anonymous=REDIRECT, outsider=200, member_a=200, secretary_a=200, officer_a=200, staff=200, superuser=200
)
PUBLIC = table(anonymous=200, outsider=200, member_a=200, secretary_a=200, officer_a=200, staff=200, superuser=200)
# A page for staff and officers only (no object).
MANAGERS = table(
    anonymous=REDIRECT, outsider=403, member_a=403, secretary_a=403, officer_a=200, staff=200, superuser=200
)
# Admin pages: users without admin rights get 403, anonymous users go to the login page.
ADMIN_LIST = table(
    anonymous=REDIRECT, outsider=403, member_a=403, secretary_a=403, officer_a=200, staff=200, superuser=200
)
ADMIN_OBJECT = table(
    anonymous=REDIRECT, outsider=403, member_a=403, secretary_a=403, officer_a=(200, 200, 404), staff=200, superuser=200
)
ADMIN_DENIED = table(
    anonymous=REDIRECT, outsider=403, member_a=403, secretary_a=403, officer_a=403, staff=403, superuser=403
)


def admin_cases(
    model: type,
    objects: Callable[[Any], dict[str, Any]],
    *,
    changelist: Table = ADMIN_LIST,
    add: Table = ADMIN_LIST,
    change: Table = ADMIN_OBJECT,
    history: Table | None = None,
    delete: Table = ADMIN_DENIED,
) -> list[Case]:
    """The admin URLs of one model. ``objects(cast)`` gives the own/sibling/outside rows."""
    from django.urls import reverse

    prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"

    def obj_url(view: str) -> Callable[[Any, str], str]:
        return lambda cast, target: reverse(f"{prefix}_{view}", args=[objects(cast)[target].pk])

    return [
        Case(f"{prefix}_changelist", lambda c, t: reverse(f"{prefix}_changelist"), changelist, targets=("-",)),
        Case(f"{prefix}_add", lambda c, t: reverse(f"{prefix}_add"), add, targets=("-",)),
        Case(f"{prefix}_change", obj_url("change"), change),
        Case(f"{prefix}_history", obj_url("history"), history or change),
        Case(f"{prefix}_delete", obj_url("delete"), delete, note="nothing is deleted through the admin"),
    ]


def fingerprint() -> str:
    """A digest of every row of the portal's own tables (and users): equal before and after = nothing written."""
    import hashlib

    from django.apps import apps

    digest = hashlib.sha256()
    labels = {"organisations", "campaigns", "essays", "materials", "reports", "auth"}
    for model in sorted(apps.get_models(), key=lambda m: m._meta.label):
        if model._meta.app_label not in labels:
            continue
        for row in model.objects.order_by("pk").values_list():
            digest.update(repr(row).encode())
    return digest.hexdigest()
