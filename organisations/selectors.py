"""Reads of the organisation tree and people, always through access.visible."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from portal.lib.text import fold

from . import access
from .models import Organisation, Person


def organisation_list(*, user: Any, action: access.Action = access.Action.VIEW) -> QuerySet[Organisation]:
    return access.visible(Organisation.objects.all(), user, action)


def person_list(
    *, user: Any, query: str = "", organisation: Organisation | None = None, status: str = ""
) -> QuerySet[Person]:
    """People the user may see, in Vietnamese order, optionally searched without diacritics."""
    qs = access.visible(Person.objects.select_related("organisation"), user)
    if organisation is not None:
        qs = qs.filter(organisation__path__startswith=organisation.path)
    if status:
        qs = qs.filter(status=status)
    for word in fold(query).split():
        qs = qs.filter(search_name__contains=word)
    return qs.order_by("sort_key", "id")


def members_under(org: Organisation) -> QuerySet[Person]:
    """All people currently in ``org`` or anywhere below it: one indexed query at any depth."""
    return Person.objects.filter(organisation__path__startswith=org.path)
