"""The case file: one problem, one owner, one append-only timeline."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from filrouge.customers.models import Channel


class Status(models.TextChoices):
    """TM Forum TMF621 trouble ticket statuses, so partners map them one to one."""

    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    IN_PROGRESS = "inProgress", _("In progress")
    PENDING = "pending", _("Waiting on the customer")
    HELD = "held", _("On hold")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")


TRANSITIONS: dict[str, frozenset[str]] = {
    Status.ACKNOWLEDGED: frozenset({Status.IN_PROGRESS, Status.REJECTED, Status.CANCELLED}),
    Status.IN_PROGRESS: frozenset({Status.PENDING, Status.HELD, Status.RESOLVED, Status.CANCELLED}),
    Status.PENDING: frozenset({Status.IN_PROGRESS, Status.CANCELLED}),
    Status.HELD: frozenset({Status.IN_PROGRESS, Status.CANCELLED}),
    Status.RESOLVED: frozenset({Status.CLOSED, Status.IN_PROGRESS}),
    Status.CLOSED: frozenset(),
    Status.REJECTED: frozenset(),
    Status.CANCELLED: frozenset(),
}
OPEN_STATUSES = frozenset(s for s, targets in TRANSITIONS.items() if targets)
ACTIVE_STATUSES = OPEN_STATUSES - {Status.RESOLVED}


class Intent(models.TextChoices):
    OUTAGE = "outage", _("Outage")
    MOVE = "move", _("Move")
    BILLING = "billing", _("Billing")
    DELIVERY = "delivery", _("Delivery")
    APPOINTMENT = "appointment", _("Appointment")
    CANCELLATION = "cancellation", _("Cancellation")
    EQUIPMENT = "equipment", _("Equipment")
    SALES = "sales", _("Sales")
    FOLLOWUP = "followup", _("Follow-up")
    COMPLAINT = "complaint", _("Complaint")
    OTHER = "other", _("Other")


class Priority(models.IntegerChoices):
    LOW = 1, _("Low")
    NORMAL = 2, _("Normal")
    HIGH = 3, _("High")
    URGENT = 4, _("Urgent")


def new_tracking_nonce() -> str:
    return secrets.token_hex(16)


class Case(models.Model):
    """One customer problem. The row holds derived, indexed fields; the timeline is the truth."""

    reference = models.CharField(_("reference"), max_length=16, unique=True)
    # customer, owner, team: no index of their own, the composite indexes below lead
    # with them (every index is paid on each insert, and a storm inserts thousands).
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,
    )
    line = models.ForeignKey(
        "customers.Line",
        verbose_name=_("line"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    subject = models.CharField(_("subject"), max_length=200)
    intent = models.CharField(
        _("intent"), max_length=16, choices=Intent.choices, default=Intent.OTHER
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ACKNOWLEDGED
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_cases",
        db_index=False,
    )
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_index=False,
    )
    channel = models.CharField(
        _("first contact channel"), max_length=12, choices=Channel.choices, default=Channel.PHONE
    )
    next_step = models.CharField(_("next step"), max_length=200, blank=True)
    next_step_due = models.DateTimeField(_("next step due"), null=True, blank=True)
    escalated_at = models.DateTimeField(
        _("flagged for the team lead"), null=True, blank=True, db_index=True
    )
    # Changing the nonce invalidates every tracking link sent so far.
    tracking_nonce = models.CharField(max_length=32, default=new_tracking_nonce, editable=False)
    # Incremented by every service that changes the case: a form carrying an
    # older version is a stale edit and is refused (two advisors at once).
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("opened at"), db_index=True)
    updated_at = models.DateTimeField(_("updated at"))
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        ordering = ["-updated_at"]
        indexes = [
            models.Index(fields=["owner", "status", "-updated_at"], name="case_owner_queue_idx"),
            models.Index(fields=["team", "status", "-updated_at"], name="case_team_queue_idx"),
            models.Index(
                fields=["status", "-updated_at"],
                condition=Q(owner__isnull=True),
                name="case_unassigned_idx",
            ),
            models.Index(fields=["customer", "-created_at"], name="case_customer_idx"),
        ]
        verbose_name = _("case")
        verbose_name_plural = _("cases")

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def can_move_to(self, status: str) -> bool:
        return status in TRANSITIONS[self.status]

    @property
    def allowed_statuses(self) -> list[str]:
        return [s for s in Status.values if s in TRANSITIONS[self.status]]


class ReferenceCounter(models.Model):
    """The last sequence number given out for a year: FR-<year>-<6 digits>."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Event(models.Model):
    """One line of a timeline. Append-only: written by `record_event`, never updated.

    `data` holds the structured facts (ids, codes, the customer's own words);
    the sentence shown to a person is built at render time by the formatter
    registered for `kind`, in the reader's language.
    """

    class Kind(models.TextChoices):
        CASE_OPENED = "case_opened", _("Case opened")
        MESSAGE_IN = "message_in", _("Message received")
        MESSAGE_OUT = "message_out", _("Message sent")
        NOTE = "note", _("Internal note")
        STATUS_CHANGED = "status_changed", _("Status changed")
        ASSIGNED = "assigned", _("Assigned")
        HANDOVER = "handover", _("Handover")
        PROMISE_MADE = "promise_made", _("Promise made")
        PROMISE_KEPT = "promise_kept", _("Promise kept")
        PROMISE_BROKEN = "promise_broken", _("Promise broken")
        ESCALATED = "escalated", _("Escalated")
        NEXT_STEP = "next_step", _("Next step set")
        INTENT_CHANGED = "intent_changed", _("Intent corrected")
        PRIORITY_CHANGED = "priority_changed", _("Priority changed")
        # Contacts recorded by hand or by the phone system (channels/phone, channels/offline).
        CALL = "call", _("Phone call")
        VISIT = "visit", _("Shop visit")
        TECHNICIAN_REPORT = "technician_report", _("Technician's report")
        PARTNER_LINKED = "partner_linked", _("Entrusted to a partner")
        # Identity: an unidentified sender's case moved to the real customer, and the
        # hints (a reference, a line number, a name) that suggest who the sender is.
        CUSTOMER_ATTACHED = "customer_attached", _("Attached to a customer")
        POSSIBLE_MATCH = "possible_match", _("Possible match")
        # Self-care (selfcare/cancellation): a contract cancelled online by the customer.
        CANCELLATION_REQUESTED = "cancellation_requested", _("Cancellation requested online")
        # Technician appointments (filrouge/appointments).
        APPOINTMENT_BOOKED = "appointment_booked", _("Appointment booked")
        APPOINTMENT_MOVED = "appointment_moved", _("Appointment moved")
        APPOINTMENT_CANCELLED = "appointment_cancelled", _("Appointment cancelled")
        APPOINTMENT_REROUTED = "appointment_rerouted", _("Appointment re-routed")
        # Equipment shipments and moves of house (filrouge/fieldops).
        SHIPMENT_PREPARED = "shipment_prepared", _("Shipment prepared")
        SHIPMENT_DISPATCHED = "shipment_dispatched", _("Shipment handed to the carrier")
        SHIPMENT_DELIVERED = "shipment_delivered", _("Shipment delivered")
        SHIPMENT_RETURNED = "shipment_returned", _("Shipment returned to sender")
        SHIPMENT_REROUTED = "shipment_rerouted", _("Shipment re-routed")
        SHIPMENT_REDIRECT_REQUESTED = "shipment_redirect_requested", _("Redirect requested")
        SHIPMENT_REDIRECT_TO_DO = "shipment_redirect_to_do", _("Redirect to ask the carrier")
        MOVE_DECLARED = "move_declared", _("Move of house declared")
        # The customer's survey answer at resolution (filrouge/surveys).
        SURVEY_ANSWERED = "survey_answered", _("Survey answered")
        # Mass incidents (filrouge/incidents): a case linked to a network incident, unlinked
        # when it proves to be another problem, told of the incident's public updates, and
        # the compensation proposed when the incident is resolved.
        INCIDENT_LINKED = "incident_linked", _("Linked to a network incident")
        INCIDENT_UNLINKED = "incident_unlinked", _("Unlinked from a network incident")
        INCIDENT_UPDATE = "incident_update", _("Network incident update")
        COMPENSATION_PROPOSED = "compensation_proposed", _("Compensation proposed")
        # Triage (filrouge/triage): what the reading of a message found, and why.
        TRIAGED = "triaged", _("Message read by triage")
        # Partner trouble tickets over TMF621 (filrouge/tmf, filrouge/partners).
        PARTNER_TICKET_OPENED = "partner_ticket_opened", _("Ticket opened at a partner")
        PARTNER_TICKET_UPDATED = "partner_ticket_updated", _("Partner ticket updated")
        PARTNER_TICKET_RESOLVED = "partner_ticket_resolved", _("Partner ticket resolved")
        PARTNER_DATE_MISSED = "partner_date_missed", _("Partner missed its date")
        PARTNER_NOTE = "partner_note", _("Note from a partner")

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Visible to the customer")
        INTERNAL = "internal", _("Internal")

    # case, customer: indexed by the composite indexes below, which lead with them.
    case = models.ForeignKey(
        Case,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
        db_index=False,
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="events", db_index=False
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    channel = models.CharField(max_length=12, choices=Channel.choices, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Who acted when it was not an agent: "customer", "system", a partner's name.
    actor_label = models.CharField(max_length=80, blank=True)
    visibility = models.CharField(max_length=8, choices=Visibility.choices)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["case", "created_at"], name="event_case_time_idx"),
            models.Index(fields=["customer", "created_at"], name="event_customer_time_idx"),
        ]
        verbose_name = _("timeline event")
        verbose_name_plural = _("timeline events")

    def __str__(self) -> str:
        return f"{self.kind} @ {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        # An invariant, not a side effect: the timeline cannot be rewritten.
        if not self._state.adding:
            raise ValueError("Timeline events are append-only.")
        super().save(*args, **kwargs)

    @property
    def is_public(self) -> bool:
        return self.visibility == self.Visibility.PUBLIC


class Promise(models.Model):
    """A date given to a customer: who gave it, what, when it is due, and whether it held."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        KEPT = "kept", _("Kept")
        BROKEN = "broken", _("Broken")
        # No longer owed: the customer called off what it was for (a cancelled appointment).
        WITHDRAWN = "withdrawn", _("Withdrawn")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="promises")
    description = models.CharField(_("what was promised"), max_length=200)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="promises_made"
    )
    made_at = models.DateTimeField(_("made at"))
    due_at = models.DateTimeField(_("due at"))
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.OPEN)
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["due_at"]
        indexes = [
            models.Index(fields=["due_at"], condition=Q(state="open"), name="promise_open_due_idx"),
            models.Index(fields=["case", "state"], name="promise_case_state_idx"),
        ]
        verbose_name = _("promise")
        verbose_name_plural = _("promises")

    def __str__(self) -> str:
        return self.description
