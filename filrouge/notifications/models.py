"""What the customer is told about their case, and what they chose to be told.

A `Notification` gathers the public events of one case that happen close together
(see `intake.note_event`) and becomes one message on one channel when it is due.
Each event belongs to at most one notification (`NotificationItem.event` is
unique): an event is never announced twice, whatever runs twice.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from filrouge.customers.models import Channel


class Notification(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("Handed to the channel")
        SKIPPED = "skipped", _("Not sent")

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="notifications")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="notifications"
    )
    # The channel chosen when the first event came (it fixes the quiet hours); checked
    # again when sending, and replaced by the next one if the customer can no longer
    # be reached there (STOP, contact point removed).
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.PENDING)
    # Why nothing was sent: "no_contact", "unsubscribed", "case_gone"...
    reason = models.CharField(_("reason"), max_length=32, blank=True)
    # Essential news (see `rules.is_essential`) go to customers who unsubscribed too,
    # and carry no unsubscribe link.
    essential = models.BooleanField(_("essential"), default=False)
    opened_at = models.DateTimeField(_("first event at"))
    # Events join a pending notification until it is due; it is sent once due.
    due_at = models.DateTimeField(_("due at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # Writing the message failed this many times (retried with back-off, then given up).
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    # The `message_out` event written on the case when it was sent: what the customer
    # was told, delivered through the channel's own outbound path.
    message = models.OneToOneField(
        "cases.Event",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="notification_sent",
    )

    class Meta:
        indexes = [
            models.Index(
                fields=["due_at"], condition=Q(state="pending"), name="notification_due_idx"
            ),
            models.Index(fields=["case", "channel", "state"], name="notification_case_idx"),
        ]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return f"{self.case_id}:{self.channel}:{self.state}"


class NotificationItem(models.Model):
    """One event announced by one notification. Unique per event: never announced twice."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="items")
    event = models.OneToOneField(
        "cases.Event", on_delete=models.PROTECT, related_name="notification_item"
    )

    class Meta:
        ordering = ["event__created_at", "event_id"]
        verbose_name = _("notified event")
        verbose_name_plural = _("notified events")

    def __str__(self) -> str:
        return f"{self.notification_id}:{self.event_id}"


class Preference(models.Model):
    """What a customer chose to be told. No row: the defaults (case news on, no SMS at night)."""

    customer = models.OneToOneField(
        "customers.Customer", on_delete=models.CASCADE, related_name="notification_preference"
    )
    # Set when the customer unsubscribed from case news; essential notices still go.
    unsubscribed_at = models.DateTimeField(_("unsubscribed at"), null=True, blank=True)
    # Incident notices by SMS also between 21:00 and 08:00 (the customer asked for them).
    incident_sms_at_night = models.BooleanField(
        _("incident notices by SMS at night"), default=False
    )
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return str(self.customer_id)
