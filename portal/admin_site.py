from functools import wraps

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _


class PortalAdminSite(admin.AdminSite):
    """The admin for provincial staff and committee officers; every ModelAdmin in it is scoped."""

    site_header = _("Resolution study portal: administration")
    site_title = _("Study portal administration")
    index_title = _("Administration")

    def has_permission(self, request) -> bool:  # type: ignore[override]
        from organisations import access

        return access.can_use_admin(request.user)

    def admin_view(self, view, cacheable=False):  # type: ignore[no-untyped-def]
        """A logged-in user without admin rights gets 403 at once (not a detour via the login page)."""
        inner = super().admin_view(view, cacheable)

        @wraps(view)
        def guarded(request, *args, **kwargs):  # type: ignore[no-untyped-def]
            if request.user.is_authenticated and not self.has_permission(request):
                raise PermissionDenied
            return inner(request, *args, **kwargs)

        return guarded
