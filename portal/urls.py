from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from organisations import activation_views

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("health/", views.health, name="health"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("people/", include("organisations.urls")),
    path("campaigns/", include("campaigns.urls")),
    path("essays/", include("essays.urls")),
    path("materials/", include("materials.urls")),
    path("q/", include("materials.public_urls")),
    path("reports/", include("reports.urls")),
    path("activate/<str:token>/", activation_views.activate, name="activate"),
    path("admin/", admin.site.urls),
]
