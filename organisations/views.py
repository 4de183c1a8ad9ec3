"""Portal pages about people: the list, the organisation drill-down and a person's record.

Thin adapters: parse the filters, ask organisations.access who may see what, call a selector.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from portal.lib.forms import search_field

from . import access, selectors
from .models import Organisation, Person

A = access.Action
PAGE_SIZE = 50
# Beyond this many sub-organisations the list starts folded, so the people stay in sight on a phone.
CHILDREN_SHOWN_OPEN = 24


class PeopleFilterForm(forms.Form):
    q = search_field(_("Name (with or without diacritics) or card number"))
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *Person.Status.choices]
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All kinds")), *Person.Kind.choices])


@login_required
def person_list(request: HttpRequest) -> HttpResponse:
    """/people/: everyone the user may see. A member without a role sees only their own record."""
    if not access.can(request.user, A.VIEW):
        person_id = access.scope_of(request.user).person_id
        if person_id is None:
            raise PermissionDenied
        return redirect("organisations:person_detail", pk=person_id)
    roots = selectors.organisation_children(user=request.user, organisation=None)
    # With a single subtree (the usual case) the list opens on it, showing its sub-organisations.
    return _people_page(request, organisation=roots[0] if len(roots) == 1 else None, roots=roots)


@login_required
def organisation_people(request: HttpRequest, pk: int) -> HttpResponse:
    """/people/org/<id>/: one organisation, its sub-organisations with head counts, and its people."""
    org = access.get_object_or_404(Organisation.objects.all(), request.user, A.VIEW, pk=pk)
    return _people_page(request, organisation=org, roots=None)


def _people_page(
    request: HttpRequest, *, organisation: Organisation | None, roots: list[Organisation] | None
) -> HttpResponse:
    user = request.user
    form = PeopleFilterForm(request.GET or None)
    filters: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    query = filters.get("q", "")
    people = selectors.person_list(
        user=user,
        query=query,
        organisation=organisation,
        status=filters.get("status", ""),
        kind=filters.get("kind", ""),
    )
    children = (
        selectors.organisation_children(user=user, organisation=organisation)
        if organisation is not None
        else roots or []
    )
    child_counts, own_count = selectors.person_counts_by_child(people, organisation=organisation, children=children)
    if query:  # while searching, only the branches that hold a match help
        child_counts = [child for child in child_counts if child.people]
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "organisation": organisation,
        "breadcrumb": (selectors.organisation_breadcrumb(user=user, organisation=organisation) if organisation else []),
        "children": child_counts,
        "children_open": len(child_counts) <= CHILDREN_SHOWN_OPEN,
        # In a leaf (a cell) everyone belongs to the page's organisation: no column repeating its name.
        "show_organisation": organisation is None or bool(children),
        "own_count": own_count,
        "matching_organisations": (
            selectors.organisation_search(user=user, query=query, within=organisation, limit=10)
            if len(query.strip()) >= 2
            else []
        ),
        "form": form,
        "page": page,
        "filtered": any(filters.values()),
        "query_string": _without_page(request),
        "can_use_admin": access.can_use_admin(user),
    }
    return render(request, "organisations/person_list.html", context)


def _without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """/people/<id>/: a person's data and membership history (404 outside the user's scope)."""
    person = access.get_object_or_404(
        Person.objects.select_related("organisation", "user"), request.user, A.VIEW, pk=pk
    )
    history = list(selectors.membership_history(person=person))
    # Link an organisation only where the user may open it (scope is cached: no extra queries).
    linkable = {m.organisation_id for m in history if access.can(request.user, A.VIEW, m.organisation)}
    if access.can(request.user, A.VIEW, person.organisation):
        linkable.add(person.organisation_id)
    context = {
        "person": person,
        "history": history,
        "linkable": linkable,
        "breadcrumb": (
            selectors.organisation_breadcrumb(user=request.user, organisation=person.organisation)
            if person.organisation_id in linkable
            else []
        ),
        "can_edit": access.can_use_admin(request.user) and access.can_object(request.user, A.CHANGE, person),
        "can_list": access.can(request.user, A.VIEW),
    }
    return render(request, "organisations/person_detail.html", context)
