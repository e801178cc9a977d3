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

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["incident", "case"], name="incident_case_unique")
        ]
        indexes = [models.Index(fields=["case", "unlinked_at"], name="incident_case_open_idx")]
        verbose_name = _("case linked to an incident")
        verbose_name_plural = _("cases linked to incidents")

    def __str__(self) -> str:
        return f"{self.incident.reference} · {self.case_id}"
