"""Portal-wide pages: login (throttled), home (what this user's roles can do), health."""

from django import forms
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from organisations import access
from portal.lib import throttle


class ThrottledAuthenticationForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": gettext_lazy("Wrong username or password. Note that the password is case-sensitive."),
        "inactive": gettext_lazy("This account is disabled."),
    }

    def clean(self):  # type: ignore[no-untyped-def]
        username = self.cleaned_data.get("username") or ""
        ip = throttle.client_ip(self.request)
        if throttle.is_locked(username, ip):
            minutes = max(1, settings.LOGIN_COOLOFF_SECONDS // 60)
            raise forms.ValidationError(
                _("Too many failed attempts. Please wait %(minutes)s minutes and try again.") % {"minutes": minutes},
                code="throttled",
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            throttle.register_failure(username, ip)
            raise
        throttle.reset(username, ip)
        return cleaned


class LoginView(auth_views.LoginView):
    form_class = ThrottledAuthenticationForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True


SECTIONS = {
    # key: (url, icon, title, description)
    "admin": (
        "/admin/",
        "bi-gear",
        gettext_lazy("Administration"),
        gettext_lazy("Organisation tree, people, role grants, resolutions and campaigns."),
    ),
    "people": (
        "/people/",
        "bi-people",
        gettext_lazy("People"),
        gettext_lazy("Cadres and Party members of your organisations."),
    ),
    "import": (
        "/people/import/",
        "bi-file-earmark-arrow-up",
        gettext_lazy("Import roster"),
        gettext_lazy("Add or update people from an Excel or CSV file."),
    ),
    "activation": (
        "/people/activation/",
        "bi-qr-code",
        gettext_lazy("Account activation sheets"),
        gettext_lazy("Print one-time activation codes for the members of a cell."),
    ),
    "campaigns": (
        "/campaigns/",
        "bi-journal-text",
        gettext_lazy("Study campaigns"),
        gettext_lazy("Resolutions, campaigns, sessions and participation."),
    ),
    "materials_manage": (
        "/materials/manage/",
        "bi-qr-code-scan",
        gettext_lazy("Manage study materials"),
        gettext_lazy("Documents and recordings, QR codes and links for sessions and cells."),
    ),
    "attendance": (
        "/campaigns/attendance/",
        "bi-check2-square",
        gettext_lazy("Attendance"),
        gettext_lazy("Record who attended the study sessions of your cell."),
    ),
    "grading": (
        "/essays/grading/",
        "bi-pencil-square",
        gettext_lazy("Grade essays"),
        gettext_lazy("Reflection essays waiting for grading."),
    ),
    "reports": (
        "/reports/",
        "bi-bar-chart",
        gettext_lazy("Reports"),
        gettext_lazy("Participation and quality reports."),
    ),
    "my_study": (
        "/campaigns/mine/",
        "bi-calendar-check",
        gettext_lazy("My study"),
        gettext_lazy("Campaigns and sessions you are expected to attend."),
    ),
    "my_essays": (
        "/essays/mine/",
        "bi-file-earmark-text",
        gettext_lazy("My essays"),
        gettext_lazy("Write and submit your reflection essays."),
    ),
    "materials": (
        "/materials/",
        "bi-book",
        gettext_lazy("Study materials"),
        gettext_lazy("Documents and recordings of your campaigns."),
    ),
    "profile": (
        "/password/",
        "bi-person-lock",
        gettext_lazy("Change password"),
        gettext_lazy("Change the password of your account."),
    ),
}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    scope = access.scope_of(request.user)
    sections = [SECTIONS[key] + (key,) for key in access.home_sections(request.user)]
    grants = request.user.grants.select_related("organisation").order_by("organisation__path") if scope.grants else []
    person = getattr(request.user, "person", None) if scope.person_id else None
    return render(request, "home.html", {"sections": sections, "grants": grants, "person": person})


def health(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
