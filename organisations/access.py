"""The one place that decides who may see and do what.

Every view, admin class, selector, report and task asks here. A role is granted on an
organisation and covers its whole subtree; a member sees only their own rows.

Contract:
- ``visible(qs, user, action)`` narrows a queryset to the rows the user may act on.
- ``can(user, action, org)`` answers for one organisation.
- ``get_object_or_404(qs, user, action, **lookup)``: outside the user's scope -> 404 (the same
  answer as "does not exist"); inside the scope but without the right -> 403.

A model takes part by declaring ``ACCESS_PATH``, the lookup from it to its organisation's
``path`` (e.g. ``"organisation__path"``), and optionally ``ACCESS_SELF``, the lookup from it
to the owning Person's id (e.g. ``"pk"`` on Person, ``"person_id"`` on an essay), and optionally
``ACCESS_OWN_ORGANISATION``, the lookup to the owner's organisation id: GRADE is never allowed on the rows
of the grader's own organisation (nobody grades the essays of their own cell).
A model with ``ACCESS_PATH = None`` holds shared reference rows (e.g. the national documents
studied): every logged-in user may view them; other actions need the right anywhere.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from enum import StrEnum
from functools import reduce
from typing import Any, cast

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from .models import Organisation, Person, RoleGrant

Role = RoleGrant.Role


class Action(StrEnum):
    VIEW = "view"  # see rows
    CHANGE = "change"  # edit people and their data
    MANAGE_TREE = "manage_tree"  # create, rename, move, deactivate organisations
    GRANT = "grant"  # give and withdraw roles
    IMPORT = "import"  # import rosters
    ACTIVATE = "activate"  # issue account activation sheets
    ATTEND = "attend"  # record attendance
    GRADE = "grade"  # grade essays
    REPORT = "report"  # request and read reports
    AUDIT = "audit"  # read the audit trail
    MANAGE_CAMPAIGNS = "manage_campaigns"  # resolutions, campaigns, sessions, materials
    SELF = "self"  # a member acting on their own rows (check in, write an essay)


_OFFICER_ACTIONS = frozenset(
    {
        Action.VIEW,
        Action.CHANGE,
        Action.MANAGE_TREE,
        Action.GRANT,
        Action.IMPORT,
        Action.ACTIVATE,
        Action.ATTEND,
        Action.REPORT,
        Action.AUDIT,
        Action.MANAGE_CAMPAIGNS,
    }
)
ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    Role.STAFF: frozenset(Action) - {Action.SELF},
    Role.OFFICER: _OFFICER_ACTIONS,
    Role.SECRETARY: frozenset({Action.VIEW, Action.ATTEND}),
}
# An officer may reshape and grant only strictly below the node they were granted on: they may
# not rename their own committee, move it away, or grant themselves a wider role.
_STRICTLY_BELOW_FOR_OFFICERS = frozenset({Action.MANAGE_TREE, Action.GRANT})
# Roles an officer may hand out (staff is granted only by staff).
GRANTABLE_BY: dict[str, frozenset[str]] = {
    Role.STAFF: frozenset({Role.STAFF, Role.OFFICER, Role.SECRETARY}),
    Role.OFFICER: frozenset({Role.OFFICER, Role.SECRETARY}),
    Role.SECRETARY: frozenset(),
}


@dataclass(frozen=True)
class Grant:
    role: str
    path: str
    can_grade: bool


@dataclass(frozen=True)
class Scope:
    """What one user holds: their grants and, if they are a participant, their person id."""

    superuser: bool
    grants: tuple[Grant, ...]
    person_id: int | None
    person_org_id: int | None = None
    person_org_path: str | None = None

    def allows(self, grant: Grant, action: Action) -> bool:
        if action == Action.GRADE:
            return grant.role == Role.STAFF or (grant.role == Role.OFFICER and grant.can_grade)
        return action in ROLE_ACTIONS.get(grant.role, frozenset())

    def paths(self, action: Action) -> list[str]:
        """The subtree roots where the action is allowed, with nested roots folded away."""
        roots = sorted({g.path for g in self.grants if self.allows(g, action)})
        folded: list[str] = []
        for path in roots:
            if not any(path.startswith(kept) for kept in folded):
                folded.append(path)
        return folded

    @property
    def roles(self) -> set[str]:
        return {g.role for g in self.grants}


_ANONYMOUS = Scope(superuser=False, grants=(), person_id=None)


def scope_of(user: Any) -> Scope:
    """The user's scope, loaded once per user object (two small queries) and cached on it."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return _ANONYMOUS
    cached: Scope | None = getattr(user, "_portal_scope", None)
    if cached is not None:
        return cached
    grants = tuple(
        Grant(role, path, can_grade)
        for role, path, can_grade in RoleGrant.objects.filter(user=user, organisation__is_active=True).values_list(
            "role", "organisation__path", "can_grade"
        )
    )
    person = Person.objects.filter(user=user).values_list("pk", "organisation_id", "organisation__path").first()
    person_id, org_id, org_path = person or (None, None, None)
    scope = Scope(
        superuser=user.is_superuser,
        grants=grants,
        person_id=person_id,
        person_org_id=org_id,
        person_org_path=org_path,
    )
    user._portal_scope = scope
    return scope


def forget(user: Any) -> None:
    """Drop the cached scope (after grants change within a request, e.g. in tests)."""
    if hasattr(user, "_portal_scope"):
        del user._portal_scope


def _path_lookup(model: type[Model]) -> str:
    lookup: str | None = getattr(model, "ACCESS_PATH", None)
    if lookup is None:
        raise TypeError(f"{model.__name__} does not declare ACCESS_PATH; it cannot be scoped.")
    return lookup


# Rows that concern an audience wider than their own organisation: a campaign organised at the province
# concerns everyone under its audience. Whoever may VIEW somewhere in an audience subtree, or above it,
# may VIEW the row (not act on it). model label -> lookup from the row to the audience organisations' path.
AUDIENCE_LOOKUPS: dict[str, str] = {
    "campaigns.campaign": "audience__path",
    "campaigns.studysession": "campaign__audience__path",
    "materials.material": "campaign__audience__path",
}


def _audience_clause(model: type[Model], paths: list[str]) -> Q | None:
    """Rows whose audience intersects one of the subtrees at ``paths`` (a subquery: no duplicate rows)."""
    lookup = AUDIENCE_LOOKUPS.get(model._meta.label_lower)
    if not lookup or not paths:
        return None
    from .models import STEP

    ancestors = sorted({path[:i] for path in paths for i in range(STEP, len(path) + 1, STEP)})
    inside = reduce(operator.or_, [Q(**{f"{lookup}__startswith": path}) for path in paths])
    matching = model._default_manager.filter(inside | Q(**{f"{lookup}__in": ancestors}))
    return Q(pk__in=matching.values("pk"))


def visible[M: Model](
    qs: QuerySet[M], user: Any, action: Action = Action.VIEW, *, as_participant: bool = True
) -> QuerySet[M]:
    """The rows of ``qs`` on which ``user`` may perform ``action``.

    ``as_participant=False`` leaves out what the user sees only as a participant (their own rows, the
    campaigns covering their organisation): what their role grants alone show.
    """
    scope = scope_of(user)
    if scope.superuser:
        return qs
    if getattr(qs.model, "ACCESS_PATH", "") is None:  # shared reference rows
        allowed = scope is not _ANONYMOUS if action == Action.VIEW else can(user, action)
        return qs if allowed else qs.none()
    lookup = _path_lookup(qs.model)
    clauses = [Q(**{f"{lookup}__startswith": path}) for path in scope.paths(action)]
    if action == Action.VIEW:
        # A participant sees the campaigns (and their sessions) whose audience covers their organisation.
        own = [scope.person_org_path] if scope.person_org_path and as_participant else []
        audience_paths = scope.paths(action) + own
        audience = _audience_clause(qs.model, audience_paths)
        if audience is not None:
            clauses.append(audience)
    self_lookup = getattr(qs.model, "ACCESS_SELF", None)
    if self_lookup and scope.person_id and as_participant and action in (Action.VIEW, Action.SELF):
        clauses.append(Q(**{self_lookup: scope.person_id}))
    if not clauses:
        return qs.none()
    qs = qs.filter(reduce(operator.or_, clauses))
    own_org = getattr(qs.model, "ACCESS_OWN_ORGANISATION", None)
    if action == Action.GRADE and own_org and scope.person_org_id is not None:
        qs = qs.exclude(**{own_org: scope.person_org_id})  # nobody grades their own cell's essays
    return qs


def can(user: Any, action: Action, org: Organisation | None = None) -> bool:
    """May ``user`` perform ``action`` at ``org`` (or anywhere, when org is None)?"""
    scope = scope_of(user)
    if scope.superuser:
        return True
    for grant in scope.grants:
        if not scope.allows(grant, action):
            continue
        if org is None:
            return True
        if not org.path.startswith(grant.path):
            continue
        if grant.role == Role.OFFICER and action in _STRICTLY_BELOW_FOR_OFFICERS and org.path == grant.path:
            continue
        return True
    return False


def _object_path(obj: Model) -> str | None:
    value: Any = obj
    for part in _path_lookup(type(obj)).split("__"):
        value = getattr(value, part, None)
        if value is None:
            return None
    return cast(str, value)  # the lookup ends at an organisation's path


def _object_person_id(obj: Model) -> Any:
    lookup = getattr(type(obj), "ACCESS_SELF", None)
    if not lookup:
        return None
    value: Any = obj
    for part in lookup.split("__"):
        value = getattr(value, "pk" if part == "pk" else part, None)
        if value is None:
            return None
    return value


def _grades_own_organisation(scope: Scope, obj: Model) -> bool:
    lookup = getattr(type(obj), "ACCESS_OWN_ORGANISATION", None)
    if not lookup or scope.person_org_id is None:
        return False
    value: Any = obj
    for part in lookup.split("__"):
        value = getattr(value, part, None)
    return bool(value == scope.person_org_id)


def can_object(user: Any, action: Action, obj: Model) -> bool:
    """May ``user`` perform ``action`` on this row (its organisation, or as its owner)?"""
    scope = scope_of(user)
    if scope.superuser:
        return True
    if action in (Action.VIEW, Action.SELF) and scope.person_id is not None:
        if _object_person_id(obj) == scope.person_id:
            return True
    if action == Action.SELF:
        return False
    if getattr(type(obj), "ACCESS_PATH", "") is None:  # shared reference rows
        return scope is not _ANONYMOUS if action == Action.VIEW else can(user, action)
    path = _object_path(obj)
    if path is None:
        return False
    if action == Action.GRADE and _grades_own_organisation(scope, obj):
        return False
    if can(user, action, Organisation(path=path)):
        return True
    if action == Action.VIEW and type(obj)._meta.label_lower in AUDIENCE_LOOKUPS:  # one query
        return visible(type(obj)._default_manager.filter(pk=obj.pk), user, action).exists()
    return False


def can_view_by_role(user: Any, obj: Model) -> bool:
    """May ``user`` VIEW ``obj`` through a role grant, not only as a participant (their own row, a campaign
    covering their organisation)? Pages that show other people's figures or names ask this; a participant
    gets their own page instead. At most one query.
    """
    scope = scope_of(user)
    if scope.superuser:
        return True
    if not scope.grants:
        return False
    if getattr(type(obj), "ACCESS_PATH", "") is None:  # shared reference rows
        return can(user, Action.VIEW)
    path = _object_path(obj)
    if path is not None and can(user, Action.VIEW, Organisation(path=path)):
        return True
    if type(obj)._meta.label_lower in AUDIENCE_LOOKUPS:
        return visible(type(obj)._default_manager.filter(pk=obj.pk), user, as_participant=False).exists()
    return False


def can_read_private(user: Any, obj: Model) -> bool:
    """Private content of a row (an essay's text and file): its owner, or whoever may GRADE it.

    Seeing that an essay exists and its status (VIEW) is wider: secretaries and officers see the state
    of their people; only the author and the graders read what was written.
    """
    return can_object(user, Action.SELF, obj) or can_object(user, Action.GRADE, obj)


def can_read_material(user: Any, material: Model) -> bool:
    """May ``user`` read a study material's content (its page, file, download) inside the portal?

    Secret (mật) material and drafts (not yet published): only whoever may MANAGE_CAMPAIGNS at its issuing
    unit, never a participant. Published public or internal material: whoever may VIEW it (the issuing
    unit's subtree by role, or a person whose organisation its campaign's audience covers). At most one query.
    """
    path = _object_path(material)
    if path is not None and can(user, Action.MANAGE_CAMPAIGNS, Organisation(path=path)):
        return True
    if getattr(material, "is_secret", True) or not getattr(material, "published", False):
        return False
    return can_object(user, Action.VIEW, material)


def can_open_material_link(user: Any, material: Model) -> bool:
    """May ``user`` open a study material through one of its live share links (/q/<code>)?

    Never a secret or unpublished material, whoever asks (managers read those on the portal's own pages).
    Public (công khai): anyone holding the link, logged in or not. Internal (nội bộ): as ``can_read_material``.
    """
    if getattr(material, "is_secret", True) or not getattr(material, "published", False):
        return False
    if getattr(material, "classification", "") == "public":
        return True
    return can_read_material(user, material)


def listable_materials[M: Model](qs: QuerySet[M], user: Any) -> QuerySet[M]:
    """The study materials ``user`` may see listed with their title and data: those they may VIEW, except secret
    ones they do not manage (a participant meets those only as a placeholder without title or content)."""
    shown = visible(qs, user, Action.VIEW)
    if scope_of(user).superuser:
        return shown
    managed = visible(qs.model._default_manager.all(), user, Action.MANAGE_CAMPAIGNS)
    return shown.filter(~Q(classification="secret") | Q(pk__in=managed.values("pk")))


def get_object_or_404[M: Model](qs: QuerySet[M], user: Any, action: Action = Action.VIEW, **lookup: Any) -> M:
    """Fetch a row the user can see (else 404), then require ``action`` on it (else 403)."""
    try:
        obj = visible(qs, user, Action.VIEW).get(**lookup)
    except (ObjectDoesNotExist, ValueError):  # qs.get() raises qs.model.DoesNotExist, a subclass
        raise Http404 from None
    if action != Action.VIEW and not can_object(user, action, obj):
        raise PermissionDenied
    return obj


def require(user: Any, action: Action, org: Organisation | None = None) -> None:
    """Raise PermissionDenied (403) unless ``can(user, action, org)``."""
    if not can(user, action, org):
        raise PermissionDenied


def can_grant_role(user: Any, role: str, org: Organisation) -> bool:
    """May ``user`` give ``role`` on ``org``? Staff give any role; officers only narrower ones below them."""
    scope = scope_of(user)
    if scope.superuser:
        return True
    for grant in scope.grants:
        if role in GRANTABLE_BY.get(grant.role, frozenset()) and org.path.startswith(grant.path):
            if grant.role == Role.OFFICER and org.path == grant.path:
                continue
            return True
    return False


def can_use_admin(user: Any) -> bool:
    """The admin site is for staff and officers (and superusers)."""
    scope = scope_of(user)
    return scope.superuser or bool(scope.roles & {Role.STAFF, Role.OFFICER})


def is_member(user: Any) -> bool:
    return scope_of(user).person_id is not None


def home_sections(user: Any) -> list[str]:
    """Which sections the home page offers this user, in display order."""
    scope = scope_of(user)
    sections: list[str] = []
    managing = scope.superuser or bool(scope.roles & {Role.STAFF, Role.OFFICER})
    if managing:
        sections += ["admin", "people", "import", "activation", "campaigns", "materials_manage", "reports"]
    if scope.superuser or Role.SECRETARY in scope.roles or managing:
        sections.append("attendance")
    if scope.superuser or any(scope.allows(g, Action.GRADE) for g in scope.grants):
        sections.append("grading")
    if scope.person_id is not None:
        sections += ["my_study", "my_essays", "materials"]
    sections.append("profile")
    return list(dict.fromkeys(sections))
