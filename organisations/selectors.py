"""Reads of the organisation tree and people, always through access.visible."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr

from portal.lib.text import fold

from . import access
from .models import Membership, Organisation, Person


def organisation_list(*, user: Any, action: access.Action = access.Action.VIEW) -> QuerySet[Organisation]:
    return access.visible(Organisation.objects.all(), user, action)


def _search(qs: QuerySet[Person], query: str) -> QuerySet[Person]:
    """Every word of the folded query in the folded name, or the query as the start of a card number."""
    words = fold(query).split()
    if not words:
        return qs
    by_name = Q()
    for word in words:
        by_name &= Q(search_name__contains=word)
    term = query.strip()
    if len(words) == 1 and any(ch.isdigit() for ch in term):
        return qs.filter(by_name | Q(card_number__startswith=term))
    return qs.filter(by_name)


def person_list(
    *,
    user: Any,
    query: str = "",
    organisation: Organisation | None = None,
    status: str = "",
    kind: str = "",
) -> QuerySet[Person]:
    """People the user may see, in Vietnamese order (given name first), optionally narrowed.

    ``query`` matches names with or without diacritics ("nguyen van an" finds "Nguyễn Văn An")
    and the beginning of a party card number. ``organisation`` narrows to its whole subtree; it
    must be one the caller already checked the user may see.
    """
    qs = access.visible(Person.objects.select_related("organisation"), user)
    if organisation is not None:
        qs = qs.filter(organisation__path__startswith=organisation.path)
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    return _search(qs, query).order_by("sort_key", "id")


@dataclass(frozen=True)
class ChildCount:
    organisation: Organisation
    people: int


def organisation_children(*, user: Any, organisation: Organisation | None) -> list[Organisation]:
    """The visible children of ``organisation``; for None, the roots of the user's scope."""
    if organisation is not None:
        return list(access.visible(Organisation.objects.filter(parent=organisation), user).order_by("path"))
    scope = access.scope_of(user)
    roots = (
        Organisation.objects.filter(depth=0)
        if scope.superuser
        # The user's grant roots, nested ones folded away, so each subtree appears once.
        else (Organisation.objects.filter(path__in=scope.paths(access.Action.VIEW)))
    )
    return list(access.visible(roots, user).order_by("path"))


def person_counts_by_child(
    people: QuerySet[Person], *, organisation: Organisation | None, children: list[Organisation]
) -> tuple[list[ChildCount], int]:
    """How many of ``people`` sit in each child's subtree, and how many directly in ``organisation``.

    ONE aggregate query, whatever the number of children: every person's organisation path is cut
    to the length of a child's path and grouped on that prefix.
    """
    if not children:
        return [], 0
    width = len(children[0].path)
    if any(len(child.path) != width for child in children):  # roots of a multi-grant scope may differ
        counts: dict[str, int] = {}
        for child in children:  # a handful of grant roots at most
            counts[child.path] = people.filter(organisation__path__startswith=child.path).count()
        return [ChildCount(c, counts[c.path]) for c in children], 0
    rows = (
        people.order_by()
        .annotate(prefix=Substr("organisation__path", 1, width))
        .values("prefix")
        .annotate(n=Count("*"))  # not Count("id"): COUNT(*) needs no person column (an index-only scan)
        .values_list("prefix", "n")
    )
    counts = dict(rows)
    own = counts.get(organisation.path, 0) if organisation is not None else 0
    return [ChildCount(c, counts.get(c.path, 0)) for c in children], own


def organisation_search(
    *, user: Any, query: str, within: Organisation | None = None, limit: int = 20
) -> list[Organisation]:
    """Visible organisations whose name matches every word of ``query`` (diacritics optional)."""
    words = fold(query).split()
    if not words:
        return []
    qs = access.visible(Organisation.objects.all(), user)
    if within is not None:
        qs = qs.filter(path__startswith=within.path)
    for word in words:
        qs = qs.filter(search_name__contains=word)
    return list(qs.select_related("parent").order_by("depth", "path")[:limit])


def organisation_breadcrumb(*, user: Any, organisation: Organisation) -> list[Organisation]:
    """The visible ancestors of ``organisation``, top first (one query)."""
    return list(access.visible(organisation.ancestors(), user))


def membership_history(*, person: Person) -> QuerySet[Membership]:
    """A person's membership periods, oldest first, with their organisations."""
    return person.memberships.select_related("organisation").order_by("start_date", "id")


def members_under(org: Organisation) -> QuerySet[Person]:
    """All people currently in ``org`` or anywhere below it: one indexed query at any depth."""
    return Person.objects.filter(organisation__path__startswith=org.path)
