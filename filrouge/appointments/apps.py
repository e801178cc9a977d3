from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppointmentsConfig(AppConfig):
    name = "filrouge.appointments"
    label = "appointments"
    verbose_name = _("Technician appointments")

    def ready(self) -> None:
        from filrouge.appointments import timeline  # noqa: F401 - registers its formatters
