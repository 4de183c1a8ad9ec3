"""Permission-matrix cases for the organisations app (portal pages and admin)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.urls import reverse

from organisations.models import AuditEntry, Organisation, Person, RoleGrant, RosterImport
from portal.testing.matrix import (
    ADMIN_DENIED,
    ADMIN_OBJECT,
    MANAGERS,
    OFFICER_ACTION,
    REDIRECT,
    VIEW,
    Case,
    admin_cases,
    table,
)

ONLY = ("-",)


def people(cast: Any) -> dict[str, Person]:
    return {"own": cast.person_a, "sibling": cast.person_a2, "outside": cast.person_b}


def cells(cast: Any) -> dict[str, Organisation]:
    return {"own": cast.cell_a, "sibling": cast.cell_a2, "outside": cast.cell_b}


def grants(cast: Any) -> dict[str, RoleGrant]:
    from organisations.tests.factories import UserFactory, grant

    sibling = RoleGrant.objects.filter(organisation=cast.cell_a2).first() or grant(
        UserFactory(username="secretary_a2"), cast.cell_a2, RoleGrant.Role.SECRETARY
    )
    return {
        "own": RoleGrant.objects.get(user=cast.secretary_a),
        "sibling": sibling,
        "outside": RoleGrant.objects.get(user=cast.secretary_b),
    }


def audit_entries(cast: Any) -> dict[str, AuditEntry]:
    from organisations import audit

    return {
        key: AuditEntry.objects.filter(organisation=org).first()
        or audit.record(actor=None, action="test", target=org, organisation=org)
        for key, org in cells(cast).items()
    }


def users(cast: Any) -> dict[str, Any]:
    return {"own": cast.member_a, "sibling": cast.secretary_a, "outside": cast.member_b}


# The people pages (organisations/views.py).
PEOPLE_LIST = table(
    anonymous=REDIRECT, outsider=403, member_a=REDIRECT, secretary_a=200, officer_a=200, staff=200, superuser=200
)
# An organisation's people: members have no organisation page, only their own record.
ORG_PEOPLE = table(
    anonymous=REDIRECT,
    outsider=404,
    member_a=404,
    secretary_a=(200, 404, 404),
    officer_a=(200, 200, 404),
    staff=200,
    superuser=200,
)

# Organisations in the admin: officers may view their committee's rows; secretaries and members have no admin.
ORG_ADMIN_OBJECT = ADMIN_OBJECT
# The audit trail is read-only: its change page shows the entry to those who may read it.
AUDIT_OBJECT = ADMIN_OBJECT
# User accounts are managed by superusers only; officers only look accounts up while granting roles.
USER_LIST = table(
    anonymous=REDIRECT, outsider=403, member_a=403, secretary_a=403, officer_a=200, staff=200, superuser=200
)
USER_SUPER = table(
    anonymous=REDIRECT, outsider=403, member_a=403, secretary_a=403, officer_a=403, staff=403, superuser=200
)
# Accounts outside an officer's committee are "not found" for them; inside, still not theirs to open.
USER_OBJECT_SUPER = table(
    anonymous=REDIRECT, outsider=403, member_a=403, secretary_a=403, officer_a=(403, 403, 404), staff=403, superuser=200
)


def cases() -> list[Case]:
    User = get_user_model()
    result = [
        Case(
            "organisations:person_list",
            lambda c, t: reverse("organisations:person_list"),
            PEOPLE_LIST,
            targets=ONLY,
            note="a member is sent to their own record; an account with neither role nor record gets 403",
        ),
        Case(
            "organisations:person_detail",
            lambda c, t: reverse("organisations:person_detail", args=[people(c)[t].pk]),
            VIEW,
        ),
        Case(
            "organisations:organisation_people",
            lambda c, t: reverse("organisations:organisation_people", args=[cells(c)[t].pk]),
            ORG_PEOPLE,
        ),
    ]
    result += admin_cases(Organisation, cells)
    result += admin_cases(Person, people)
    result += admin_cases(RoleGrant, grants)
    result += admin_cases(AuditEntry, audit_entries, add=ADMIN_DENIED)
    result += admin_cases(
        User, users, changelist=USER_LIST, add=USER_SUPER, change=USER_OBJECT_SUPER, delete=USER_SUPER
    )
    result.append(
        Case(
            "admin:auth_user_password_change",
            lambda c, t: reverse("admin:auth_user_password_change", args=[users(c)[t].pk]),
            USER_SUPER,
        )
    )
    result += roster_cases() + activation_cases()
    return result


def roster_imports(cast: Any) -> dict[str, RosterImport]:
    return {
        key: RosterImport.objects.filter(organisation=org).first()
        or RosterImport.objects.create(
            created_by=cast.staff, organisation=org, filename=f"{key}.xlsx", file_sha256="0" * 64
        )
        for key, org in cells(cast).items()
    }


POST_ONLY = table(
    anonymous=REDIRECT, outsider=405, member_a=405, secretary_a=405, officer_a=405, staff=405, superuser=405
)


def roster_cases() -> list[Case]:
    def page(name: str) -> Any:
        return lambda c, t: reverse(f"organisations:{name}")

    def of_import(name: str) -> Any:
        return lambda c, t: reverse(f"organisations:{name}", args=[roster_imports(c)[t].pk])

    return [
        Case("organisations:roster_upload", page("roster_upload"), MANAGERS, targets=ONLY),
        Case("organisations:roster_template_xlsx", page("roster_template_xlsx"), MANAGERS, targets=ONLY),
        Case("organisations:roster_template_csv", page("roster_template_csv"), MANAGERS, targets=ONLY),
        Case("organisations:roster_preview", of_import("roster_preview"), OFFICER_ACTION),
        Case("organisations:roster_errors", of_import("roster_errors"), OFFICER_ACTION),
        Case("organisations:roster_confirm", of_import("roster_confirm"), POST_ONLY, note="a POST"),
        Case("organisations:roster_cancel", of_import("roster_cancel"), POST_ONLY, note="a POST"),
    ]


def _someone_to_activate(cast: Any) -> None:
    from organisations.tests.factories import PersonFactory

    PersonFactory(full_name="Đỗ Thị Hằng", organisation=cast.cell_a)


ACTIVATION_SHEET = table(
    anonymous=REDIRECT,
    outsider=404,
    member_a=404,
    secretary_a=(403, 404, 404),
    officer_a=(200, 200, 404),
    staff=200,
    superuser=200,
)


def activation_cases() -> list[Case]:
    return [
        Case(
            "organisations:activation_index",
            lambda c, t: reverse("organisations:activation_index"),
            MANAGERS,
            targets=ONLY,
        ),
        Case(
            "organisations:activation_cell",
            lambda c, t: reverse("organisations:activation_cell", args=[cells(c)[t].pk]),
            OFFICER_ACTION,
        ),
        Case(
            "organisations:activation_sheet",
            lambda c, t: reverse("organisations:activation_sheet", args=[cells(c)[t].pk]),
            ACTIVATION_SHEET,
            method="post",
            setup=_someone_to_activate,
        ),
    ]
