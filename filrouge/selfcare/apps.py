from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SelfcareConfig(AppConfig):
    name = "filrouge.selfcare"
    label = "selfcare"
    verbose_name = _("Customer self-care")

    def ready(self) -> None:
        from filrouge.selfcare.cancellation import timeline  # noqa: F401 - registers its formatter
