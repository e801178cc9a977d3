from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TriageConfig(AppConfig):
    name = "filrouge.triage"
    label = "triage"
    verbose_name = _("Triage")

    def ready(self) -> None:
        from filrouge.cases import hooks
        from filrouge.channels import filing
        from filrouge.core import slots
        from filrouge.triage import intake, panel, timeline  # noqa: F401 - registers formatters

        filing.register(intake.triage_filed)
        hooks.on_event_recorded(intake.note_message)  # every other inbound message
        slots.fill("case.side", "triage/case_slot.html", panel.slot_context)
