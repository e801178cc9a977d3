"""What customers do themselves without calling: today, cancelling a contract online.

Address changes and appointments will join here; each request is a row that
points at the case it opened, so the advisor works it like any other case.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class CancellationReason(models.TextChoices):
    """Why the customer leaves: a short list the retention team can count (story D4)."""

    MOVING = "moving", _("I am moving")
    PRICE = "price", _("Too expensive")
    COMPETITOR = "competitor", _("A better offer elsewhere")
    QUALITY = "quality", _("Outages or poor connection")
    SERVICE = "service", _("Customer service")
    NOT_NEEDED = "not_needed", _("I no longer need it")
    OTHER = "other", _("Another reason")


class CancellationRequest(models.Model):
    """A contract cancelled online (Code de la consommation L215-1-1, D215-1 to D215-3).

    Written once, at confirmation, with the case it opens. The idempotency key
    comes from the form: the same request sent twice (double click, back
    button) finds this row instead of opening a second case.
    """

    idempotency_key = models.CharField(max_length=64, unique=True, editable=False)
    case = models.OneToOneField(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        related_name="cancellation",
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="cancellations",
    )
    line = models.ForeignKey(
        "customers.Line",
        verbose_name=_("line"),
        on_delete=models.PROTECT,
        related_name="cancellations",
    )
    # As the customer typed them: what the acknowledgement answers to.
    full_name = models.CharField(_("name given"), max_length=170)
    email = models.EmailField(_("e-mail given"), blank=True)
    postal_address = models.TextField(_("postal address given"), blank=True)
    reason = models.CharField(
        _("reason"), max_length=16, choices=CancellationReason.choices, blank=True
    )
    reason_text = models.TextField(_("in the customer's words"), blank=True)
    received_at = models.DateTimeField(_("received at"))
    requested_end_date = models.DateField(_("end date asked for"), null=True, blank=True)
    end_date = models.DateField(_("end date"))
    equipment_return_by = models.DateField(_("equipment to return by"), null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["line", "-received_at"], name="cancellation_line_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(email__gt="") | Q(postal_address__gt=""),
                name="cancellation_has_an_address",
            )
        ]
        verbose_name = _("online cancellation")
        verbose_name_plural = _("online cancellations")

    def __str__(self) -> str:
        return f"{self.line_id} → {self.end_date}"
