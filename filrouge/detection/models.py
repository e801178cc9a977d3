"""The detector's state per network element, and the suspected incidents it raises.

`ElementLoad` is one small row per element that ever got an outage report: the
reports of its sliding window and its learned background (see `engine`). It is
updated in place by every batch of reports — never a scan of the cases.

`Suspicion` is what a supervisor decides on: the element, the figures of the
test that fired, the cases that reported it. Confirmed, it becomes an incident;
dismissed, its reports become the element's background.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ElementLoad(models.Model):
    element = models.OneToOneField(
        "network.NetworkElement", primary_key=True, on_delete=models.CASCADE, related_name="load"
    )
    # [[epoch seconds, customer id, child element id or 0, case id], …], one per customer.
    recent = models.JSONField(default=list)
    weight = models.FloatField(default=0.0)
    prior = models.FloatField(default=0.01)  # reports an hour assumed at first (by kind)
    weight_at = models.DateTimeField()
    since = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("outage reports on an element")
        verbose_name_plural = _("outage reports on elements")

    def __str__(self) -> str:
        return f"{self.element_id}: {len(self.recent)}"


class Suspicion(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("To decide")
        CONFIRMED = "confirmed", _("Confirmed")
        DISMISSED = "dismissed", _("Dismissed")
        WIDENED = "widened", _("Widened to the element above")

    element = models.ForeignKey(
        "network.NetworkElement",
        verbose_name=_("network element"),
        on_delete=models.PROTECT,
        related_name="suspicions",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN
    )
    raised_at = models.DateTimeField(_("raised at"), db_index=True)
    customers = models.PositiveIntegerField(_("customers reporting"))
    branches = models.PositiveIntegerField(_("branches reporting"), default=1)
    expected = models.FloatField(_("expected in the window"))
    p_value = models.FloatField(_("p-value"))
    cases = models.ManyToManyField(
        "cases.Case", through="SuspicionCase", related_name="suspicions", verbose_name=_("cases")
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    incident = models.ForeignKey(
        "incidents.Incident",
        verbose_name=_("incident"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="suspicions",
    )
    widened_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="widened_from"
    )

    class Meta:
        ordering = ["-raised_at", "-pk"]
        constraints = [
            # The backstop of "no second suspicion on an element while one is open".
            models.UniqueConstraint(
                fields=["element"], condition=Q(status="open"), name="suspicion_one_open"
            )
        ]
        verbose_name = _("suspected incident")
        verbose_name_plural = _("suspected incidents")

    def __str__(self) -> str:
        return f"{self.element_id} · {self.get_status_display()}"


class SuspicionCase(models.Model):
    suspicion = models.ForeignKey(Suspicion, on_delete=models.CASCADE, related_name="links")
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    reported_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["suspicion", "case"], name="suspicion_case_unique")
        ]

    def __str__(self) -> str:
        return f"{self.suspicion_id} · {self.case_id}"
