"""Account activation pages: choosing a cell, its printable sheet, and the member's public activation page.

Thin adapters over organisations.activation; who may do what is asked of organisations.access.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from portal.lib.errors import DomainError
from portal.lib.forms import search_field
from portal.lib.text import fold

from . import access, activation
from .models import Organisation

A = access.Action
PAGE_SIZE = 50


class CellSearchForm(forms.Form):
    q = search_field(gettext_lazy("Cell or commune name"))
    pending = forms.BooleanField(label=gettext_lazy("Only cells with members to activate"), required=False)


@login_required
def activation_index(request: HttpRequest) -> HttpResponse:
    """/people/activation/: the cells the user may print sheets for, with how many members lack an account."""
    access.require(request.user, A.ACTIVATE)
    form = CellSearchForm(request.GET or None)
    filters: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    cells = activation.cell_list(
        user=request.user, query=filters.get("q", ""), pending_only=bool(filters.get("pending"))
    )
    page = Paginator(cells, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "organisations/activation_index.html",
        {
            "form": form,
            "page": page,
            "filtered": any(filters.values()),
            "query_string": params.urlencode(),
        },
    )


def _get_cell(request: HttpRequest, pk: int) -> Organisation:
    return access.get_object_or_404(
        Organisation.objects.filter(kind__in=Organisation.CELL_KINDS, is_active=True).select_related("parent"),
        request.user,
        A.ACTIVATE,
        pk=pk,
    )


@login_required
def activation_cell(request: HttpRequest, pk: int) -> HttpResponse:
    """/people/activation/<id>/: who a new sheet would list, and the button that prints it."""
    cell = _get_cell(request, pk)
    people = list(activation.cell_people(cell=cell))
    now = timezone.now()
    live_codes = 0  # codes that still work: printing a new sheet voids them
    for person in people:
        person.login_name = activation.login_name(person)  # type: ignore[attr-defined]
        expires_at = getattr(person, "code_expires_at", None)
        live_codes += bool(expires_at and expires_at > now)
    return render(
        request,
        "organisations/activation_cell.html",
        {
            "cell": cell,
            "people": people,
            "live_codes": live_codes,
            "activated": activation.cell_activated_count(cell=cell),
            "sheets": activation.recent_sheets(user=request.user, cell=cell),
            "now": now,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def activation_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """POST /people/activation/<id>/sheet.pdf: issue fresh codes and download the sheet.

    Printing revokes the previous sheet, so it is never done on a GET (a prefetch, a reload or a
    re-download from the browser's history would silently void the sheet already handed out).
    A GET lands on the cell's page instead.
    """
    cell = _get_cell(request, pk)
    if request.method != "POST":
        return redirect("organisations:activation_cell", pk=cell.pk)
    try:
        content = activation.sheet_pdf(actor=request.user, cell=cell)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("organisations:activation_cell", pk=cell.pk)
    name = slugify(fold(cell.short_name or cell.name)) or "chi-bo"
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="kich-hoat-{name}-{timezone.localdate():%Y%m%d}.pdf"'
    response["Cache-Control"] = "no-store"  # the sheet carries working codes
    return response


def _new_account(row: Any) -> Any:
    """An unsaved user as the code would create it: the password validators compare against its names."""
    person = row.person
    return get_user_model()(username=activation.login_name(person), first_name=person.full_name, email=person.email)


@never_cache
@require_http_methods(["GET", "POST"])
def activate(request: HttpRequest, token: str) -> HttpResponse:
    """/activate/<code>/ (public): the member sees their name and login name and sets a password."""
    state, row = activation.token_lookup(token)
    if row is None:
        return _refused(request, state)
    account = _new_account(row)
    form = SetPasswordForm(account, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = activation.token_redeem(token=token, password=form.cleaned_data["new_password1"])
        except activation.ActivationError as error:  # used or replaced since the page was opened
            return _refused(request, error.state)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request,
                _(
                    "Your account is ready. From now on, log in with the login name %(username)s "
                    "and the password you chose."
                )
                % {"username": user.get_username()},
            )
            return redirect("home")
    return render(
        request,
        "organisations/activation_redeem.html",
        {
            "person": row.person,
            "login_name": account.username,
            "form": form,
            "expires_at": row.expires_at,
        },
    )


def _refused(request: HttpRequest, state: activation.TokenState) -> HttpResponse:
    # 410 for every refusal, the unknown code included: the status tells a prober nothing either.
    return render(request, "organisations/activation_invalid.html", {"state": state}, status=410)
