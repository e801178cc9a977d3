from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatusPageConfig(AppConfig):
    name = "filrouge.statuspage"
    label = "statuspage"
    verbose_name = _("Public status page")

    def ready(self) -> None:
        from filrouge.core import slots
        from filrouge.incidents.services import update_published
        from filrouge.statuspage import listeners

        update_published.connect(listeners.on_update_published, dispatch_uid="statuspage")
        slots.fill("track.status", "statuspage/track_status.html", listeners.track_status)
