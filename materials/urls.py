from django.urls import path

from . import views

app_name = "materials"

urlpatterns: list = [
    # Members: "Tài liệu học tập" and reading a material
    path("", views.study, name="study"),
    path("<int:pk>/", views.material_view, name="view"),
    path("<int:pk>/file", views.material_file, name="file"),
    path("<int:pk>/download", views.material_download, name="download"),
    path("<int:pk>/preview.jpg", views.material_preview, name="preview"),
    # Managing materials and their links
    path("manage/", views.manage_list, name="manage"),
    path("manage/new/", views.material_create, name="create"),
    path("manage/<int:pk>/", views.manage_detail, name="manage_detail"),
    path("manage/<int:pk>/edit/", views.material_edit, name="edit"),
    path("manage/<int:pk>/action/", views.material_action, name="action"),
    path("manage/<int:pk>/links/", views.link_create, name="link_create"),
    path("links/<int:pk>/revoke/", views.link_revoke, name="link_revoke"),
    path("links/<int:pk>/qr.png", views.link_qr_png, name="link_qr_png"),
    path("links/<int:pk>/qr.svg", views.link_qr_svg, name="link_qr_svg"),
    # A session: its materials, QR sheet and cells
    path("sessions/<int:pk>/", views.session_page, name="session"),
    path("sessions/<int:pk>/qr-sheet.pdf", views.session_sheet, name="session_sheet"),
    path("sessions/<int:pk>/cells/", views.session_cells, name="session_cells"),
]
