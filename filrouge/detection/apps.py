from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DetectionConfig(AppConfig):
    name = "filrouge.detection"
    verbose_name = _("Weak-signal detector")

    def ready(self) -> None:
        from filrouge.cases import hooks as case_hooks
        from filrouge.channels import filing
        from filrouge.detection import intake

        # Registered after triage's filing hook (triage sits earlier in INSTALLED_APPS),
        # so a message's case carries the intent triage gave it.
        filing.register(intake.count_filed)
        case_hooks.on_case_opened(intake.count_opened)
