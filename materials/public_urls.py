"""The public short links (/q/<code>), outside the /materials/ prefix so printed QR codes stay short."""

from django.urls import path

from . import views

urlpatterns: list = [
]
