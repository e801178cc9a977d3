from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "filrouge.incidents"
    verbose_name = _("Network incidents")
