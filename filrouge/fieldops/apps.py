from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FieldopsConfig(AppConfig):
    name = "filrouge.fieldops"
    label = "fieldops"
    verbose_name = _("Field operations")

    def ready(self) -> None:
        from filrouge.cases.models import Event
        from filrouge.fieldops import timeline  # noqa: F401 - registers its formatters
        from filrouge.notifications.rules import ESSENTIAL_KINDS

        # Where a parcel goes and an address change are told even to customers who
        # unsubscribed from case news: they must be there to receive it, and a move
        # they did not make must not go unnoticed.
        ESSENTIAL_KINDS.update(
            {
                Event.Kind.SHIPMENT_DISPATCHED,
                Event.Kind.SHIPMENT_REROUTED,
                Event.Kind.SHIPMENT_REDIRECT_REQUESTED,
                Event.Kind.MOVE_DECLARED,
            }
        )
