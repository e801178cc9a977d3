"""What triage keeps: advisors' intent corrections (labelled examples), automatic answers."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from filrouge.cases.models import Intent


class TriageCorrection(models.Model):
    """An advisor's one-click correction of the intent read on a message: a labelled example.

    `filrouge triage train` adds every correction to the shipped training set. The
    message's words are copied here, so an example survives whatever happens to the case.
    """

    case = models.ForeignKey(
        "cases.Case", on_delete=models.SET_NULL, null=True, related_name="triage_corrections"
    )
    event = models.ForeignKey(
        "cases.Event", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    text = models.TextField(_("message"))
    channel = models.CharField(_("channel"), max_length=12, blank=True)
    predicted = models.CharField(_("intent read"), max_length=16, choices=Intent.choices)
    intent = models.CharField(_("correct intent"), max_length=16, choices=Intent.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="triage_corrections"
    )
    created_at = models.DateTimeField(_("corrected at"))

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("intent correction")
        verbose_name_plural = _("intent corrections")

    def __str__(self) -> str:
        return f"{self.predicted} → {self.intent}"

    def as_example(self) -> dict:
        return {"text": self.text, "channel": self.channel, "intent": self.intent}


class AutoAcknowledgement(models.Model):
    """A customer told automatically that their message came during a known incident.

    At most one per case and incident update (the unique key): the customer's next
    message on the same news goes to a person, never to a robot loop.
    """

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    incident = models.ForeignKey("incidents.Incident", on_delete=models.CASCADE, related_name="+")
    update = models.ForeignKey(
        "incidents.IncidentUpdate", on_delete=models.CASCADE, null=True, related_name="+"
    )
    key = models.CharField(max_length=40)  # "<incident>:<update or 0>", NULL-free for the key
    event = models.ForeignKey("cases.Event", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "key"], name="triage_ack_once_per_update")
        ]
        verbose_name = _("automatic acknowledgement")
        verbose_name_plural = _("automatic acknowledgements")

    def __str__(self) -> str:
        return f"{self.case_id} · {self.key}"
