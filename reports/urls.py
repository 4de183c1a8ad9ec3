from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.report_list, name="list"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("<int:pk>/", views.report_detail, name="detail"),
    path("<int:pk>/status.json", views.report_status, name="status"),
    path("<int:pk>/download/<str:fmt>/", views.report_download, name="download"),
    path("<int:pk>/retry/", views.report_retry, name="retry"),
    path("verify/<str:code>/", views.report_verify, name="verify"),
    path("schedules/", views.schedule_list, name="schedules"),
    path("schedules/<int:pk>/stop/", views.schedule_stop, name="schedule_stop"),
]
