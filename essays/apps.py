from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EssaysConfig(AppConfig):
    name = "essays"
    verbose_name = _("Reflection essays")
