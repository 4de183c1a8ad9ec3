from django.urls import path

from . import activation_views, roster_views, views

app_name = "organisations"

urlpatterns = [
    path("", views.person_list, name="person_list"),
    path("<int:pk>/", views.person_detail, name="person_detail"),
    path("org/<int:pk>/", views.organisation_people, name="organisation_people"),
    # Roster import (organisations/roster_views.py)
    path("import/", roster_views.roster_upload, name="roster_upload"),
    path("import/template.xlsx", roster_views.roster_template, {"fmt": "xlsx"}, name="roster_template_xlsx"),
    path("import/template.csv", roster_views.roster_template, {"fmt": "csv"}, name="roster_template_csv"),
    path("import/<int:pk>/", roster_views.roster_preview, name="roster_preview"),
    path("import/<int:pk>/confirm/", roster_views.roster_confirm, name="roster_confirm"),
    path("import/<int:pk>/cancel/", roster_views.roster_cancel, name="roster_cancel"),
    path("import/<int:pk>/errors.csv", roster_views.roster_errors, name="roster_errors"),
    # Account activation sheets (organisations/activation_views.py); the public page is /activate/<code>/
    path("activation/", activation_views.activation_index, name="activation_index"),
    path("activation/<int:pk>/", activation_views.activation_cell, name="activation_cell"),
    path("activation/<int:pk>/sheet.pdf", activation_views.activation_sheet, name="activation_sheet"),
]
