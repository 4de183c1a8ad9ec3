from django.urls import path

from . import attendance_views, views

app_name = "campaigns"

urlpatterns: list = [
    # Documents, campaigns, sessions, participation (campaigns/views.py)
    path("", views.campaign_list, name="list"),
    path("new/", views.campaign_create, name="create"),
    path("documents/", views.document_list, name="documents"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("mine/", views.my_study, name="mine"),
    path("<int:pk>/", views.campaign_detail, name="detail"),
    path("<int:pk>/edit/", views.campaign_edit, name="edit"),
    path("<int:pk>/action/", views.campaign_action, name="action"),
    path("<int:pk>/sessions/new/", views.session_create, name="session_create"),
    path("<int:pk>/participation/", views.participation_root, name="participation"),
    path("<int:pk>/participation/<int:org>/", views.participation_org, name="participation_org"),
    path("sessions/<int:pk>/", views.session_detail, name="session_detail"),
    path("sessions/<int:pk>/edit/", views.session_edit, name="session_edit"),
    # Attendance (campaigns/attendance_views.py)
    path("attendance/", attendance_views.attendance_index, name="attendance_index"),
    path("attendance/<int:session_id>/", attendance_views.attendance_session, name="attendance_session"),
    path("attendance/<int:session_id>/<int:cell_id>/", attendance_views.attendance_sheet, name="attendance_sheet"),
    path(
        "attendance/<int:session_id>/<int:cell_id>/signin.pdf",
        attendance_views.attendance_signin,
        name="attendance_signin",
    ),
    path("sessions/<int:session_id>/checkin/screen/", attendance_views.checkin_screen, name="checkin_screen"),
    path("sessions/<int:session_id>/checkin/status.json", attendance_views.checkin_status, name="checkin_status"),
    path("checkin/<int:session_id>/<str:code>/", attendance_views.checkin, name="checkin"),
    path("sessions/<int:session_id>/points/<int:point_id>/import/", attendance_views.point_import, name="point_import"),
    path(
        "sessions/<int:session_id>/points/<int:point_id>/import/confirm/",
        attendance_views.point_import_confirm,
        name="point_import_confirm",
    ),
]
