"""The public short links (/q/<code>), outside the /materials/ prefix so printed QR codes stay short."""

from django.urls import path

from . import public_views

urlpatterns: list = [
    path("<str:code>", public_views.material_link, name="material_link"),
    path("<str:code>/file", public_views.material_link_file, name="material_link_file"),
    path("<str:code>/download", public_views.material_link_download, name="material_link_download"),
    path("<str:code>/preview.jpg", public_views.material_link_thumb, name="material_link_thumb"),
]
