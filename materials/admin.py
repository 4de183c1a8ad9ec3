"""The materials admin: study materials with their share links (read-only here; made and revoked by actions).

Derives from organisations.admin.ScopedModelAdmin (rows and rights from organisations.access,
MANAGE_CAMPAIGNS to write); every write goes through materials.services. A secret material's page says
why it has no link and no QR code; the database refuses one anyway.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaigns.models import Campaign, StudySession
from organisations import access
from organisations.admin import ScopedModelAdmin
from portal.lib.errors import DomainError

from . import codes, selectors, services, uploads
from .forms import issuing_units
from .models import Material, ShareLink

A = access.Action


class MaterialAdminForm(forms.ModelForm):
    upload = forms.FileField(
        label=gettext_lazy("File"),
        required=False,
        help_text=gettext_lazy("PDF, Word, PowerPoint, Excel, MP3, M4A, WAV, MP4 or an image; checked by content."),
        widget=forms.ClearableFileInput(attrs={"accept": uploads.ACCEPT_ATTRIBUTE}),
    )

    class Meta:
        model = Material
        fields = [
            "title",
            "kind",
            "description",
            "document",
            "campaign",
            "session",
            "issuing_unit",
            "classification",
            "external_url",
            "order",
        ]

    def clean_upload(self) -> Any:
        upload = self.cleaned_data.get("upload")
        if upload:
            try:
                uploads.check_upload(upload)
            except uploads.UploadRejected as exc:
                raise ValidationError(exc.message) from None
        return upload


class ShareLinkInline(admin.TabularInline):
    """The general links of a material (not the per-cell ones: a province has thousands of cells)."""

    model = ShareLink
    fk_name = "material"
    extra = 0
    can_delete = False
    fields = ["label", "address", "valid_from", "valid_until", "revoked_at", "created_at"]
    readonly_fields = fields
    verbose_name_plural = gettext_lazy("share links (general)")

    @admin.display(description=gettext_lazy("address"))
    def address(self, obj: ShareLink) -> str:
        code = codes.code_of(obj)
        if code is None or obj.revoked_at is not None:
            return _("— (revoked)") if obj.revoked_at is not None else "—"
        return format_html(
            '<a href="{0}" target="_blank" rel="noopener">{0}</a> · <a href="{1}">PNG</a> · <a href="{2}">SVG</a>',
            codes.link_url(code),
            reverse("materials:link_qr_png", args=[obj.pk]),
            reverse("materials:link_qr_svg", args=[obj.pk]),
        )

    def get_queryset(self, request: HttpRequest) -> QuerySet[ShareLink]:
        return access.visible(super().get_queryset(request), request.user).filter(cell__isnull=True)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return access.can(request.user, A.VIEW) if obj is None else access.can_object(request.user, A.VIEW, obj)


@admin.register(Material)
class MaterialAdmin(ScopedModelAdmin):
    change_action = A.MANAGE_CAMPAIGNS
    org_field_action = A.MANAGE_CAMPAIGNS
    form = MaterialAdminForm
    list_display = ["title", "kind", "classification", "published", "issuing_unit", "campaign", "sharing"]
    list_filter = ["classification", "published", "kind"]
    list_select_related = ["issuing_unit", "campaign"]
    search_fields = ["title"]
    inlines = [ShareLinkInline]
    actions = ["publish_selected", "unpublish_selected", "make_secret_selected"]
    readonly_fields = ["published", "sharing_explained", "stored_file", "portal_link"]
    fieldsets = [
        (None, {"fields": ["title", "kind", "description", "document", "campaign", "session", "issuing_unit"]}),
        (
            gettext_lazy("Classification and sharing"),
            {"fields": ["classification", "published", "sharing_explained", "portal_link"]},
        ),
        (gettext_lazy("Content"), {"fields": ["upload", "stored_file", "external_url", "order"]}),
    ]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and not self.has_change_permission(request, obj):
            # read-only: there is no file to choose, only the stored one (else a bare "Upload: None" row)
            return [
                (name, {**opts, "fields": [f for f in opts["fields"] if f != "upload"]}) for name, opts in fieldsets
            ]
        return fieldsets

    def get_queryset(self, request: HttpRequest) -> QuerySet[Material]:
        # Not ScopedModelAdmin's plain VIEW: a secret material is listed only to whoever manages it.
        rows = access.listable_materials(admin.ModelAdmin.get_queryset(self, request), request.user)
        return rows.annotate(live_links=selectors._count(selectors._live(ShareLink.objects.all())))

    @admin.display(description=gettext_lazy("sharing"))
    def sharing(self, obj: Material) -> str:
        if obj.is_secret:
            return _("secret: paper only, no link")
        if not obj.published:
            return _("draft: not shared")
        return _("%(count)s live links") % {"count": getattr(obj, "live_links", 0)}

    @admin.display(description=gettext_lazy("links and QR codes"))
    def sharing_explained(self, obj: Material) -> str:
        if obj.pk is None:
            return _("A material is saved as a draft; publish it to give it a link and a QR code.")
        if obj.is_secret:
            return format_html(
                '<strong class="secret-explained">{}</strong><br>{}',
                _("No link and no QR code: this material is secret."),
                _(
                    "Secret material is never published nor shared online, by link, QR code or download: the "
                    "database itself refuses it. Any link it had was revoked the moment it was marked secret; hand "
                    "it out on paper at the cell's meeting and take it back afterwards."
                ),
            )
        if not obj.published:
            return _("Draft: publish it (action “Publish”) to give it a link and a QR code.")
        rows = [row for row in selectors.link_rows(material=obj) if row.live]
        if not rows:
            return _("Published, without a live link: make one on the portal page.")
        return format_html_join(
            mark_safe("<br>"), '<a href="{0}" target="_blank" rel="noopener">{0}</a>', ((row.url,) for row in rows)
        )

    @admin.display(description=gettext_lazy("stored file"))
    def stored_file(self, obj: Material) -> str:
        if not obj.file:
            return "—"
        return format_html(
            '<a href="{}">{}</a> ({})', reverse("materials:view", args=[obj.pk]), obj.file_name, obj.content_type
        )

    @admin.display(description=gettext_lazy("portal"))
    def portal_link(self, obj: Material) -> str:
        if obj.pk is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("materials:manage_detail", args=[obj.pk]),
            _("Links, QR codes, figures by cell"),
        )

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "issuing_unit":
            kwargs["queryset"] = issuing_units(request.user)
        elif db_field.name == "campaign":
            kwargs["queryset"] = access.visible(Campaign.objects.all(), request.user, A.MANAGE_CAMPAIGNS)
        elif db_field.name == "session":
            kwargs["queryset"] = access.visible(StudySession.objects.all(), request.user, A.MANAGE_CAMPAIGNS)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_form_via_service(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        data = form.cleaned_data
        access.require(request.user, A.MANAGE_CAMPAIGNS, data["issuing_unit"])
        fields = {k: data[k] for k in services.MATERIAL_FIELDS if k in data}
        if change:
            saved = services.material_update(actor=request.user, material=obj, upload=data.get("upload"), **fields)
        else:
            saved = services.material_create(actor=request.user, upload=data.get("upload"), **fields)
        obj.pk = saved.pk

    def _each(self, request: HttpRequest, queryset: QuerySet[Material], service: Any, done: str) -> None:
        count = 0
        for material in queryset.select_related("issuing_unit"):
            if not access.can_object(request.user, A.MANAGE_CAMPAIGNS, material):
                self.message_user(request, _("You may not change %(m)s.") % {"m": material}, messages.ERROR)
                continue
            try:
                service(material)
                count += 1
            except DomainError as exc:
                self.message_user(request, f"{material}: {exc.message}", messages.ERROR)
        if count:
            self.message_user(request, done % {"count": count})

    @admin.action(description=gettext_lazy("Publish the selected materials (with a link and QR code)"))
    def publish_selected(self, request: HttpRequest, queryset: QuerySet[Material]) -> None:
        self._each(
            request,
            queryset,
            lambda m: services.material_publish(actor=request.user, material=m),
            _("%(count)s materials published."),
        )

    @admin.action(description=gettext_lazy("Withdraw the selected materials"))
    def unpublish_selected(self, request: HttpRequest, queryset: QuerySet[Material]) -> None:
        self._each(
            request,
            queryset,
            lambda m: services.material_unpublish(actor=request.user, material=m),
            _("%(count)s materials withdrawn."),
        )

    @admin.action(description=gettext_lazy("Mark the selected materials secret (revokes their links)"))
    def make_secret_selected(self, request: HttpRequest, queryset: QuerySet[Material]) -> None:
        self._each(
            request,
            queryset,
            lambda m: services.material_classify(actor=request.user, material=m, classification="secret"),
            _("%(count)s materials marked secret; their links were revoked."),
        )
