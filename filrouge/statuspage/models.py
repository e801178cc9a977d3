"""The public status page's own data: who subscribed to which commune, what they were sent.

The page itself stores nothing: it is a snapshot of the incidents app's data
(`snapshot.py`), rebuilt when `Stamp.version` moves. A `Subscription` is for a
postcode or a commune, by e-mail or SMS, and only `confirmed` ones receive
anything (double opt-in). Each published update becomes one `Notice` per
confirmed subscriber of an affected place: unique on (update, subscription), so
whatever runs twice, nobody is told the same update twice.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Stamp(models.Model):
    """One row: moved by every published update, so every web process notices within a second."""

    version = models.BigIntegerField(default=0)
    changed_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = _("status page version")

    def __str__(self) -> str:
        return str(self.version)


class Subscription(models.Model):
    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        SMS = "sms", _("SMS")

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")

    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    # Lower-cased e-mail address or E.164 mobile number.
    address = models.CharField(_("address"), max_length=254)
    # Exactly one of the two: a postcode ("75011"), or a commune (its folded name as key).
    postcode = models.CharField(_("postcode"), max_length=5, blank=True)
    commune = models.CharField(_("commune"), max_length=120, blank=True)
    commune_key = models.CharField(max_length=120, blank=True, db_index=True)
    state = models.CharField(_("state"), max_length=12, choices=State.choices)
    # SMS double opt-in: the code is derived, never stored (`tokens.sms_code`); tries, expiry.
    code_tries = models.PositiveSmallIntegerField(default=0)
    code_expires_at = models.DateTimeField(null=True, blank=True)
    confirmations_sent = models.PositiveSmallIntegerField(default=0)
    last_confirmation_at = models.DateTimeField(null=True, blank=True)
    language = models.CharField(max_length=8, default="fr")
    created_at = models.DateTimeField(_("created at"))
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("unsubscribed at"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "address", "postcode", "commune_key"],
                name="statuspage_subscription_unique",
            ),
            models.CheckConstraint(
                condition=(Q(postcode="") & ~Q(commune_key=""))
                | (~Q(postcode="") & Q(commune_key="")),
                name="statuspage_subscription_one_place",
            ),
        ]
        indexes = [
            models.Index(fields=["postcode", "state"], name="statuspage_sub_postcode_idx"),
            models.Index(fields=["commune_key", "state"], name="statuspage_sub_commune_idx"),
        ]
        verbose_name = _("status page subscription")
        verbose_name_plural = _("status page subscriptions")

    def __str__(self) -> str:
        return f"{self.address} → {self.place}"

    @property
    def place(self) -> str:
        return self.postcode or self.commune


class Notice(models.Model):
    """One update told to one subscriber: queued, then claimed (`sending`), then sent or failed."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Not sent")

    update = models.ForeignKey(
        "incidents.IncidentUpdate", on_delete=models.CASCADE, related_name="subscriber_notices"
    )
    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="notices")
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.QUEUED)
    queued_at = models.DateTimeField(_("queued at"))
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["update", "subscription"], name="statuspage_notice_once"
            )
        ]
        indexes = [models.Index(fields=["state", "queued_at"], name="statuspage_notice_state_idx")]
        verbose_name = _("notice to a subscriber")
        verbose_name_plural = _("notices to subscribers")

    def __str__(self) -> str:
        return f"{self.update_id} → {self.subscription_id} ({self.state})"
