"""The admin for staff and officers. Every ModelAdmin here derives from ScopedModelAdmin, which asks
organisations.access for the queryset and for every permission; writes go through services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.lib.errors import DomainError
from portal.lib.text import fold

from . import access, audit, services
from .models import AuditEntry, Membership, Organisation, Person, RoleGrant

A = access.Action


class ScopedModelAdmin(admin.ModelAdmin):
    """Rows and rights come from organisations.access; foreign keys offer only organisations in scope.

    ``change_action`` is the access action needed to add, change or delete rows of this model.
    """

    change_action: access.Action = A.CHANGE
    org_field_action: access.Action = A.CHANGE

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return access.visible(super().get_queryset(request), request.user, A.VIEW)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return access.can(request.user, A.VIEW)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return obj is None or access.can_object(request.user, A.VIEW, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return access.can(request.user, self.change_action)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if obj is None:
            return access.can(request.user, self.change_action)
        return access.can_object(request.user, self.change_action, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False  # nothing is deleted: organisations are deactivated, people change status

    def _get_obj_does_not_exist_redirect(self, request: HttpRequest, opts: Any, object_id: str) -> Any:
        # Outside the user's scope is the same answer as "does not exist": 404, as on the portal.
        raise Http404

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.related_model is Organisation:
            kwargs["queryset"] = access.visible(
                Organisation.objects.filter(is_active=True), request.user, self.org_field_action
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_form_via_service(self, request: HttpRequest, obj: Model, form: forms.ModelForm, change: bool) -> None:
        raise NotImplementedError

    def save_model(self, request: HttpRequest, obj: Any, form: forms.ModelForm, change: bool) -> None:
        self.save_form_via_service(request, obj, form, change)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):  # type: ignore[no-untyped-def]
        try:
            with transaction.atomic():
                return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


def _form_fields(form: forms.ModelForm) -> dict[str, Any]:
    return {name: form.cleaned_data[name] for name in form.changed_data if name in form.cleaned_data}


class OrganisationForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ["name", "short_name", "symbol", "kind", "parent", "is_active"]

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_parent(self) -> Organisation | None:
        parent = self.cleaned_data.get("parent")
        if parent is None and not (self.instance.pk and self.instance.parent_id is None):
            raise ValidationError(_("Choose the parent organisation."))
        if parent is not None and self.instance.pk and parent.path.startswith(self.instance.path):
            raise ValidationError(_("An organisation cannot be moved under itself or its own sub-organisation."))
        if (
            parent is not None
            and self.user is not None
            and not access.can(self.user, A.MANAGE_TREE, parent)
            and not access.can(self.user, A.CHANGE, parent)
        ):
            raise ValidationError(_("You may not place an organisation there."))
        return parent


@admin.register(Organisation)
class OrganisationAdmin(ScopedModelAdmin):
    change_action = A.MANAGE_TREE
    org_field_action = A.CHANGE
    form = OrganisationForm
    list_display = ["indented_name", "short_name", "kind", "symbol", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "short_name", "search_name"]
    list_per_page = 100
    actions = ["deactivate_selected"]
    # A province has ~3,100 organisations: a plain <select> made every form ~180 KB and ~0.5 s to render.
    autocomplete_fields = ["parent"]

    @admin.display(description=gettext_lazy("name"), ordering="path")
    def indented_name(self, obj: Organisation) -> str:
        return "— " * obj.depth + obj.name

    def get_search_results(self, request, queryset, search_term):  # type: ignore[no-untyped-def]
        from portal.lib.text import fold

        if "field_name" in request.GET:  # an autocomplete lookup for a form field: only places one can choose
            queryset = queryset.filter(is_active=True)
        if not search_term:
            return queryset, False
        for word in fold(search_term).split():
            queryset = queryset.filter(search_name__contains=word)
        return queryset, False

    def get_form(self, request, obj=None, change=False, **kwargs):  # type: ignore[no-untyped-def]
        form_class = super().get_form(request, obj, change, **kwargs)
        user = request.user

        class ScopedForm(form_class):  # type: ignore[valid-type, misc]
            def __init__(self, *args: Any, **kw: Any) -> None:
                super().__init__(*args, user=user, **kw)

        return ScopedForm

    def save_form_via_service(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        fields = {k: form.cleaned_data[k] for k in ("name", "short_name", "symbol", "kind", "is_active")}
        if change:
            # The form has already copied its values onto ``obj`` (parent included), so the service would
            # see no change of parent and skip the move, leaving the subtree's paths stale. Hand it the row
            # as stored.
            stored = Organisation.objects.get(pk=obj.pk)
            saved = services.organisation_update(
                actor=request.user, org=stored, parent=form.cleaned_data["parent"], **fields
            )
        else:
            saved = services.organisation_create(actor=request.user, parent=form.cleaned_data["parent"], **fields)
        obj.pk, obj.path = saved.pk, saved.path

    @admin.action(description=gettext_lazy("Deactivate the selected organisations and their subtrees"))
    def deactivate_selected(self, request: HttpRequest, queryset: QuerySet[Organisation]) -> None:
        done = 0
        for org in queryset:
            if not access.can(request.user, A.MANAGE_TREE, org):
                self.message_user(request, _("You may not deactivate %(name)s.") % {"name": org}, messages.ERROR)
                continue
            try:
                done += services.organisation_deactivate(actor=request.user, org=org)
            except DomainError as exc:
                self.message_user(request, f"{org}: {exc.message}", messages.ERROR)
        if done:
            self.message_user(request, _("%(count)s organisations deactivated.") % {"count": done})


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    can_delete = False
    fields = ("unit", "start_date", "end_date", "note")
    readonly_fields = fields
    verbose_name_plural = gettext_lazy("membership history")

    @admin.display(description=gettext_lazy("organisation"))
    def unit(self, obj: Membership) -> str:
        return obj.organisation.name  # the model field's own label is not translated

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return super().get_queryset(request).select_related("organisation", "person")

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_view_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        # ``obj`` is the person (None when Django builds the inline's queryset): whoever may see the person
        # sees their whole history. Django's default asks for model permissions, which portal users do not
        # hold, and so hid the history from everyone but superusers.
        if obj is None:
            return access.can(request.user, A.VIEW)
        return access.can_object(request.user, A.VIEW, obj)


class PersonForm(forms.ModelForm):
    transfer_date = forms.DateField(
        label=gettext_lazy("transfer date"),
        required=False,
        help_text=gettext_lazy("When the organisation changes: the date of the transfer (today if empty)."),
    )

    class Meta:
        model = Person
        fields = [
            "full_name",
            "date_of_birth",
            "gender",
            "card_number",
            "kind",
            "status",
            "organisation",
            "phone",
            "email",
        ]


@admin.register(Person)
class PersonAdmin(ScopedModelAdmin):
    form = PersonForm
    list_display = ["full_name", "card_number", "kind", "status", "organisation"]
    list_filter = ["kind", "status", "gender"]
    list_select_related = ["organisation"]
    search_fields = ["search_name", "card_number"]
    ordering = ["sort_key", "id"]
    inlines = [MembershipInline]
    list_per_page = 50
    show_full_result_count = False
    autocomplete_fields = ["organisation"]

    def get_search_results(self, request, queryset, search_term):  # type: ignore[no-untyped-def]
        from portal.lib.text import fold

        if not search_term:
            return queryset, False
        term = search_term.strip()
        by_card = queryset.filter(card_number=term)
        for word in fold(term).split():
            queryset = queryset.filter(search_name__contains=word)
        return queryset | by_card, False

    def save_form_via_service(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        data = {k: v for k, v in form.cleaned_data.items() if k != "transfer_date"}
        if change:
            services.person_update(
                actor=request.user, person=obj, transfer_date=form.cleaned_data.get("transfer_date"), **data
            )
        else:
            saved = services.person_create(actor=request.user, **data)
            obj.pk = saved.pk

    def get_inline_instances(self, request, obj=None):  # type: ignore[no-untyped-def]
        return super().get_inline_instances(request, obj) if obj is not None else []  # no history yet on add

    def save_related(self, request, form, formsets, change):  # type: ignore[no-untyped-def]
        # The membership history is written by the services, never edited here; the change message
        # still asks each formset what it saved.
        for formset in formsets:
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []


class RoleGrantForm(forms.ModelForm):
    class Meta:
        model = RoleGrant
        fields = ["user", "organisation", "role", "can_grade"]
        labels = {"user": gettext_lazy("Login account")}  # the model field has no translated verbose_name

    def __init__(self, *args: Any, request_user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request_user = request_user

    def clean(self) -> dict[str, Any]:
        super().clean()  # ModelForm.clean() returns self.cleaned_data
        data = self.cleaned_data
        org, role = data.get("organisation"), data.get("role")
        if org is not None and role and not access.can_grant_role(self.request_user, role, org):
            raise ValidationError(_("You may not grant this role on this organisation."))
        if role == RoleGrant.Role.SECRETARY and org is not None and not org.is_cell:
            raise ValidationError(_("A cell secretary is granted on a party cell."))
        return data


@admin.register(RoleGrant)
class RoleGrantAdmin(ScopedModelAdmin):
    change_action = A.GRANT
    org_field_action = A.GRANT
    form = RoleGrantForm
    list_display = ["account", "role", "organisation", "can_grade", "granted_on", "granter"]
    list_filter = ["role", "can_grade"]
    list_select_related = ["user", "organisation", "granted_by"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user"]
    actions = ["revoke_selected"]

    def get_form(self, request, obj=None, change=False, **kwargs):  # type: ignore[no-untyped-def]
        form_class = super().get_form(request, obj, change, **kwargs)
        user = request.user

        class ScopedForm(form_class):  # type: ignore[valid-type, misc]
            def __init__(self, *args: Any, **kw: Any) -> None:
                super().__init__(*args, request_user=user, **kw)

        return ScopedForm

    # user, granted_at and granted_by have no translated verbose_name on the model: shown through these.
    @admin.display(description=gettext_lazy("login account"), ordering="user__username")
    def account(self, obj: RoleGrant) -> Any:
        return obj.user

    @admin.display(description=gettext_lazy("granted at"), ordering="granted_at")
    def granted_on(self, obj: RoleGrant) -> Any:
        return obj.granted_at

    @admin.display(description=gettext_lazy("granted by"), ordering="granted_by__username")
    def granter(self, obj: RoleGrant) -> Any:
        return obj.granted_by

    def get_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        return ["account" if obj else "user", "organisation", "role", "can_grade"]

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        return ["account", "organisation", "role"] if obj else []

    def save_form_via_service(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        data = form.cleaned_data
        saved = services.grant_create(
            actor=request.user,
            user=data.get("user", obj.user),
            organisation=data.get("organisation", obj.organisation),
            role=data.get("role", obj.role),
            can_grade=data["can_grade"],
        )
        obj.pk = saved.pk

    @admin.action(description=gettext_lazy("Revoke the selected grants"))
    def revoke_selected(self, request: HttpRequest, queryset: QuerySet[RoleGrant]) -> None:
        count = 0
        for grant in queryset.select_related("user", "organisation"):
            if access.can_grant_role(request.user, grant.role, grant.organisation):
                services.grant_revoke(actor=request.user, grant=grant)
                count += 1
            else:
                self.message_user(request, _("You may not revoke %(grant)s.") % {"grant": grant}, messages.ERROR)
        if count:
            self.message_user(request, _("%(count)s grants revoked.") % {"count": count})


class _AuditCodeFilter(admin.SimpleListFilter):
    """A filter on a code column of the audit trail that shows each code's translated label."""

    def lookups(self, request, model_admin):  # type: ignore[no-untyped-def]
        codes = model_admin.get_queryset(request).order_by().values_list(self.parameter_name, flat=True).distinct()
        return sorted(((code, self.label_of(code)) for code in codes), key=lambda choice: fold(choice[1]))

    def queryset(self, request, queryset):  # type: ignore[no-untyped-def]
        return queryset.filter(**{str(self.parameter_name): self.value()}) if self.value() else queryset

    def label_of(self, code: str) -> str:
        raise NotImplementedError


class AuditActionFilter(_AuditCodeFilter):
    title = gettext_lazy("action")
    parameter_name = "action"

    def label_of(self, code: str) -> str:
        return audit.action_label(code)


class AuditTargetFilter(_AuditCodeFilter):
    title = gettext_lazy("object type")
    parameter_name = "target_type"

    def label_of(self, code: str) -> str:
        return audit.target_label(code)


@admin.register(AuditEntry)
class AuditEntryAdmin(ScopedModelAdmin):
    change_action = A.AUDIT
    list_display = ["at", "actor", "action_shown", "target_shown", "target_repr", "organisation"]
    list_filter = [AuditActionFilter, AuditTargetFilter]
    list_select_related = ["actor", "organisation"]
    search_fields = ["target_repr", "actor__username"]
    readonly_fields = [
        "at",
        "actor",
        "action_shown",
        "target_shown",
        "target_id",
        "target_repr",
        "organisation",
        "changes",
    ]
    fields = tuple(readonly_fields)  # not the model's own action and target_type columns: their codes are not words

    @admin.display(description=gettext_lazy("action"), ordering="action")
    def action_shown(self, obj: AuditEntry) -> str:
        return audit.action_label(obj.action)

    @admin.display(description=gettext_lazy("object type"), ordering="target_type")
    def target_shown(self, obj: AuditEntry) -> str:
        return audit.target_label(obj.target_type)

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return access.visible(admin.ModelAdmin.get_queryset(self, request), request.user, A.AUDIT)

    def has_module_permission(self, request):  # type: ignore[no-untyped-def]
        return access.can(request.user, A.AUDIT)

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


User = get_user_model()
for _model in (User, Group):  # Django groups are not used: roles are organisations.RoleGrant
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    """User accounts: only superusers manage them wholesale; staff and officers search them to grant roles."""

    search_fields = ["username", "first_name", "last_name", "email"]

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        # Officers and staff look up only the accounts of people they may grant roles to.
        people = access.visible(Person.objects.filter(user__isnull=False), request.user, A.GRANT)
        return qs.filter(pk__in=people.values("user_id"))

    def has_module_permission(self, request):  # type: ignore[no-untyped-def]
        return request.user.is_superuser

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):  # type: ignore[no-untyped-def]
        raise Http404

    def has_view_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        # Officers need to look users up (autocomplete) when granting roles.
        return request.user.is_superuser or (obj is None and access.can(request.user, A.GRANT))

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return request.user.is_superuser


def _redirect_admin_login(request: HttpRequest, extra_context: Any = None) -> HttpResponseRedirect:
    """One login page for everyone: the admin's own form would demand is_staff and skip our throttle.

    A logged-in user without admin rights gets 403, not a redirect loop between the two login pages.
    """
    if request.user.is_authenticated:
        if access.can_use_admin(request.user):
            return HttpResponseRedirect(reverse("admin:index"))
        raise PermissionDenied
    return HttpResponseRedirect(reverse("login") + "?" + urlencode({"next": request.GET.get("next", "/admin/")}))


admin.site.login = _redirect_admin_login  # type: ignore[method-assign]
