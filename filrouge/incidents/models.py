"""Mass incidents: an outage or planned works on network elements, and what it touches.

An incident sits on one or more network elements; the lines it affects are
those served by these elements or by any element below them (see
`selectors.affected_lines`). Its public updates are what the status page and
the affected customers read; `IncidentCase` links the cases it explains.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Incident(models.Model):
    class Kind(models.TextChoices):
        INCIDENT = "incident", _("Incident")
        MAINTENANCE = "maintenance", _("Planned works")

    class Status(models.TextChoices):
        # An outage (the Statuspage lifecycle)...
        INVESTIGATING = "investigating", _("Investigating")
        IDENTIFIED = "identified", _("Identified")
        MONITORING = "monitoring", _("Monitoring")
        RESOLVED = "resolved", _("Resolved")
        # ...and planned works.
        SCHEDULED = "scheduled", _("Scheduled")
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", _("Completed")

    class Impact(models.TextChoices):
        NONE = "none", _("No impact")
        MINOR = "minor", _("Degraded service")
        MAJOR = "major", _("Partial outage")
        CRITICAL = "critical", _("Total outage")

    reference = models.CharField(_("reference"), max_length=16, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.INCIDENT)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    title = models.CharField(_("title"), max_length=200)
    impact = models.CharField(_("impact"), max_length=8, choices=Impact.choices)
    elements = models.ManyToManyField(
        "network.NetworkElement", verbose_name=_("network elements"), related_name="incidents"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="incidents",
    )
    # What the repair waits on at a partner (the infrastructure operator's fault reference).
    partner = models.ForeignKey(
        "partners.Partner",
        verbose_name=_("partner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="incidents",
    )
    partner_reference = models.CharField(_("partner's reference"), max_length=60, blank=True)
    partner_promised_at = models.DateTimeField(_("partner's promised date"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"))
    scheduled_until = models.DateTimeField(_("planned end"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    created_at = models.DateTimeField(_("declared at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["status", "-started_at"], name="incident_status_idx")]
        verbose_name = _("network incident")
        verbose_name_plural = _("network incidents")

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def is_over(self) -> bool:
        return self.status in CLOSED_STATUSES


CLOSED_STATUSES = frozenset({Incident.Status.RESOLVED, Incident.Status.COMPLETED})
INCIDENT_STATUSES = (
    Incident.Status.INVESTIGATING,
    Incident.Status.IDENTIFIED,
    Incident.Status.MONITORING,
    Incident.Status.RESOLVED,
)
MAINTENANCE_STATUSES = (
    Incident.Status.SCHEDULED,
    Incident.Status.IN_PROGRESS,
    Incident.Status.COMPLETED,
)


class IncidentUpdate(models.Model):
    """One public update: what the status page shows and the affected customers are told."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="updates")
    status = models.CharField(_("status"), max_length=16, choices=Incident.Status.choices)
    text = models.TextField(_("public text"))
    eta = models.DateTimeField(_("estimated restoration"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), db_index=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # When its notices to the affected customers were planned in chunks (`fanout`); the
    # sweep plans an update still without it a while after publication.
    notices_planned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("incident update")
        verbose_name_plural = _("incident updates")

    def __str__(self) -> str:
        return f"{self.incident.reference} · {self.get_status_display()}"


class IncidentCase(models.Model):
    """A case the incident explains; unlinked (kept, with who and why) when it proves otherwise."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="links")
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="incident_links")
    linked_at = models.DateTimeField(_("linked at"))
    unlinked_at = models.DateTimeField(_("unlinked at"), null=True, blank=True)
    unlinked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unlink_reason = models.CharField(_("reason"), max_length=200, blank=True)
    # False when the case was already held (for a partner, say) when linked: the
    # incident's end or an unlink leaves it held, waiting on what it waited on before.
    held_by_link = models.BooleanField(_("put on hold by the link"), default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["incident", "case"], name="incident_case_unique")
        ]
        indexes = [models.Index(fields=["case", "unlinked_at"], name="incident_case_open_idx")]
        verbose_name = _("case linked to an incident")
        verbose_name_plural = _("cases linked to incidents")

    def __str__(self) -> str:
        return f"{self.incident.reference} · {self.case_id}"


class NoticeChunk(models.Model):
    """A slice of the customers an update goes to (a range of customer ids), sent by one task.

    The fan-out of an update is planned as chunks of `fanout.CHUNK` customers; each
    chunk's task writes the notices of its range. A chunk still pending some time after
    it was planned (its task lost with a dead worker) is queued again by the sweep.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("To send")
        DONE = "done", _("Sent")

    update = models.ForeignKey(IncidentUpdate, on_delete=models.CASCADE, related_name="chunks")
    number = models.PositiveIntegerField()
    first_customer_id = models.BigIntegerField()
    last_customer_id = models.BigIntegerField()
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    # Until then its task has time to run; after it, the sweep queues it again.
    due_at = models.DateTimeField()
    runs = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["update", "number"], name="notice_chunk_unique")
        ]
        indexes = [
            models.Index(
                fields=["due_at"], condition=models.Q(state="pending"), name="notice_chunk_due_idx"
            )
        ]
        verbose_name = _("batch of incident notices")
        verbose_name_plural = _("batches of incident notices")

    def __str__(self) -> str:
        return f"{self.update_id}#{self.number}"


class IncidentNotice(models.Model):
    """One public update told to one customer with an affected line. Unique: never twice.

    Written pending by its chunk's task, then claimed (`FOR UPDATE SKIP LOCKED`) and
    sent in the same transaction as its `message_out` event and its delivery: a worker
    killed mid-way leaves it pending, a re-run sends it once.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("To send")
        SENT = "sent", _("Handed to the channel")
        SKIPPED = "skipped", _("Not sent")

    update = models.ForeignKey(IncidentUpdate, on_delete=models.CASCADE, related_name="notices")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="incident_notices"
    )
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    # Why nothing was sent: "no_contact".
    reason = models.CharField(max_length=32, blank=True)
    channel = models.CharField(max_length=12, blank=True)
    # An SMS during quiet hours waits until the morning.
    due_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    message = models.OneToOneField(
        "cases.Event", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["update", "customer"], name="incident_notice_unique")
        ]
        indexes = [
            models.Index(
                fields=["update", "customer"],
                condition=models.Q(state="pending"),
                name="incident_notice_pending_idx",
            )
        ]
        verbose_name = _("incident notice")
        verbose_name_plural = _("incident notices")

    def __str__(self) -> str:
        return f"{self.update_id}:{self.customer_id}:{self.state}"


class CompensationRule(models.Model):
    """How an offer compensates days without service (one rule per product).

    The amount is the monthly price pro rata (a thirtieth per day) for each full day
    without service beyond `free_days`, at least `minimum` once any is due; a line cut
    more than `termination_days` full days may be terminated without fees.
    """

    product = models.CharField(_("offer"), max_length=12, unique=True)
    monthly_price = models.DecimalField(_("monthly price (EUR)"), max_digits=8, decimal_places=2)
    free_days = models.PositiveSmallIntegerField(_("days without compensation"), default=0)
    minimum = models.DecimalField(
        _("minimum compensation (EUR)"), max_digits=8, decimal_places=2, default=0
    )
    termination_days = models.PositiveSmallIntegerField(
        _("days after which termination is free"), default=20
    )

    class Meta:
        ordering = ["product"]
        verbose_name = _("compensation rule")
        verbose_name_plural = _("compensation rules")

    def __str__(self) -> str:
        return self.product


class CompensationProposal(models.Model):
    """What a line is owed for an incident, computed when the incident is resolved."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="compensations")
    line = models.ForeignKey("customers.Line", on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="+")
    product = models.CharField(_("offer"), max_length=12)
    outage_start = models.DateTimeField(_("without service from"))
    outage_end = models.DateTimeField(_("without service until"))
    full_days = models.PositiveIntegerField(_("full days without service"))
    monthly_price = models.DecimalField(max_digits=8, decimal_places=2)
    free_days = models.PositiveSmallIntegerField()
    amount = models.DecimalField(_("amount (EUR)"), max_digits=8, decimal_places=2)
    may_terminate = models.BooleanField(_("may terminate without fees"), default=False)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["line_id"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "line"], name="compensation_unique_line")
        ]
        indexes = [models.Index(fields=["customer"], name="compensation_customer_idx")]
        verbose_name = _("compensation proposal")
        verbose_name_plural = _("compensation proposals")

    def __str__(self) -> str:
        return f"{self.incident_id}:{self.line_id} {self.amount}"
