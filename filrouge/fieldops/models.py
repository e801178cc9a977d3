"""Equipment sent to customers: a box, a TV decoder, a SIM card, a replacement part.

While a shipment is being prepared its destination is one of the customer's
addresses (`address`), which a move of house may change. When it is handed to
the carrier the address is frozen as text (`address_text`): that is what is
printed on the parcel, and nothing changes it afterwards — not a move, not an
edit of the address row. A parcel already on its way can only be redirected by
the carrier: the request is recorded (`redirect_requested_at`, `redirect_to`)
and the case's owner asks the carrier (story A4).
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Shipment(models.Model):
    class Item(models.TextChoices):
        BOX = "box", _("Internet box")
        BACKUP_4G = "backup_4g", _("4G backup box")
        TV_DECODER = "tv_decoder", _("TV decoder")
        SIM = "sim", _("SIM card")
        PART = "part", _("Replacement part")

    class Carrier(models.TextChoices):
        COLISSIMO = "colissimo", "Colissimo"
        CHRONOPOST = "chronopost", "Chronopost"
        DPD = "dpd", "DPD"
        UPS = "ups", "UPS"

    class State(models.TextChoices):
        PREPARING = "preparing", _("Being prepared")
        DISPATCHED = "dispatched", _("Handed to the carrier")
        DELIVERED = "delivered", _("Delivered")
        RETURNED = "returned", _("Returned to sender")

    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="shipments"
    )
    # Every hot table carries the customer (the sharding key, docs/ARCHITECTURE.md).
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="shipments"
    )
    item = models.CharField(_("what"), max_length=12, choices=Item.choices)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PREPARING
    )
    # Where it goes while being prepared; kept afterwards for the record.
    address = models.ForeignKey(
        "customers.Address", verbose_name=_("address"), on_delete=models.PROTECT, related_name="+"
    )
    # The address printed on the parcel, frozen at dispatch ("" until then).
    address_text = models.CharField(_("address on the parcel"), max_length=300, blank=True)
    expected_on = models.DateField(_("expected delivery"))
    carrier = models.CharField(_("carrier"), max_length=12, choices=Carrier.choices, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=40, blank=True)
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    redirect_requested_at = models.DateTimeField(_("redirect requested at"), null=True, blank=True)
    redirect_to = models.ForeignKey(
        "customers.Address",
        verbose_name=_("redirect to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # Once handed to the carrier, a parcel always carries its address snapshot.
            models.CheckConstraint(
                condition=Q(state="preparing") | (~Q(address_text="") & ~Q(carrier="")),
                name="shipment_snapshot_after_dispatch",
            )
        ]
        indexes = [models.Index(fields=["customer", "state"], name="shipment_customer_state_idx")]
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")

    def __str__(self) -> str:
        return f"{self.get_item_display()} ({self.get_state_display()})"

    @property
    def destination(self) -> str:
        """What the parcel says once dispatched, else where it is meant to go."""
        return self.address_text or str(self.address)
