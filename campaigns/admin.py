"""The campaigns admin: documents, campaigns and plans, study sessions with speakers and connection points.

Every ModelAdmin derives from organisations.admin.ScopedModelAdmin (rows and rights from
organisations.access, MANAGE_CAMPAIGNS to write); every write goes through campaigns.services.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from organisations import access
from organisations.admin import ScopedModelAdmin
from organisations.models import Organisation
from portal.lib.errors import DomainError
from portal.lib.text import fold

from . import services
from .models import Campaign, ConnectionPoint, Document, Speaker, StudySession

A = access.Action


def _skip_formset_saves(formsets: list[Any]) -> None:
    """The services wrote the rows; the change message still asks each formset what it saved."""
    for formset in formsets:
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []


def formset_rows(formset: forms.BaseInlineFormSet, fields: tuple[str, ...]) -> list[services.ChildRow]:
    """A validated inline formset as the rows a service takes (new, changed, deleted)."""
    rows = []
    for form in formset.forms:
        data = getattr(form, "cleaned_data", None)
        if not data:
            continue
        pk = form.instance.pk
        delete = bool(data.get("DELETE"))
        if pk is None and (delete or not form.has_changed()):
            continue
        rows.append(services.ChildRow(fields={k: data[k] for k in fields if k in data}, pk=pk, delete=delete))
    return rows


# --------------------------------------------------------------------------------------------
# Documents
# --------------------------------------------------------------------------------------------


@admin.register(Document)
class DocumentAdmin(ScopedModelAdmin):
    change_action = A.MANAGE_CAMPAIGNS
    list_display = ["number_symbol", "kind", "issued_on", "title", "conference"]
    list_filter = ["kind"]
    search_fields = ["search_text"]
    date_hierarchy = "issued_on"
    fields = ["kind", "number_symbol", "issued_on", "issuing_body", "conference", "title", "summary"]

    def get_search_results(self, request, queryset, search_term):  # type: ignore[no-untyped-def]
        for word in fold(search_term).split():  # with or without diacritics
            queryset = queryset.filter(search_text__contains=word)
        return queryset, False

    def save_form_via_service(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        fields = {k: form.cleaned_data[k] for k in services.DOCUMENT_FIELDS if k in form.cleaned_data}
        stored = Document.objects.get(pk=obj.pk) if change else None
        saved = services.document_save(actor=request.user, document=stored, **fields)
        obj.pk = saved.pk


# --------------------------------------------------------------------------------------------
# Campaigns
# --------------------------------------------------------------------------------------------


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_view_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return access.can(request.user, A.VIEW) if obj is None else access.can_object(request.user, A.VIEW, obj)

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return access.visible(super().get_queryset(request), request.user)


class PlanInline(_ReadOnlyInline):
    model = Campaign
    fk_name = "parent"
    fields = ["organisation", "status", "starts_on", "ends_on"]
    readonly_fields = fields
    verbose_name = gettext_lazy("committee plan")
    verbose_name_plural = gettext_lazy("committee plans")

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return super().get_queryset(request).select_related("organisation").order_by("organisation__path")


class SessionInline(_ReadOnlyInline):
    model = StudySession
    fields = ["title", "kind", "format", "organisation", "starts_at"]
    readonly_fields = fields

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return super().get_queryset(request).select_related("organisation")


@admin.register(Campaign)
class CampaignAdmin(ScopedModelAdmin):
    change_action = A.MANAGE_CAMPAIGNS
    org_field_action = A.MANAGE_CAMPAIGNS
    list_display = ["title", "organisation", "status", "starts_on", "ends_on", "plan_of", "portal_link"]
    list_filter = ["status", ("parent", admin.EmptyFieldListFilter)]
    list_select_related = ["organisation", "parent"]
    search_fields = ["title"]
    autocomplete_fields = ["organisation", "documents", "audience"]
    readonly_fields = ["status", "parent"]
    inlines = [PlanInline, SessionInline]
    # Inlines other apps add to a provincial campaign's page once saved (essays: the grading scale and
    # criteria), each with the function that writes its validated formset through that app's services:
    # ``save(actor=, campaign=, formset=)``, inside the admin's transaction. Registered with ``attach``.
    attached: ClassVar[list[tuple[type[admin.options.InlineModelAdmin], Any]]] = []
    actions = ["open_selected", "close_selected", "reopen_selected", "cascade_selected"]
    fieldsets = [
        (None, {"fields": ["title", "organisation", "parent", "status", "documents"]}),
        (
            gettext_lazy("Who studies"),
            {"fields": ["audience", "include_official", "include_probationary", "include_non_party"]},
        ),
        (gettext_lazy("Period and target"), {"fields": ["starts_on", "ends_on", "target_rate"]}),
        (
            gettext_lazy("Reflection essay"),
            {"fields": ["essay_required", "essay_deadline", "essay_cutoff", "essay_min_words"]},
        ),
    ]

    @admin.display(description=gettext_lazy("plan of"), ordering="parent__title")
    def plan_of(self, obj: Campaign) -> str:
        return obj.parent.title if obj.parent_id else "—"

    @admin.display(description=gettext_lazy("portal"))
    def portal_link(self, obj: Campaign) -> str:
        return format_html('<a href="{}">{}</a>', reverse("campaigns:detail", args=[obj.pk]), pgettext("link", "Open"))

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        if obj is not None and obj.parent_id:  # a plan adapts only its own dates
            names = [f for fs in self.fieldsets for f in fs[1]["fields"]]
            return [f for f in names if f not in services.PLAN_FIELDS]
        return self.readonly_fields

    def formfield_for_manytomany(self, db_field, request, **kwargs):  # type: ignore[no-untyped-def]
        if db_field.name == "audience":
            kwargs["queryset"] = access.visible(
                Organisation.objects.filter(is_active=True), request.user, A.MANAGE_CAMPAIGNS
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_form_via_service(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        data = form.cleaned_data
        if change:
            stored = Campaign.objects.get(pk=obj.pk)
            if stored.parent_id:
                fields = {k: data[k] for k in services.PLAN_FIELDS if k in data}
                services.campaign_update(actor=request.user, campaign=obj, **fields)
            else:
                fields = {k: data[k] for k in services.CAMPAIGN_FIELDS if k in data and k != "status"}
                services.campaign_update(
                    actor=request.user,
                    campaign=obj,
                    documents=list(data["documents"]),
                    audience=list(data["audience"]),
                    **fields,
                )
        else:
            fields = {k: data[k] for k in services.CAMPAIGN_FIELDS if k in data and k != "status"}
            saved = services.campaign_create(
                actor=request.user, documents=list(data["documents"]), audience=list(data["audience"]), **fields
            )
            obj.pk = saved.pk

    @classmethod
    def attach(cls, inline: type[admin.options.InlineModelAdmin], save: Any) -> None:
        """Add another app's inline to provincial campaigns' pages (see ``attached``)."""
        if all(existing is not inline for existing, _save in cls.attached):
            cls.attached.append((inline, save))

    def get_inlines(self, request, obj):  # type: ignore[no-untyped-def]
        if obj is None or obj.parent_id:
            return self.inlines
        return [*self.inlines, *(inline for inline, _save in self.attached)]

    def save_related(self, request, form, formsets, change):  # type: ignore[no-untyped-def]
        savers = {inline.model: save for inline, save in self.attached}
        for formset in formsets:
            if formset.model in savers:
                savers[formset.model](actor=request.user, campaign=form.instance, formset=formset)
        _skip_formset_saves(formsets)  # documents and audience were set by the service

    def _each(self, request: HttpRequest, queryset: QuerySet[Campaign], service: Any, done: str) -> None:
        count = 0
        for campaign in queryset.select_related("organisation"):
            if not access.can_object(request.user, A.MANAGE_CAMPAIGNS, campaign):
                self.message_user(request, _("You may not change %(c)s.") % {"c": campaign}, messages.ERROR)
                continue
            try:
                service(actor=request.user, campaign=campaign)
                count += 1
            except DomainError as exc:
                self.message_user(request, f"{campaign}: {exc.message}", messages.ERROR)
        if count:
            self.message_user(request, done % {"count": count})

    @admin.action(description=gettext_lazy("Open the selected campaigns"))
    def open_selected(self, request: HttpRequest, queryset: QuerySet[Campaign]) -> None:
        self._each(request, queryset, services.campaign_open, _("%(count)s campaigns opened."))

    @admin.action(description=gettext_lazy("Close the selected campaigns"))
    def close_selected(self, request: HttpRequest, queryset: QuerySet[Campaign]) -> None:
        self._each(request, queryset, services.campaign_close, _("%(count)s campaigns closed."))

    @admin.action(description=gettext_lazy("Reopen the selected campaigns"))
    def reopen_selected(self, request: HttpRequest, queryset: QuerySet[Campaign]) -> None:
        self._each(request, queryset, services.campaign_reopen, _("%(count)s campaigns reopened."))

    @admin.action(description=gettext_lazy("Cascade the selected campaigns to their committees"))
    def cascade_selected(self, request: HttpRequest, queryset: QuerySet[Campaign]) -> None:
        self._each(request, queryset, services.campaign_cascade, _("%(count)s campaigns cascaded."))


# --------------------------------------------------------------------------------------------
# Study sessions
# --------------------------------------------------------------------------------------------


class _EditableInline(admin.TabularInline):
    """Inline rows editable by whoever may manage the session (written by the session service)."""

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


class SpeakerInline(_EditableInline):
    model = Speaker
    fields = ["name", "title", "unit", "topic"]
    extra = 1


class ConnectionPointInline(_EditableInline):
    model = ConnectionPoint
    fields = ["host", "venue", "person_in_charge"]
    autocomplete_fields = ["host"]

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return super().get_queryset(request).select_related("host")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):  # type: ignore[no-untyped-def]
        if db_field.name == "host":
            kwargs["queryset"] = access.visible(
                Organisation.objects.filter(is_active=True), request.user, A.MANAGE_CAMPAIGNS
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(StudySession)
class StudySessionAdmin(ScopedModelAdmin):
    change_action = A.MANAGE_CAMPAIGNS
    org_field_action = A.MANAGE_CAMPAIGNS
    list_display = ["title", "campaign", "organisation", "kind", "format", "starts_at"]
    list_filter = ["kind", "format", "campaign__status"]
    list_select_related = ["campaign", "organisation"]
    search_fields = ["title", "campaign__title"]
    autocomplete_fields = ["campaign", "organisation"]
    date_hierarchy = "starts_at"
    inlines = [SpeakerInline, ConnectionPointInline]
    fields = [
        "campaign",
        "title",
        "organisation",
        "kind",
        "format",
        "starts_at",
        "ends_at",
        "venue",
        "discussion_summary",
    ]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):  # type: ignore[no-untyped-def]
        if db_field.name == "campaign":
            kwargs["queryset"] = access.visible(Campaign.objects.all(), request.user, A.MANAGE_CAMPAIGNS)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        return ["campaign"] if obj is not None else []

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        pass  # saved with its speakers and points in save_related, in one service call

    def save_related(self, request, form, formsets, change):  # type: ignore[no-untyped-def]
        obj = form.instance
        campaign = Campaign.objects.get(pk=obj.campaign_id)
        if not access.can_object(request.user, A.MANAGE_CAMPAIGNS, campaign) and not change:
            raise DomainError(_("You may not add sessions to this campaign."))
        rows: dict[str, list[services.ChildRow]] = {"speakers": [], "points": []}
        for formset in formsets:
            if formset.model is Speaker:
                rows["speakers"] = formset_rows(formset, services.SPEAKER_FIELDS)
            elif formset.model is ConnectionPoint:
                rows["points"] = formset_rows(formset, services.POINT_FIELDS)
        fields = {k: form.cleaned_data[k] for k in services.SESSION_FIELDS if k in form.cleaned_data}
        stored = StudySession.objects.get(pk=obj.pk) if change else None
        saved = services.session_save(actor=request.user, campaign=campaign, session=stored, **rows, **fields)
        obj.pk = saved.pk
        _skip_formset_saves(formsets)
