from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnersConfig(AppConfig):
    name = "filrouge.partners"
    label = "partners"
    verbose_name = _("Partner companies")

    def ready(self) -> None:
        from filrouge.partners import timeline  # noqa: F401 - registers its formatter
