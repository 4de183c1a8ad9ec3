from django.contrib import admin
from django.utils.translation import gettext_lazy as _


class PortalAdminSite(admin.AdminSite):
    """The admin for provincial staff and committee officers; every ModelAdmin in it is scoped."""

    site_header = _("Resolution study portal: administration")
    site_title = _("Study portal administration")
    index_title = _("Administration")

    def has_permission(self, request) -> bool:  # type: ignore[override]
        from organisations import access

        return access.can_use_admin(request.user)
