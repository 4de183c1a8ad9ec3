"""The essays admin: the grading scale and criteria on a provincial campaign's page, and a read-only essay list.

The scale and criteria are inlines attached to the campaigns app's CampaignAdmin (``CampaignAdmin.attach``):
they are saved through essays.grading's services, in the admin's transaction. The essay list shows facts
only (who, which attempt, status, grade, release), scoped by organisations.access like every admin page;
the text of an essay is read on the portal's grade page, by its author and its graders only.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy, pgettext_lazy

from campaigns.admin import CampaignAdmin, formset_rows
from organisations import access
from organisations.admin import ScopedModelAdmin
from portal.lib.text import fold

from . import grading, rules
from .models import Criterion, Essay, GradeLevel

A = access.Action


# --------------------------------------------------------------------------------------------
# The grading scale and criteria of a campaign
# --------------------------------------------------------------------------------------------


class _CampaignPartInline(admin.TabularInline):
    """Rows of a provincial campaign written by whoever may manage the campaign."""

    extra = 0

    def _may(self, request: HttpRequest, obj: Any) -> bool:
        if obj is None:
            return access.can(request.user, A.MANAGE_CAMPAIGNS)
        return access.can_object(request.user, A.MANAGE_CAMPAIGNS, obj)

    def has_view_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return access.can(request.user, A.VIEW) if obj is None else access.can_object(request.user, A.VIEW, obj)

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return self._may(request, obj)

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return self._may(request, obj)

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return self._may(request, obj)


class GradeLevelInline(_CampaignPartInline):
    model = GradeLevel
    fields = ["label", "passing", "order"]
    verbose_name = gettext_lazy("grade of the scale")
    verbose_name_plural = gettext_lazy(
        "grading scale (best first; untick “passes” for the grade that sends to re-study)"
    )

    def get_formset(self, request, obj=None, **kwargs):  # type: ignore[no-untyped-def]
        # A campaign asking for an essay shows its scale, the default one until its organisers change it.
        if obj is not None and obj.essay_required and self._may(request, obj):
            rules.ensure_scale(obj)
        return super().get_formset(request, obj, **kwargs)


class CriterionInline(_CampaignPartInline):
    model = Criterion
    fields = ["title", "description", "order"]
    verbose_name = gettext_lazy("grading criterion")
    verbose_name_plural = gettext_lazy("grading criteria (optional: graders write a note for each)")


def _save_scale(*, actor: Any, campaign: Any, formset: Any) -> None:
    grading.scale_save(actor=actor, campaign=campaign, rows=formset_rows(formset, grading.SCALE_FIELDS))


def _save_criteria(*, actor: Any, campaign: Any, formset: Any) -> None:
    grading.criteria_save(actor=actor, campaign=campaign, rows=formset_rows(formset, grading.CRITERION_FIELDS))


CampaignAdmin.attach(GradeLevelInline, _save_scale)
CampaignAdmin.attach(CriterionInline, _save_criteria)


# --------------------------------------------------------------------------------------------
# Essays (read-only)
# --------------------------------------------------------------------------------------------


@admin.register(Essay)
class EssayAdmin(ScopedModelAdmin):
    list_display = [
        "person",
        "organisation",
        "campaign_title",
        "attempt",
        "status",
        "is_late",
        "grade",
        "released_at",
        "similarity_shown",
        "portal_link",
    ]
    list_filter = [
        "status",
        "is_late",
        ("released_at", admin.EmptyFieldListFilter),
        ("campaign", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["person__organisation", "campaign", "grade"]
    search_fields = ["person__search_name"]
    date_hierarchy = "submitted_at"
    list_per_page = 100
    fields = [
        "campaign",
        "person",
        "attempt",
        "status",
        "submitted_at",
        "is_late",
        "word_count",
        "file_name",
        "extraction",
        "extraction_error",
        "grade",
        "grader",
        "graded_at",
        "released_at",
        "similarity",
    ]
    readonly_fields = fields

    @admin.display(description=gettext_lazy("graded by"))
    def grader(self, obj: Essay) -> str:
        # the model field has no translated verbose name (changing it would need a migration)
        user = obj.graded_by
        return (user.get_full_name() or user.get_username()) if user else "—"

    @admin.display(description=gettext_lazy("organisation"), ordering="person__organisation__path")
    def organisation(self, obj: Essay) -> str:
        return obj.person.organisation.name

    @admin.display(description=gettext_lazy("campaign"), ordering="campaign__title")
    def campaign_title(self, obj: Essay) -> str:
        return Truncator(obj.campaign.title).chars(50)

    @admin.display(description=gettext_lazy("similarity"), ordering="similarity")
    def similarity_shown(self, obj: Essay) -> str:
        return "—" if obj.similarity is None else f"{round(obj.similarity * 100)}%"

    @admin.display(description=gettext_lazy("portal"))
    def portal_link(self, obj: Essay) -> str:
        if obj.status == Essay.Status.DRAFT:
            return "—"
        # The grade page itself decides who may read and grade (never the grader's own cell).
        return format_html('<a href="{}">{}</a>', reverse("essays:grade", args=[obj.pk]), pgettext_lazy("link", "Open"))

    def get_search_results(self, request, queryset, search_term):  # type: ignore[no-untyped-def]
        for word in fold(search_term).split():  # names with or without diacritics
            queryset = queryset.filter(person__search_name__contains=word)
        return queryset, False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # essays are written by their authors on the portal

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # grades are given on the portal's grade page, with their history
