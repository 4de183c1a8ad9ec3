"""Roster import pages: upload, templates, preview with confirm or cancel, and the error list.

Thin adapters over organisations.roster; who may do what is asked of organisations.access.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Case, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from portal.lib.errors import DomainError

from . import access, roster
from .models import Organisation, Person, RosterImport

A = access.Action
SHOWN_ROWS = 200  # rows to create / to update rendered on the preview; the rest are counted
ERRORS_PER_PAGE = 500


class OrganisationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Organisation) -> str:
        return "\u2003" * obj.depth + obj.name  # em spaces show the tree in a plain <select>


class RosterUploadForm(forms.Form):
    organisation = OrganisationChoiceField(
        label=gettext_lazy("Organisation"),
        queryset=Organisation.objects.none(),
        help_text=gettext_lazy("The people of the file are placed in this organisation's party cells."),
    )
    file = forms.FileField(
        label=gettext_lazy("Roster file (.xlsx or .csv)"),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,.csv,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = access.visible(Organisation.objects.filter(is_active=True), user, A.IMPORT).order_by("path")
        if not self.is_bound:
            # A province has thousands of ordinary cells and a file names its cells itself: the list
            # offers the organisations above them (unless the user's whole scope is cells), the widest
            # one preselected. A posted cell is still accepted.
            above_cells = choices.exclude(kind=Organisation.Kind.CELL)
            top = above_cells.values_list("pk", flat=True).first()
            if top is not None:
                choices = above_cells
            self.initial.setdefault("organisation", top or choices.values_list("pk", flat=True).first())
        field = self.fields["organisation"]
        field.queryset = choices  # type: ignore[attr-defined]

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > roster.max_mb() * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than %(mb)s MB.") % {"mb": roster.max_mb()})
        return upload


@login_required
def roster_upload(request: HttpRequest) -> HttpResponse:
    """/people/import/: choose the organisation and the file; on success go to the preview."""
    access.require(request.user, A.IMPORT)
    if request.method == "POST":
        org_id = request.POST.get("organisation", "")
        if org_id.isdigit():  # a tampered organisation answers like any URL outside the scope
            access.get_object_or_404(Organisation.objects.filter(is_active=True), request.user, A.IMPORT, pk=org_id)
        form = RosterUploadForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                imp = roster.roster_preview(
                    actor=request.user,
                    organisation=form.cleaned_data["organisation"],
                    filename=upload.name,
                    data=upload.read(),
                )
            except DomainError as error:
                form.add_error("file", error.message)
            else:
                return redirect("organisations:roster_preview", pk=imp.pk)
    else:
        form = RosterUploadForm(user=request.user)
    recent = access.visible(
        RosterImport.objects.select_related("organisation", "created_by")
        .defer("rows", "errors")
        .annotate(has_errors=Case(When(errors=[], then=Value(False)), default=Value(True))),
        request.user,
        A.IMPORT,
    ).order_by("-created_at")[:10]
    return render(
        request,
        "organisations/roster_upload.html",
        {
            "form": form,
            "recent": recent,
            "columns": roster.COLUMNS,
            "kinds": roster.KIND_VALUES.values(),
            "genders": roster.GENDER_VALUES.values(),
            "max_mb": roster.max_mb(),
            "max_rows": roster.max_rows(),
        },
    )


@login_required
def roster_template(request: HttpRequest, fmt: str) -> HttpResponse:
    """The empty roster to fill in, as .xlsx or .csv."""
    access.require(request.user, A.IMPORT)
    if fmt == "xlsx":
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        response = HttpResponse(roster.template_xlsx(), content_type=content_type)
    else:
        response = HttpResponse(roster.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="mau-danh-sach.{fmt}"'
    return response


def _get_import(request: HttpRequest, pk: int) -> RosterImport:
    return access.get_object_or_404(
        RosterImport.objects.select_related("organisation", "created_by"), request.user, A.IMPORT, pk=pk
    )


def _show(field: str, value: Any, names: dict[int, str]) -> str:
    if value in ("", None):
        return ""
    if field == "organisation":
        return names.get(value, "")
    if field == "date_of_birth":
        return dt.date.fromisoformat(value).strftime("%d/%m/%Y")
    if field == "kind":
        return str(Person.Kind(value).label)
    if field == "gender":
        return str(Person.Gender(value).label)
    return str(value)


@login_required
def roster_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """/people/import/<id>/: the counts, every row error, and the first rows to create and update."""
    imp = _get_import(request, pk)
    rows: list[dict[str, Any]] = imp.rows
    creates = [r for r in rows if r["op"] == roster.CREATE]
    updates = [r for r in rows if r["op"] == roster.UPDATE]
    shown_creates, shown_updates = creates[:SHOWN_ROWS], updates[:SHOWN_ROWS]
    org_ids = {r["organisation"] for r in shown_creates} | {
        pk for r in shown_updates for pk in r["changes"].get("organisation", ())
    }
    names = dict(Organisation.objects.filter(pk__in=org_ids).values_list("pk", "name")) if org_ids else {}
    labels = {f: str(getattr(Person._meta.get_field(f), "verbose_name", f)) for f in roster.FIELDS}
    create_rows = [
        {"row": r["row"], "person": r["person"], **{f: _show(f, r[f], names) for f in roster.FIELDS}}
        for r in shown_creates
    ]
    update_rows = [
        {
            "row": r["row"],
            "person": r["person"],
            "full_name": r["full_name"],
            "card_number": r["card_number"],
            "changes": [
                (labels[f], _show(f, old, names), _show(f, new, names)) for f, (old, new) in r["changes"].items()
            ],
        }
        for r in shown_updates
    ]
    errors = Paginator(imp.errors, ERRORS_PER_PAGE).get_page(request.GET.get("page"))
    error_rows = len({e["row"] for e in imp.errors})
    return render(
        request,
        "organisations/roster_preview.html",
        {
            "imp": imp,
            "errors": errors,
            "error_count": len(imp.errors),
            "error_rows": error_rows,
            "create_rows": create_rows,
            "update_rows": update_rows,
            "shown": SHOWN_ROWS,
            "can_confirm": imp.status == RosterImport.Status.PREVIEW and not imp.errors and rows,
            "is_preview": imp.status == RosterImport.Status.PREVIEW,
        },
    )


@login_required
@require_POST
def roster_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    imp = _get_import(request, pk)
    already = imp.status == RosterImport.Status.APPLIED
    try:
        imp = roster.roster_apply(actor=request.user, roster_import=imp)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        if not already:
            messages.success(
                request,
                _("Roster imported: %(created)s people added, %(updated)s updated, %(unchanged)s unchanged.")
                % {"created": imp.created_count, "updated": imp.updated_count, "unchanged": imp.unchanged_count},
            )
    return redirect("organisations:roster_preview", pk=imp.pk)


@login_required
@require_POST
def roster_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    imp = _get_import(request, pk)
    try:
        roster.roster_cancel(actor=request.user, roster_import=imp)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("organisations:roster_preview", pk=imp.pk)
    messages.info(request, _("The import was cancelled; nothing was saved."))
    return redirect("organisations:roster_upload")


@login_required
def roster_errors(request: HttpRequest, pk: int) -> HttpResponse:
    """Every row error as CSV (UTF-8 with BOM, ";"), to work through beside the spreadsheet."""
    imp = _get_import(request, pk)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([_("Row"), _("Column"), _("Problem")])
    for error in imp.errors:
        writer.writerow([error["row"], _cell(error["column"]), _cell(error["message"])])
    response = HttpResponse(("\ufeff" + out.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="loi-nhap-danh-sach-{imp.pk}.csv"'
    return response


def _cell(text: str) -> str:
    """Text from an uploaded file, made inert for a spreadsheet (no formula, e.g. "=HYPERLINK(...)")."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
