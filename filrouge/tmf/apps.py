from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TmfConfig(AppConfig):
    name = "filrouge.tmf"
    label = "tmf"
    verbose_name = _("TM Forum trouble tickets (TMF621)")

    def ready(self) -> None:
        from filrouge.cases import hooks
        from filrouge.core import slots
        from filrouge.tmf import client, events, timeline  # noqa: F401 - formatters

        hooks.on_case_opened(events.cases_opened)
        hooks.on_event_recorded(events.event_recorded)
        hooks.on_sweep(client.sweep_missed_dates)
        slots.fill("case.side", "tmf/case_side.html", client.side_panel)
        slots.fill("track.status", "tmf/track_status.html", client.track_panel)
