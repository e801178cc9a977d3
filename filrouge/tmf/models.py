"""What the TMF621 interface keeps beside the cases (the case stays the single truth).

Server side: `PartnerCall` (every call a partner makes, for audit), `Hub` (a
listener registered with `POST /hub`) and `HubDelivery` (one event sent to one
listener, retried, then dead-lettered). Client side: `PartnerEndpoint` (where a
partner's own TMF621 API is and our key there) and `PartnerTicket` (a ticket we
opened at a partner for one of our cases: its reference there, its promised date).
`TicketFacts` keeps the two ticket attributes a case has no field for.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class PartnerCall(models.Model):
    """One request a partner made to the TMF API (kept for audit; never updated)."""

    partner = models.ForeignKey(
        "partners.Partner", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=300)
    status = models.PositiveSmallIntegerField()
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["partner", "-at"], name="tmf_call_partner_idx")]
        verbose_name = _("partner API call")
        verbose_name_plural = _("partner API calls")

    def __str__(self) -> str:
        return f"{self.method} {self.path} → {self.status}"


class Hub(models.Model):
    """A listener: trouble ticket events are POSTed to `callback`.

    Registered by a partner (it hears of the tickets shared with it only) or by
    one of the operator's systems with an agent's token (`partner` empty: every ticket).
    """

    partner = models.ForeignKey(
        "partners.Partner", null=True, blank=True, on_delete=models.PROTECT, related_name="hubs"
    )
    callback = models.URLField(max_length=500)
    query = models.CharField(max_length=500, blank=True)
    # Keys the HMAC of every body sent: the hex SHA-256 of the registering Bearer token.
    secret = models.CharField(max_length=64)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("event listener")
        verbose_name_plural = _("event listeners")

    def __str__(self) -> str:
        return self.callback


class HubDelivery(models.Model):
    """One event for one listener: sent by a task, retried with back-off, then dead."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Being sent")
        DELIVERED = "delivered", _("Delivered")
        DEAD = "dead", _("Given up")

    hub = models.ForeignKey(Hub, null=True, on_delete=models.SET_NULL, related_name="deliveries")
    event_id = models.CharField(max_length=40)
    event_type = models.CharField(max_length=60)
    body = models.TextField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["hub", "event_id"], name="tmf_delivery_once")
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(state__in=["pending", "sending"]),
                name="tmf_delivery_due_idx",
            )
        ]
        verbose_name = _("event delivery")
        verbose_name_plural = _("event deliveries")

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id}"


class PartnerEndpoint(models.Model):
    """A partner's own TMF621 API, where we open tickets for our cases."""

    partner = models.OneToOneField(
        "partners.Partner", on_delete=models.CASCADE, related_name="endpoint"
    )
    base_url = models.URLField(_("TMF621 base URL"), max_length=300)
    # Our key at their side: sent as a Bearer token; its SHA-256 also keys the
    # HMAC that their events to our listener carry.
    their_key = models.CharField(_("our key at the partner"), max_length=200)
    # The listener we registered there (POST /hub), so it is registered once.
    their_hub_id = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = _("partner TMF621 endpoint")
        verbose_name_plural = _("partner TMF621 endpoints")

    def __str__(self) -> str:
        return self.base_url


class PartnerTicket(models.Model):
    """A ticket opened at a partner for one of our cases (the partner holds the ticket)."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="tmf_tickets")
    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.PROTECT, related_name="tmf_tickets"
    )
    their_id = models.CharField(_("partner's reference"), max_length=100)
    status = models.CharField(_("status at the partner"), max_length=20)
    expected_resolution = models.DateTimeField(_("promised by the partner"), null=True)
    opened_at = models.DateTimeField()
    opened_by = models.ForeignKey(
        "accounts.Agent", null=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    date_missed_at = models.DateTimeField(null=True, blank=True)
    last_note_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["partner", "their_id"], name="tmf_ticket_unique")
        ]
        indexes = [
            models.Index(fields=["case", "-opened_at"], name="tmf_ticket_case_idx"),
            models.Index(
                fields=["expected_resolution"],
                condition=Q(resolved_at__isnull=True, date_missed_at__isnull=True),
                name="tmf_ticket_due_idx",
            ),
        ]
        verbose_name = _("ticket at a partner")
        verbose_name_plural = _("tickets at partners")

    def __str__(self) -> str:
        return f"{self.partner} {self.their_id}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class TicketFacts(models.Model):
    """What a TMF621 ticket says that a case has no field for: the date its requester asked
    for, and its links to other tickets. One row per case, only for tickets that say so."""

    case = models.OneToOneField(
        "cases.Case", primary_key=True, on_delete=models.CASCADE, related_name="tmf_facts"
    )
    requested_resolution = models.DateTimeField(_("resolution requested for"), null=True)
    # [{"id": "FR-2026-000123", "relationshipType": "isDuplicateOf"}, …] (at most 10)
    relationships = models.JSONField(_("related tickets"), default=list, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["requested_resolution"],
                condition=Q(requested_resolution__isnull=False),
                name="tmf_facts_requested_idx",
            )
        ]
        verbose_name = _("trouble ticket facts")
        verbose_name_plural = _("trouble ticket facts")

    def __str__(self) -> str:
        return f"{self.case_id}"
