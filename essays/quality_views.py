"""Committee pages of the essays: exemptions, who must re-study, and quality figures from province to names.

Thin adapters: parse, ask organisations.access (outside the scope -> 404, inside without the right -> 403),
call one service or selector (essays/exemptions.py, essays/quality.py), render. These pages show other
people's figures and names: a participant who sees the campaign only as a participant gets 404 here (their
own page is "Bài thu hoạch của tôi"). A committee's plan answers with its provincial campaign's pages, since
essays belong to the provincial campaign.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from campaigns import participation
from campaigns import selectors as campaign_selectors
from campaigns.attendance.common import path_prefixes
from campaigns.models import Campaign, StudySession
from organisations import access
from organisations.models import Organisation, Person
from portal.lib.errors import DomainError

from . import exemptions, quality
from .models import Exemption
from .quality import Show

A = access.Action
PAGE_SIZE = 50
SUGGESTIONS_PAGE_SIZE = 10


def _query_string(request: HttpRequest, *drop: str) -> str:
    params = request.GET.copy()
    for key in drop:
        params.pop(key, None)
    return params.urlencode()


def _campaign(request: HttpRequest, campaign_id: int) -> Campaign:
    """The campaign, if the user sees it through a role (else 404, even for its participants)."""
    campaign = access.get_object_or_404(
        Campaign.objects.select_related("organisation", "parent__organisation"), request.user, A.VIEW, pk=campaign_id
    )
    if not access.can_view_by_role(request.user, campaign):
        raise Http404
    return campaign


def _organisation(request: HttpRequest, campaign: Campaign, frame: participation.Frame, org_id: int) -> Organisation:
    """An organisation the user may REPORT on, inside the campaign's audience (else 404 / 403)."""
    organisation = access.get_object_or_404(Organisation.objects.all(), request.user, A.REPORT, pk=org_id)
    if not organisation.path.startswith(campaign.organisation.path) or not frame.covers(organisation):
        raise Http404
    return organisation


def _start(request: HttpRequest, campaign_id: int, name: str) -> HttpResponse | tuple[Campaign, participation.Frame]:
    """The provincial campaign and where the user's pages start: a redirect, or (campaign, frame)."""
    campaign = _campaign(request, campaign_id)
    if campaign.parent_id:
        return redirect(name, campaign_id=campaign.parent_id)
    frame = participation.frame_of(campaign)
    roots = campaign_selectors.report_roots(user=request.user, campaign=campaign, frame=frame)
    if not roots:
        raise PermissionDenied
    if roots[0] != campaign.organisation:
        return redirect(f"{name}_org", campaign_id=campaign.pk, org_id=roots[0].pk)
    return campaign, frame


def _at_org(
    request: HttpRequest, campaign_id: int, org_id: int, name: str
) -> HttpResponse | tuple[Campaign, participation.Frame, Organisation]:
    campaign = _campaign(request, campaign_id)
    if campaign.parent_id:
        return redirect(name, campaign_id=campaign.parent_id, org_id=org_id)
    frame = participation.frame_of(campaign)
    return campaign, frame, _organisation(request, campaign, frame, org_id)


def _show(request: HttpRequest, default: Show, allowed: tuple[Show, ...]) -> Show:
    value = request.GET.get("show", "")
    return Show(value) if value in allowed else default


# --------------------------------------------------------------------------------------------
# Quality figures
# --------------------------------------------------------------------------------------------

QUALITY_SHOWS = (
    Show.NOT_SUBMITTED,
    Show.LATE,
    Show.WAITING,
    Show.FAILED,
    Show.MUST_RESTUDY,
    Show.RESTUDIED,
    Show.EXEMPT,
    Show.ALL,
)


@login_required
def quality_root(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """/essays/campaign/<id>/quality/: the essay figures of the campaign's organiser, or the user's own part."""
    started = _start(request, campaign_id, "essays:quality")
    if isinstance(started, HttpResponse):
        return started
    campaign, frame = started
    return _quality_page(request, campaign, frame, campaign.organisation)


@login_required
def quality_org(request: HttpRequest, campaign_id: int, org_id: int) -> HttpResponse:
    """/essays/campaign/<id>/quality/<org id>/: one organisation's essay figures, its children, and names."""
    found = _at_org(request, campaign_id, org_id, "essays:quality_org")
    if isinstance(found, HttpResponse):
        return found
    return _quality_page(request, *found)


def _figure_counts(total: quality.Figures) -> dict[Show, int]:
    return {
        Show.NOT_SUBMITTED: total.not_submitted,
        Show.LATE: total.late,
        Show.WAITING: total.waiting,
        Show.FAILED: total.failed,
        Show.MUST_RESTUDY: total.must_restudy,
        Show.RESTUDIED: total.restudied,
        Show.EXEMPT: total.exempt,
        Show.ALL: total.required + total.exempt,
    }


def _names(
    request: HttpRequest,
    frame: participation.Frame,
    org: Organisation,
    total: quality.Figures,
    *,
    default: Show,
    shows: tuple[Show, ...],
) -> dict[str, Any]:
    """A page of the names behind one figure (``?show=``), with links to the others and their counts."""
    show = _show(request, default, shows)
    page = Paginator(quality.people(frame, org, show), PAGE_SIZE).get_page(request.GET.get("page"))
    quality.label_rows(page.object_list)
    counts = _figure_counts(total)
    base = _query_string(request, "page", "show", "names")
    return {
        "names": page,
        "show": show,
        "show_label": quality.SHOW_LABELS[show],
        "query_page": _query_string(request, "page"),
        "show_links": [
            {"value": value, "label": quality.SHOW_LABELS[value], "count": counts[value], "base": base}
            for value in shows
        ],
    }


PASSING_COLOURS = ("#0f5132", "#198754", "#52b788", "#95d5b2", "#b7e4c7", "#d8f3dc")
FAILING_COLOURS = ("#dc3545", "#a71d2a", "#f1aeb5")


def _distribution(total: quality.Figures, levels: list[Any]) -> list[dict[str, Any]]:
    """The grade distribution as segments of a bar (a loop over the scale's levels): SVG attributes, since
    the content security policy forbids inline styles."""
    graded = sum(total.grades)
    if not graded:
        return []
    segments, x, passing, failing = [], Decimal(0), 0, 0
    for level, count in zip(levels, total.grades, strict=True):
        if level.passing:
            colour, passing = PASSING_COLOURS[min(passing, len(PASSING_COLOURS) - 1)], passing + 1
        else:
            colour, failing = FAILING_COLOURS[min(failing, len(FAILING_COLOURS) - 1)], failing + 1
        share = Decimal(count) / graded
        segments.append(
            {"level": level, "count": count, "share": share, "x": x * 100, "width": share * 100, "colour": colour}
        )
        x += share
    return segments


def _quality_page(
    request: HttpRequest, campaign: Campaign, frame: participation.Frame, org: Organisation
) -> HttpResponse:
    user = request.user
    children = campaign_selectors.participation_children(user=user, organisation=org, frame=frame)
    result = quality.breakdown(frame, org, children, quality.levels_of(campaign))
    show_names = not children or request.GET.get("names") == "1"
    context: dict[str, Any] = {
        "campaign": campaign,
        "organisation": org,
        "breadcrumb": campaign_selectors.breadcrumb(user=user, campaign=campaign, organisation=org),
        "result": result,
        "total": result.total,
        "rows": result.rows,
        "own": result.own,
        "distribution": _distribution(result.total, result.levels),
        "show_names": show_names,
        "names_url": _query_string(request, "page", "names", "show"),
        "can_manage": access.can(user, A.MANAGE_CAMPAIGNS, org),
    }
    if show_names and campaign.essay_required:
        context.update(_names(request, frame, org, result.total, default=Show.NOT_SUBMITTED, shows=QUALITY_SHOWS))
    return render(request, "essays/quality.html", context)


# --------------------------------------------------------------------------------------------
# Re-study
# --------------------------------------------------------------------------------------------

RESTUDY_SHOWS = (Show.MUST_RESTUDY, Show.RESTUDIED, Show.FAILED)


@login_required
def restudy_root(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """/essays/campaign/<id>/restudy/: who must re-study and who has done it, for the user's part of the tree."""
    started = _start(request, campaign_id, "essays:restudy")
    if isinstance(started, HttpResponse):
        return started
    campaign, frame = started
    return _restudy_page(request, campaign, frame, campaign.organisation)


@login_required
def restudy_org(request: HttpRequest, campaign_id: int, org_id: int) -> HttpResponse:
    """/essays/campaign/<id>/restudy/<org id>/: one organisation's re-study figures, its children, and names."""
    found = _at_org(request, campaign_id, org_id, "essays:restudy_org")
    if isinstance(found, HttpResponse):
        return found
    return _restudy_page(request, *found)


def _restudy_sessions(frame: participation.Frame, org: Organisation) -> list[StudySession]:
    """The family's re-study sessions that concern ``org``: organised above it, at it, or below it (one query)."""
    near = Q(organisation__path__in=path_prefixes(org.path)) | Q(organisation__path__startswith=org.path)
    sessions = StudySession.objects.filter(near, campaign_id__in=frame.family_ids, kind=StudySession.Kind.RESTUDY)
    return list(sessions.select_related("organisation").order_by("-starts_at", "-pk")[:20])


def _restudy_page(
    request: HttpRequest, campaign: Campaign, frame: participation.Frame, org: Organisation
) -> HttpResponse:
    user = request.user
    children = campaign_selectors.participation_children(user=user, organisation=org, frame=frame)
    result = quality.breakdown(frame, org, children, quality.levels_of(campaign))
    show_names = not children or request.GET.get("names") == "1"
    context: dict[str, Any] = {
        "campaign": campaign,
        "organisation": org,
        "breadcrumb": campaign_selectors.breadcrumb(user=user, campaign=campaign, organisation=org),
        "result": result,
        "total": result.total,
        # Only the organisations where someone failed: the others have nobody to send to a re-study session.
        "rows": [row for row in result.rows if row.figures.failed],
        "without_failures": sum(1 for row in result.rows if not row.figures.failed),
        "own": result.own,
        "can_manage": access.can(user, A.MANAGE_CAMPAIGNS, org),
        "sessions": _restudy_sessions(frame, org),
        "show_names": show_names,
        "names_url": _query_string(request, "page", "names", "show"),
    }
    if show_names and campaign.essay_required:
        context.update(_names(request, frame, org, result.total, default=Show.MUST_RESTUDY, shows=RESTUDY_SHOWS))
    return render(request, "essays/restudy.html", context)


# --------------------------------------------------------------------------------------------
# Exemptions
# --------------------------------------------------------------------------------------------


class PeopleSearchForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Find a person"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": gettext_lazy("Name (with or without diacritics) or card number"),
                "autocomplete": "off",
            }
        ),
    )


class ExemptionForm(forms.Form):
    person = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=exemptions.REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("E.g. excused from Party activities for age or health since 2023."),
    )


class RevokeForm(forms.Form):
    revoke_reason = forms.CharField(label=gettext_lazy("Why is the exemption withdrawn?"), max_length=500)


def _exemption_campaign(
    request: HttpRequest, campaign_id: int
) -> tuple[Campaign, participation.Frame, list[Organisation]]:
    """The provincial campaign, its frame, and where the user may manage its exemptions (else 404 / 403)."""
    campaign = _campaign(request, campaign_id)
    root = campaign.parent if campaign.parent_id else campaign
    assert root is not None
    frame = participation.frame_of(root)
    roots = exemptions.manage_roots(user=request.user, frame=frame)
    if not roots:
        raise PermissionDenied
    return root, frame, roots


@login_required
def exemption_list(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """/essays/campaign/<id>/exemptions/: the confirmed exemptions, finding a person, and confirming one."""
    user = request.user
    campaign, frame, roots = _exemption_campaign(request, campaign_id)
    if campaign.pk != campaign_id:
        return redirect("essays:exemptions", campaign_id=campaign.pk)
    search = PeopleSearchForm(request.GET or None)
    query = search.cleaned_data.get("q", "") if search.is_valid() else ""
    form = None
    selected: Person | None = None
    if request.method == "POST":
        form = ExemptionForm(request.POST)
        if form.is_valid():
            selected = access.get_object_or_404(
                Person.objects.select_related("organisation"), user, A.MANAGE_CAMPAIGNS, pk=form.cleaned_data["person"]
            )
            try:
                exemptions.exemption_confirm(
                    actor=user, campaign=campaign, person=selected, reason=form.cleaned_data["reason"]
                )
            except DomainError as exc:
                form.add_error("reason" if exc.field == "reason" else None, exc.message)
            else:
                messages.success(request, _("%(name)s is exempt from the essay.") % {"name": selected.full_name})
                return redirect("essays:exemptions", campaign_id=campaign.pk)
        elif form.cleaned_data.get("person"):
            selected = access.get_object_or_404(
                Person.objects.select_related("organisation"), user, A.MANAGE_CAMPAIGNS, pk=form.cleaned_data["person"]
            )
    elif request.GET.get("person", "").isdigit():
        selected = access.get_object_or_404(
            Person.objects.select_related("organisation"), user, A.MANAGE_CAMPAIGNS, pk=int(request.GET["person"])
        )
        initial = {"person": selected.pk}
        if selected.status == Person.Status.EXCUSED:
            initial["reason"] = _("Excused from Party activities.")
        form = ExemptionForm(initial=initial)
    listed = exemptions.exemption_list(user=user, root=campaign)
    page = Paginator(listed, PAGE_SIZE).get_page(request.GET.get("page"))
    suggestions = Paginator(exemptions.exemption_suggestions(user=user, frame=frame), SUGGESTIONS_PAGE_SIZE)
    context = {
        "campaign": campaign,
        "roots": roots,
        "search": search,
        "query": query,
        "candidates": exemptions.exemption_candidates(user=user, frame=frame, query=query) if query else [],
        "form": form,
        "selected": selected,
        "page": page,
        "suggestions": suggestions.get_page(request.GET.get("spage")),
        "query_page": _query_string(request, "page", "person"),
        "query_spage": _query_string(request, "spage", "person"),
        "query_keep": _query_string(request, "person"),
        "revoke_form": RevokeForm(),
    }
    return render(request, "essays/exemptions.html", context)


@login_required
@require_POST
def exemption_revoke(request: HttpRequest, campaign_id: int, exemption_id: int) -> HttpResponse:
    """POST /essays/campaign/<id>/exemptions/<exemption id>/revoke/: withdraw an exemption, with a reason."""
    user = request.user
    campaign, _frame, _roots = _exemption_campaign(request, campaign_id)
    exemption = access.get_object_or_404(
        Exemption.objects.filter(campaign=campaign).select_related("person"), user, A.MANAGE_CAMPAIGNS, pk=exemption_id
    )
    form = RevokeForm(request.POST)
    target = reverse("essays:exemptions", kwargs={"campaign_id": campaign.pk})
    if not form.is_valid():
        messages.error(request, _("Give the reason for withdrawing the exemption; nothing was changed."))
        return redirect(target)
    try:
        exemptions.exemption_revoke(actor=user, exemption=exemption, reason=form.cleaned_data["revoke_reason"])
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("The exemption of %(name)s was withdrawn: they must write the essay.")
            % {"name": exemption.person.full_name},
        )
    return redirect(target)
