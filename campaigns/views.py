"""Portal pages of the campaigns app: documents, campaigns and plans, sessions, participation, dashboard.

Thin adapters: parse, ask organisations.access (outside the scope -> 404, inside without the right ->
403), call one service or selector, render. Attendance pages live in campaigns/attendance_views.py.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from organisations import access
from organisations.models import Organisation
from portal.lib.errors import DomainError

from . import forms, participation, selectors, services
from .models import Attendance, Campaign, StudySession

A = access.Action
PAGE_SIZE = 50
K = Organisation.Kind
# "13/13 cấp ủy trực thuộc", "100% TCCSĐ": what the organisations counted by a completion figure are called.
COMPLETION_LABELS = {
    K.COMMITTEE: gettext_lazy("directly-subordinate committees"),
    K.MASS_ORG: gettext_lazy("socio-political organisations"),
    K.GRASSROOTS: gettext_lazy("grassroots party organisations"),
    K.CELL: gettext_lazy("party cells"),
    K.PROVINCE: gettext_lazy("provincial committees"),
}


def _completion(result: participation.Summary) -> list[dict[str, Any]]:
    """The completion figures of a summary, labelled for display: the children's, then the grassroots'."""
    items = [(c, False) for c in result.children_completion]
    grassroots = result.grassroots_completion
    if grassroots is not None and not any(c.kind == K.GRASSROOTS for c in result.children_completion):
        items.append((grassroots, True))
    return [
        {
            "held": c.held,
            "total": c.total,
            "rate": c.rate,
            "complete": c.complete,
            "grassroots": is_grassroots,
            "label": COMPLETION_LABELS.get(c.kind, c.kind),
        }
        for c, is_grassroots in items
    ]


def _query_string(request: HttpRequest, *drop: str) -> str:
    params = request.GET.copy()
    for key in drop:
        params.pop(key, None)
    return params.urlencode()


def _form_error(form: Any, exc: DomainError) -> None:
    field = exc.field if exc.field in getattr(form, "fields", {}) else None
    form.add_error(field, exc.message)


# --------------------------------------------------------------------------------------------
# Documents
# --------------------------------------------------------------------------------------------


@login_required
def document_list(request: HttpRequest) -> HttpResponse:
    """/campaigns/documents/: the documents studied, searchable with or without diacritics."""
    form = forms.DocumentFilterForm(request.GET or None)
    filters: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    documents = selectors.document_list(user=request.user, query=filters.get("q", ""), kind=filters.get("kind", ""))
    page = Paginator(documents, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "campaigns/document_list.html",
        {
            "form": form,
            "page": page,
            "filtered": any(filters.values()),
            "query_string": _query_string(request, "page"),
            "can_manage": access.can_use_admin(request.user) and access.can(request.user, A.MANAGE_CAMPAIGNS),
        },
    )


# --------------------------------------------------------------------------------------------
# Campaigns
# --------------------------------------------------------------------------------------------


@login_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    """/campaigns/: the campaigns of the user's subtree and the provincial ones that concern it."""
    access.require(request.user, A.REPORT)
    form = forms.CampaignFilterForm(request.GET or None)
    filters: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    campaigns = selectors.campaign_list(user=request.user, status=filters.get("status", ""), query=filters.get("q", ""))
    page = Paginator(campaigns, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "campaigns/campaign_list.html",
        {
            "form": form,
            "page": page,
            "filtered": any(filters.values()),
            "query_string": _query_string(request, "page"),
            "can_create": access.can(request.user, A.MANAGE_CAMPAIGNS),
        },
    )


@login_required
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """/campaigns/<id>/: settings, plans with their progress, sessions, and the user's headline figures."""
    user = request.user
    campaign = access.get_object_or_404(
        Campaign.objects.select_related("organisation", "parent", "parent__organisation"), user, A.VIEW, pk=pk
    )
    if not access.can_view_by_role(user, campaign):
        return _to_my_study(campaign, f"campaign-{campaign.parent_id or campaign.pk}")
    frame = participation.frame_of(campaign)
    plans = selectors.campaign_plans(user=user, campaign=campaign) if campaign.parent_id is None else []
    roots = selectors.report_roots(user=user, campaign=campaign, frame=frame)
    whole = bool(roots) and roots[0] == campaign.organisation
    # Progress per plan (or per reporting root of an officer): ONE grouped query under the organiser.
    reportable = [p.organisation for p in plans if access.can(user, A.REPORT, p.organisation)]
    children = reportable if (plans and reportable) else [r for r in roots if r != campaign.organisation]
    rows: dict[int, participation.Figures] = {}
    headline = None
    if roots:
        result = participation.breakdown(frame, campaign.organisation, children)
        rows = {row.organisation.pk: row.figures for row in result.rows}
        headline = result.total if whole else sum(rows.values(), participation.Figures())
    for plan in plans:
        plan.figures = rows.get(plan.organisation_id)
    can_manage = access.can_object(user, A.MANAGE_CAMPAIGNS, campaign)
    return render(
        request,
        "campaigns/campaign_detail.html",
        {
            "campaign": campaign,
            "documents": list(campaign.documents.all()),
            "audience": list(campaign.audience.order_by("path")),
            "plans": plans,
            "sessions": selectors.campaign_sessions(user=user, campaign=campaign),
            "headline": headline,
            "headline_org": campaign.organisation if whole else (roots[0] if len(roots) == 1 else None),
            "target": frame.target,
            "can_manage": can_manage,
            "cascade_count": len(services.cascade_targets(campaign)) if can_manage and not campaign.parent_id else 0,
            "can_report": bool(roots),
            "can_admin": access.can_use_admin(user),
        },
    )


@login_required
def campaign_create(request: HttpRequest) -> HttpResponse:
    """/campaigns/new/: a new campaign, in draft."""
    access.require(request.user, A.MANAGE_CAMPAIGNS)
    form = forms.CampaignForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        access.require(request.user, A.MANAGE_CAMPAIGNS, form.cleaned_data["organisation"])
        try:
            campaign = services.campaign_create(
                actor=request.user,
                documents=list(form.cleaned_data["documents"]),
                audience=list(form.cleaned_data["audience"]),
                **form.service_fields(),
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The campaign was created as a draft."))
            return redirect("campaigns:detail", pk=campaign.pk)
    return render(request, "campaigns/campaign_form.html", {"form": form, "campaign": None})


@login_required
def campaign_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """/campaigns/<id>/edit/: a campaign's settings; a plan's own dates."""
    user = request.user
    campaign = access.get_object_or_404(
        Campaign.objects.select_related("organisation", "parent"), user, A.MANAGE_CAMPAIGNS, pk=pk
    )
    form_class = forms.PlanForm if campaign.parent_id else forms.CampaignForm
    form = form_class(request.POST or None, instance=campaign, user=user)
    if request.method == "POST" and form.is_valid():
        extra: dict[str, Any] = {}
        if not campaign.parent_id:
            access.require(user, A.MANAGE_CAMPAIGNS, form.cleaned_data["organisation"])
            extra = {"documents": list(form.cleaned_data["documents"]), "audience": list(form.cleaned_data["audience"])}
        try:
            services.campaign_update(actor=user, campaign=campaign, **extra, **form.service_fields())
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The campaign was saved."))
            return redirect("campaigns:detail", pk=campaign.pk)
    return render(request, "campaigns/campaign_form.html", {"form": form, "campaign": campaign})


TRANSITIONS = {
    "open": (services.campaign_open, _("The campaign is open.")),
    "close": (services.campaign_close, _("The campaign is closed: attendance is now read-only.")),
    "reopen": (services.campaign_reopen, _("The campaign is open again.")),
}


@login_required
@require_POST
def campaign_action(request: HttpRequest, pk: int) -> HttpResponse:
    """POST /campaigns/<id>/action/: open, close, reopen, or cascade into plans."""
    campaign = access.get_object_or_404(Campaign.objects.all(), request.user, A.MANAGE_CAMPAIGNS, pk=pk)
    action = request.POST.get("action", "")
    try:
        if action == "cascade":
            result = services.campaign_cascade(actor=request.user, campaign=campaign)
            messages.success(request, _("%(count)s plans created for the committees.") % {"count": len(result.created)})
        elif action in TRANSITIONS:
            service, message = TRANSITIONS[action]
            service(actor=request.user, campaign=campaign)
            messages.success(request, str(message))
        else:
            raise DomainError(_("Unknown action."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("campaigns:detail", pk=campaign.pk)


# --------------------------------------------------------------------------------------------
# Sessions
# --------------------------------------------------------------------------------------------


def _session_form(request: HttpRequest, campaign: Campaign, session: StudySession | None) -> HttpResponse:
    user = request.user
    instance = session or StudySession(campaign=campaign)
    data = request.POST if request.method == "POST" else None
    form = forms.SessionForm(data, instance=instance, user=user, campaign=campaign)
    hosts = forms.point_hosts(campaign, user, session)
    speakers = forms.SpeakerFormSet(data, instance=instance, prefix="speakers")
    points = forms.PointFormSet(
        data,
        instance=instance,
        prefix="points",
        form_kwargs={"hosts": hosts, "base_depth": campaign.organisation.depth},
    )
    if data is not None and form.is_valid() and speakers.is_valid() and points.is_valid():
        access.require(user, A.MANAGE_CAMPAIGNS, form.cleaned_data["organisation"])
        fields = {k: v for k, v in form.cleaned_data.items() if k in services.SESSION_FIELDS}
        try:
            saved = services.session_save(
                actor=user, campaign=campaign, session=session, speakers=speakers.rows(), points=points.rows(), **fields
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The session was saved."))
            return redirect("campaigns:session_detail", pk=saved.pk)
    return render(
        request,
        "campaigns/session_form.html",
        {
            "form": form,
            "speakers": speakers,
            "points": points,
            "campaign": campaign,
            "session": session,
        },
    )


@login_required
def session_create(request: HttpRequest, pk: int) -> HttpResponse:
    """/campaigns/<id>/sessions/new/: a study session of this campaign."""
    campaign = access.get_object_or_404(
        Campaign.objects.select_related("organisation"), request.user, A.MANAGE_CAMPAIGNS, pk=pk
    )
    return _session_form(request, campaign, None)


@login_required
def session_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """/campaigns/sessions/<id>/edit/: a session with its speakers and connection points."""
    session = access.get_object_or_404(
        StudySession.objects.select_related("campaign__organisation", "organisation"),
        request.user,
        A.MANAGE_CAMPAIGNS,
        pk=pk,
    )
    return _session_form(request, session.campaign, session)


@login_required
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """/campaigns/sessions/<id>/: a session, its speakers, its points with their rosters, attendance so far."""
    user = request.user
    session = access.get_object_or_404(
        StudySession.objects.select_related("campaign__organisation", "organisation"), user, A.VIEW, pk=pk
    )
    if not access.can_view_by_role(user, session):
        return _to_my_study(session.campaign, f"session-{session.pk}")
    frame = participation.frame_of(session.campaign)
    counts = Attendance.objects.filter(session=session).aggregate(
        present=Count("pk", filter=Q(status=Attendance.Status.PRESENT)),
        elsewhere=Count("pk", filter=Q(status=Attendance.Status.ELSEWHERE)),
        absent=Count("pk", filter=Q(status=Attendance.Status.ABSENT)),
    )
    roster = participation.expected_people(frame, session.organisation).count()
    return render(
        request,
        "campaigns/session_detail.html",
        {
            "session": session,
            "campaign": session.campaign,
            "speakers": list(session.speakers.order_by("pk")),
            "points": selectors.session_points(session=session, frame=frame),
            "counts": counts,
            "roster": roster,
            "can_manage": access.can_object(user, A.MANAGE_CAMPAIGNS, session),
        },
    )


# --------------------------------------------------------------------------------------------
# A member's own study
# --------------------------------------------------------------------------------------------


def _to_my_study(campaign: Campaign, anchor: str) -> HttpResponse:
    """A participant who sees a campaign only because its audience covers them gets their own page, not the
    managers' one (other people's figures and names). A draft does not exist yet for its participants."""
    if campaign.status == Campaign.Status.DRAFT:
        raise Http404
    return redirect(f"{reverse('campaigns:mine')}#{anchor}")


@login_required
def my_study(request: HttpRequest) -> HttpResponse:
    """/campaigns/mine/: the campaigns covering the member, their sessions, their attendance, make-up sessions."""
    found = selectors.my_study(user=request.user)
    if found is None:  # an account without a participant record (cadre or Party member)
        raise PermissionDenied
    person, campaigns = found
    return render(request, "campaigns/my_study.html", {"person": person, "campaigns": campaigns})


# --------------------------------------------------------------------------------------------
# Participation
# --------------------------------------------------------------------------------------------


@login_required
def participation_root(request: HttpRequest, pk: int) -> HttpResponse:
    """/campaigns/<id>/participation/: the campaign's organiser, or the user's own part of it."""
    user = request.user
    campaign = access.get_object_or_404(Campaign.objects.select_related("organisation"), user, A.VIEW, pk=pk)
    frame = participation.frame_of(campaign)
    roots = selectors.report_roots(user=user, campaign=campaign, frame=frame)
    if not roots:
        raise PermissionDenied
    if roots[0] != campaign.organisation:
        return redirect("campaigns:participation_org", pk=campaign.pk, org=roots[0].pk)
    return _participation_page(request, campaign, frame, campaign.organisation)


@login_required
def participation_org(request: HttpRequest, pk: int, org: int) -> HttpResponse:
    """/campaigns/<id>/participation/<org id>/: one organisation's figures, its children, and names."""
    user = request.user
    campaign = access.get_object_or_404(Campaign.objects.select_related("organisation"), user, A.VIEW, pk=pk)
    organisation = access.get_object_or_404(Organisation.objects.all(), user, A.REPORT, pk=org)
    frame = participation.frame_of(campaign)
    if not organisation.path.startswith(campaign.organisation.path) or not frame.covers(organisation):
        raise Http404
    return _participation_page(request, campaign, frame, organisation)


def _participation_page(
    request: HttpRequest, campaign: Campaign, frame: participation.Frame, org: Organisation
) -> HttpResponse:
    user = request.user
    children = selectors.participation_children(user=user, organisation=org, frame=frame)
    result = participation.summary(frame, org, children)
    show_names = not children or request.GET.get("names") == "1"
    context: dict[str, Any] = {
        "campaign": campaign,
        "organisation": org,
        "breadcrumb": selectors.breadcrumb(user=user, campaign=campaign, organisation=org),
        "summary": result,
        "completion": _completion(result),
        "total": result.breakdown.total,
        "rows": result.breakdown.rows,
        "own": result.breakdown.own,
        "target": frame.target,
        "show_names": show_names,
        "names_url": _query_string(request, "page", "xpage", "names"),
    }
    if show_names:
        missing = Paginator(participation.not_studied(frame, org), PAGE_SIZE).get_page(request.GET.get("page"))
        reasons = dict(Attendance.Reason.choices)
        for person in missing:  # the rows shown, no query
            person.last_reason_label = reasons.get(person.last_reason or "", "")
        context["missing"] = missing
        context["excused"] = Paginator(participation.excused_people(frame, org), PAGE_SIZE).get_page(
            request.GET.get("xpage")
        )
        context["query_page"] = _query_string(request, "page")
        context["query_xpage"] = _query_string(request, "xpage")
    return render(request, "campaigns/participation.html", context)


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """/campaigns/dashboard/: one open campaign (the newest, or ?campaign=<id>) for the user's part of the tree,
    with its flagged units grouped by the organisation they are reported to. The other open campaigns are tabs."""
    user = request.user
    access.require(user, A.REPORT)
    open_campaigns = selectors.dashboard_campaigns(user=user)
    chosen = next(
        (c for c in open_campaigns if str(c.pk) == request.GET.get("campaign")),
        open_campaigns[0] if open_campaigns else None,
    )
    panels = []
    if chosen is not None:
        frame = participation.frame_of(chosen)
        for root in selectors.report_roots(user=user, campaign=chosen, frame=frame):
            children = selectors.participation_children(user=user, organisation=root, frame=frame)
            result = participation.summary(frame, root, children)
            groups: dict[int, list[participation.Unit]] = {}
            above: dict[int, Organisation] = {}
            for unit in result.flagged:
                assert unit.above is not None
                groups.setdefault(unit.above.pk, []).append(unit)
                above[unit.above.pk] = unit.above
            panels.append(
                {
                    "campaign": chosen,
                    "root": root,
                    "summary": result,
                    "target": frame.target,
                    "completion": _completion(result),
                    "flag_groups": [
                        {
                            "above": above[key],
                            "late": sum(u.no_attendance_since is not None for u in units),
                            "low": sum(u.below_target for u in units),
                            # units with nothing entered first: they are the ones to chase
                            "units": sorted(units, key=lambda u: (u.no_attendance_since is None, u.path)),
                        }
                        for key, units in groups.items()
                    ],
                }
            )
    return render(
        request,
        "campaigns/dashboard.html",
        {
            "panels": panels,
            "open_campaigns": open_campaigns,
            "chosen": chosen,
        },
    )
