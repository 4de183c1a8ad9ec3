"""Grading pages: the graders' queue, grading one essay, and the committee's release of grades.

Thin adapters: parse the filters, ask organisations.access (outside the scope -> 404, inside without the
right -> 403), call one service or selector of essays.grading, render. The queue and the grade page carry
the queue's filters in their query string, so that after a grade is saved the grader goes straight on to
the next essay of the same list.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaigns import participation
from campaigns.models import Campaign
from organisations import access
from organisations.models import Organisation
from portal.lib.errors import DomainError

from . import exemptions, grading, rules
from .grading import QueueFilters, QueueStatus
from .models import Criterion, Essay, GradeLevel

A = access.Action
PAGE_SIZE = 50
# The similarity filter: essays sharing at least this much of their text with another one.
SIMILARITY_CHOICES = (("0.5", "≥ 50%"), ("0.7", "≥ 70%"), ("0.9", "≥ 90%"))
FILTER_KEYS = ("campaign", "org", "status", "late", "similarity")


# --------------------------------------------------------------------------------------------
# The queue's filters (shared by the queue and the grade page's "next essay")
# --------------------------------------------------------------------------------------------


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _filters(request: HttpRequest, campaigns: list[Campaign] | None = None) -> QueueFilters:
    """The queue filters of the query string. An organisation outside the user's grading scope is a 404."""
    params = request.GET
    campaign = None
    campaign_id = _int(params.get("campaign"))
    if campaign_id is not None:
        if campaigns is not None:
            campaign = next((c for c in campaigns if c.pk == campaign_id), None)
        else:
            campaign = access.visible(Campaign.objects.filter(pk=campaign_id), request.user, A.VIEW).first()
    organisation = None
    org_id = _int(params.get("org"))
    if org_id is not None:
        organisation = access.visible(Organisation.objects.filter(pk=org_id), request.user, A.GRADE).first()
        if organisation is None:
            raise Http404
    status = params.get("status", "")
    similarity = params.get("similarity", "")
    return QueueFilters(
        campaign=campaign,
        organisation=organisation,
        status=QueueStatus(status) if status in set(QueueStatus) else QueueStatus.TO_GRADE,
        late=params.get("late") == "1",
        similarity=float(similarity) if similarity in dict(SIMILARITY_CHOICES) else None,
    )


def _query(request: HttpRequest, *drop: str) -> str:
    """The queue's filters as a query string (page numbers and unknown keys left out)."""
    params = request.GET.copy()
    for key in list(params):
        if key not in FILTER_KEYS or key in drop or not params.get(key):
            params.pop(key)
    return params.urlencode()


def _url(name: str, query: str, *args: Any) -> str:
    url = reverse(name, args=args)
    return f"{url}?{query}" if query else url


# --------------------------------------------------------------------------------------------
# The queue
# --------------------------------------------------------------------------------------------


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """/essays/grading/: the submitted essays the user may grade (never their own cell's), filtered, paginated."""
    user = request.user
    access.require(user, A.GRADE)
    campaigns = grading.grading_campaigns(user)
    filters = _filters(request, campaigns)
    # The organisation picker: the chosen organisation's children, or (nothing chosen) the user's grading
    # roots, opened on the single root when there is one.
    roots = grading.grading_roots(user) if filters.organisation is None else []
    anchor = filters.organisation or (roots[0] if len(roots) == 1 else None)
    children = grading.grading_children(user, anchor) if anchor is not None else roots
    breadcrumb = (
        [org for org in filters.organisation.ancestors() if access.can(user, A.GRADE, org)]
        if filters.organisation is not None
        else []
    )
    essays = grading.queue(user, filters)
    counts = grading.counts_by_child(essays, children)
    page = Paginator(essays, PAGE_SIZE).get_page(request.GET.get("page"))
    status_counts = grading.queue_counts(user, filters)
    query = _query(request)
    release_campaign = filters.campaign or (campaigns[0] if len(campaigns) == 1 else None)
    context = {
        "filters": filters,
        "campaigns": campaigns,
        "children": [(child, counts.get(child.pk, 0)) for child in children],
        "anchor": anchor,
        "breadcrumb": breadcrumb,
        "page": page,
        "status_tabs": [
            {"value": s.value, "label": grading.QUEUE_STATUS_LABELS[s], "count": status_counts[s]} for s in QueueStatus
        ],
        "similarity_choices": SIMILARITY_CHOICES,
        "query": query,
        "query_no_status": _query(request, "status"),
        "query_no_org": _query(request, "org"),
        "filtered": bool(_query(request, "status")),
        # With a single campaign to grade, rows need not name it, and its release page is one click away.
        "show_campaign": filters.campaign is None and len(campaigns) > 1,
        "release_campaign": release_campaign if access.can(user, A.MANAGE_CAMPAIGNS) else None,
    }
    return render(request, "essays/grading_queue.html", context)


# --------------------------------------------------------------------------------------------
# Grading one essay
# --------------------------------------------------------------------------------------------


class GradeForm(forms.Form):
    grade = forms.ModelChoiceField(
        label=gettext_lazy("Grade"),
        queryset=GradeLevel.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": gettext_lazy("Choose a grade.")},
    )
    comment = forms.CharField(
        label=gettext_lazy("Comments to the member"),
        required=False,
        max_length=grading.COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("Required when the essay does not pass: say what to improve."),
    )
    state = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, levels: list[GradeLevel], criteria: list[Criterion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["grade"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = GradeLevel.objects.filter(pk__in=[level.pk for level in levels]).order_by("order", "pk")
        self.levels = levels
        self.criteria = criteria
        for criterion in criteria:
            self.fields[f"note_{criterion.pk}"] = forms.CharField(
                label=criterion.title,
                required=False,
                max_length=grading.NOTE_MAX,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text=criterion.description,
            )

    def note_fields(self) -> list[forms.BoundField]:
        return [self[f"note_{criterion.pk}"] for criterion in self.criteria]

    def notes(self) -> dict[str, str]:
        return {str(c.pk): self.cleaned_data.get(f"note_{c.pk}", "") for c in self.criteria}


def _initial(essay: Essay, criteria: list[Criterion]) -> dict[str, Any]:
    notes = essay.criteria_notes or {}
    initial: dict[str, Any] = {
        "grade": essay.grade_id,
        "comment": essay.grade_comment,
        "state": grading.state_token(essay),
    }
    initial.update({f"note_{c.pk}": notes.get(str(c.pk), "") for c in criteria})
    return initial


def _similarity_url(essay: Essay) -> str | None:
    """Where to see what the essay shares with others: its closest pair of the latest similarity check, side by
    side (one query), when the similarity pages are installed."""
    pair = grading.closest_pair(essay)
    if pair is None:
        return None
    try:
        return reverse("essays:similarity_pair", args=[pair.pk])
    except NoReverseMatch:
        return None


@login_required
def grade(request: HttpRequest, essay_id: int) -> HttpResponse:
    """/essays/<id>/grade/: read one essay and give or change its grade; then on to the next essay."""
    user = request.user
    essay = access.get_object_or_404(
        Essay.objects.select_related("campaign__organisation", "person__organisation", "grade", "graded_by"),
        user,
        A.GRADE,
        pk=essay_id,
    )
    filters = _filters(request)
    query = _query(request)
    gradable = essay.status in (Essay.Status.SUBMITTED, Essay.Status.GRADED)
    attempts = grading.earlier_attempts(essay)
    superseded = any(a.attempt > essay.attempt for a in attempts)
    levels = rules.ensure_scale(essay.campaign) if gradable else []
    criteria = list(essay.campaign.essay_criteria.order_by("order", "pk"))
    conflict: grading.GradeConflict | None = None
    status = 200
    form = GradeForm(levels=levels, criteria=criteria, initial=_initial(essay, criteria))
    if request.method == "POST" and gradable and not superseded:
        form = GradeForm(request.POST, levels=levels, criteria=criteria)
        if form.is_valid():
            try:
                result = grading.grade(
                    actor=user,
                    essay=essay,
                    grade=form.cleaned_data["grade"],
                    comment=form.cleaned_data["comment"],
                    notes=form.notes(),
                    expected_state=form.cleaned_data["state"] or None,
                )
            except grading.GradeConflict as exc:
                conflict, status = exc, 409
                essay = exc.essay
                data = request.POST.copy()
                data["state"] = grading.state_token(essay)  # saving again replaces the grade now shown
                form = GradeForm(data, levels=levels, criteria=criteria)
                form.is_valid()
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                return _after_grading(request, result, filters, query)
    if request.method == "POST" and (not gradable or superseded):
        # A draft, or an attempt followed by a newer one: nothing is saved; the page says why.
        status = 409
    context = {
        "essay": essay,
        "campaign": essay.campaign,
        "ancestors": list(essay.person.organisation.ancestors()),
        "attempts": attempts,
        "superseded": superseded,
        "gradable": gradable and not superseded,
        "form": form,
        "conflict": conflict,
        "current": essay if essay.grade_id else None,
        "history": grading.history(essay) if essay.grade_id else [],
        "similarity_url": _similarity_url(essay) if essay.similarity is not None else None,
        "next_essay": grading.next_in_queue(user, filters, after=essay),
        "query": query,
        "queue_url": _url("essays:grading", query),
    }
    return render(request, "essays/grading_essay.html", context, status=status)


def _after_grading(
    request: HttpRequest, result: grading.GradeResult, filters: QueueFilters, query: str
) -> HttpResponse:
    essay = result.essay
    label = essay.grade.label if essay.grade else ""
    if result.repeated:
        messages.info(request, _("The grade of %(name)s was already saved.") % {"name": essay.person.full_name})
    elif result.change is not None and result.change.after_release:
        messages.warning(
            request,
            _(
                "The grade of %(name)s was changed to “%(grade)s”. It had been released: the member sees the new grade "
                "and that it was changed."
            )
            % {"name": essay.person.full_name, "grade": label},
        )
    else:
        messages.success(request, _("Saved: %(name)s, “%(grade)s”.") % {"name": essay.person.full_name, "grade": label})
    following = grading.next_in_queue(request.user, filters, after=essay)
    if following is None:
        messages.info(request, _("No more essays in this list."))
        return redirect(_url("essays:grading", query))
    return redirect(_url("essays:grade", query, following.pk))


# --------------------------------------------------------------------------------------------
# Releasing grades
# --------------------------------------------------------------------------------------------


def _release_campaign(request: HttpRequest, campaign_id: int) -> Campaign:
    """The campaign, if the user sees it through a role (else 404, even for its participants)."""
    campaign = access.get_object_or_404(
        Campaign.objects.select_related("organisation", "parent__organisation"), request.user, A.VIEW, pk=campaign_id
    )
    if not access.can_view_by_role(request.user, campaign):
        raise Http404
    return campaign


def _release_org(request: HttpRequest, root: Campaign, value: Any) -> Organisation | None:
    """The organisation asked for (``?org=`` or the form's), inside the user's MANAGE_CAMPAIGNS scope under the
    campaign's organiser (else 404 / 403)."""
    org_id = _int(value)
    if org_id is None:
        return None
    organisation = access.get_object_or_404(Organisation.objects.all(), request.user, A.MANAGE_CAMPAIGNS, pk=org_id)
    if not organisation.path.startswith(root.organisation.path):
        raise Http404
    return organisation


@login_required
def release(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """/essays/campaign/<id>/release/: per organisation, the grades waiting for release; release them at once."""
    user = request.user
    campaign = _release_campaign(request, campaign_id)
    if campaign.parent_id:
        return redirect("essays:release", campaign_id=campaign.parent_id)
    roots = exemptions.manage_roots(user=user, frame=participation.frame_of(campaign))
    if not roots:
        raise PermissionDenied
    chosen = _release_org(request, campaign, request.POST.get("org") if request.method == "POST" else None)
    current = chosen or _release_org(request, campaign, request.GET.get("org"))
    if current is None and len(roots) == 1:
        current = roots[0]
    error = ""
    if request.method == "POST":
        if current is None:
            raise Http404
        if request.POST.get("confirm") != "1":
            error = _("Tick the box to confirm the release.")
        else:
            row = grading.release(actor=user, campaign=campaign, organisation=current)
            if row is None:
                messages.info(request, _("There were no grades left to release for %(org)s.") % {"org": current.name})
            else:
                messages.success(
                    request,
                    _("%(count)s grades released for %(org)s: the members see them now.")
                    % {"count": formats.number_format(row.essays, force_grouping=True), "org": current.name},
                )
            return redirect(f"{reverse('essays:release', args=[campaign.pk])}?org={current.pk}")
    if current is None:  # several separate parts of the tree: one row each, released one by one
        total = None
        rows = [grading.release_rows(campaign, org, [])[0] for org in roots]
        breadcrumb: list[Organisation] = []
    else:
        children = list(
            access.visible(
                Organisation.objects.filter(parent=current, is_active=True), user, A.MANAGE_CAMPAIGNS
            ).order_by("path")
        )
        total, rows = grading.release_rows(campaign, current, children)
        breadcrumb = [
            org
            for org in current.ancestors().filter(path__startswith=campaign.organisation.path)
            if access.can(user, A.MANAGE_CAMPAIGNS, org)
        ]
    context = {
        "campaign": campaign,
        "organisation": current,
        "breadcrumb": breadcrumb,
        "total": total,
        "rows": rows,
        "error": error,
        "releases": grading.recent_releases(campaign, current or campaign.organisation, user=user),
        "can_grade": access.can(user, A.GRADE),
    }
    return render(request, "essays/grading_release.html", context, status=400 if error else 200)
