from django.urls import path

from . import views

app_name = "organisations"

urlpatterns = [
    path("", views.person_list, name="person_list"),
]
