"""A phone call as the PBX reported it, one row per call id (registered in channels.models).

The row gathers the PBX's events (started, answered, ended, in any order, each
applied once) and who the caller is. It reaches the case timeline once an
advisor logged it on a case and it has ended: then one `call` event is written
(see `services.record_call_event` and `services.log_call`).
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Call(models.Model):
    class Outcome(models.TextChoices):
        ANSWERED = "answered", _("Answered")
        ABANDONED = "abandoned", _("Caller hung up before an answer")
        MISSED = "missed", _("Not answered")
        VOICEMAIL = "voicemail", _("Voicemail")
        TRANSFERRED = "transferred", _("Transferred")
        FAILED = "failed", _("Failed")

    call_id = models.CharField(_("call id"), max_length=128, unique=True)
    # E.164 when the PBX gave a valid number; "" when withheld; else as given.
    caller = models.CharField(_("caller"), max_length=32, blank=True)
    called = models.CharField(_("number called"), max_length=32, blank=True)
    queue = models.CharField(_("queue"), max_length=80, blank=True)
    agent_email = models.CharField(_("advisor's e-mail"), max_length=254, blank=True)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("advisor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    ivr = models.JSONField(_("keys pressed"), default=list, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True)
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="calls"
    )
    event = models.ForeignKey(
        "cases.Event", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # What the customer said, as the advisor summed it up when logging the call.
    summary = models.TextField(_("summary"), blank=True)
    # The PBX events applied, in order of arrival: [{"event", "at", "received_at"}].
    history = models.JSONField(default=list, blank=True)
    received_at = models.DateTimeField(_("first event received at"))

    class Meta:
        app_label = "channels"
        indexes = [
            models.Index(fields=["customer", "-received_at"], name="call_customer_idx"),
        ]
        verbose_name = _("phone call")
        verbose_name_plural = _("phone calls")

    def __str__(self) -> str:
        return self.call_id

    @property
    def effective_outcome(self) -> str:
        """The PBX's outcome, else answered or abandoned; "" while the call goes on."""
        if self.outcome:
            return self.outcome
        if self.ended_at is None:
            return ""
        return self.Outcome.ANSWERED if self.answered_at else self.Outcome.ABANDONED

    @property
    def duration(self) -> timedelta | None:
        if self.ended_at is None or self.started_at is None:
            return None
        return max(self.ended_at - self.started_at, timedelta(0))

    @property
    def talk_time(self) -> timedelta | None:
        if self.ended_at is None or self.answered_at is None:
            return None
        return max(self.ended_at - self.answered_at, timedelta(0))

    @property
    def in_progress(self) -> bool:
        return self.ended_at is None
