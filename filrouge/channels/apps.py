from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsConfig(AppConfig):
    name = "filrouge.channels"
    label = "channels"
    verbose_name = _("Channels")

    def ready(self) -> None:
        # Timeline formatters of the event kinds channel folders write.
        from filrouge.channels.offline import timeline as offline_timeline  # noqa: F401
        from filrouge.channels.phone import timeline as phone_timeline  # noqa: F401
