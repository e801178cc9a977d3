"""What came in and what goes out, exactly as exchanged with the outside world.

An `InboundMessage` is committed before the sender gets its 2xx/250, so nothing
acknowledged is ever lost; processing it into a case happens later, in a task.
An `OutboundMessage` is the delivery of one timeline answer, retried until it
is sent or declared dead.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from filrouge.customers.models import Channel


class InboundMessage(models.Model):
    class State(models.TextChoices):
        RECEIVED = "received", _("Received, waiting to be processed")
        PROCESSED = "processed", _("Added to a case")
        IGNORED = "ignored", _("Ignored (automatic reply or bounce)")
        FAILED = "failed", _("Failed")

    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    # The provider's id (e-mail: the Message-ID without <>; else a hash of the payload).
    external_id = models.CharField(_("external id"), max_length=255)
    payload = models.BinaryField(_("payload as received"))
    received_at = models.DateTimeField(_("received at"))
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.RECEIVED
    )
    # A short code saying why it was ignored or failed: "auto_reply", "bounce", "unparsable"...
    reason = models.CharField(_("reason"), max_length=32, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    sender = models.CharField(_("sender"), max_length=254, blank=True)
    # Which threading rule chose the case: see `routing.choose_case`.
    route = models.CharField(_("threading rule"), max_length=32, blank=True)
    # Parts of one message sent in pieces (a long SMS) share a group key; they are
    # filed together, once all arrived or after a wait (see `services.process_inbound`).
    group = models.CharField(_("message group"), max_length=64, blank=True)
    # A public post (social) rather than a private message, and the kinds of personal
    # data it exposes ("phone", "address"...: see `social.privacy`), never the values.
    is_public = models.BooleanField(_("public post"), default=False)
    personal_data = models.JSONField(_("personal data exposed"), default=list, blank=True)
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    case = models.ForeignKey(
        "cases.Case",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inbound_messages",
    )
    event = models.ForeignKey(
        "cases.Event", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"], name="inbound_unique_external_id"
            )
        ]
        indexes = [
            models.Index(fields=["state", "received_at"], name="inbound_state_idx"),
            models.Index(fields=["case", "-received_at"], name="inbound_case_idx"),
            models.Index(
                fields=["channel", "group", "received_at"],
                condition=~Q(group=""),
                name="inbound_group_idx",
            ),
        ]
        verbose_name = _("inbound message")
        verbose_name_plural = _("inbound messages")

    def __str__(self) -> str:
        return f"{self.channel}:{self.external_id}"


class OutboundMessage(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        READ = "read", _("Read")
        DEAD = "dead", _("Given up (dead letter)")
        BOUNCED = "bounced", _("Not delivered (bounced)")

    event = models.OneToOneField("cases.Event", on_delete=models.PROTECT, related_name="delivery")
    # None for a notification that starts a conversation outside any case (a WhatsApp template).
    case = models.ForeignKey(
        "cases.Case",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="outbound_messages",
    )
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    recipient = models.CharField(_("recipient"), max_length=254)
    # The id replies thread to. E-mail: our own Message-ID (without <>), fixed before the
    # first attempt so every retry carries the same one. SMS and WhatsApp: the provider's
    # id, known once it accepted the message; until then "" and our key is `provider_key`.
    external_id = models.CharField(_("external id"), max_length=255)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    in_reply_to = models.CharField(max_length=255, blank=True)
    references = models.TextField(blank=True)  # space-separated ids, oldest first
    is_public = models.BooleanField(_("public post"), default=False)  # social: a public reply
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    # When the next attempt is due; while SENDING, when the current attempt's lease expires.
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"],
                condition=~Q(external_id=""),
                name="outbound_unique_external_id",
            )
        ]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="outbound_due_idx"),
        ]
        verbose_name = _("outbound message")
        verbose_name_plural = _("outbound messages")

    def __str__(self) -> str:
        return f"{self.channel}:{self.external_id or self.pk}"

    @property
    def provider_key(self) -> str:
        """Our stable key for this delivery, given to providers that echo it back in their
        status callbacks (Vonage `client-ref`, WhatsApp `biz_opaque_callback_data`)."""
        return f"filrouge-{self.pk}"


class OptOut(models.Model):
    """A customer's "STOP": nothing more is sent to this address on this channel.

    Kept per address rather than per customer, so an unknown number's STOP counts
    too; "START" from the same address removes it.
    """

    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    address = models.CharField(_("address"), max_length=254)  # E.164 for SMS
    opted_out_at = models.DateTimeField(_("opted out at"))
    keyword = models.CharField(_("keyword"), max_length=32)
    inbound = models.ForeignKey(
        InboundMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "address"], name="opt_out_unique_address")
        ]
        verbose_name = _("opt-out")
        verbose_name_plural = _("opt-outs")

    def __str__(self) -> str:
        return f"{self.channel}:{self.address}"


class SocialCursor(models.Model):
    """Where polling an account's notifications stopped (Mastodon): the next poll resumes
    after `position`, so nothing is fetched twice and nothing is skipped after a restart."""

    network = models.CharField(_("network"), max_length=16)
    account = models.CharField(_("account"), max_length=254)  # the instance's host for Mastodon
    position = models.CharField(_("last id read"), max_length=64, blank=True)
    polled_at = models.DateTimeField(_("last polled at"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["network", "account"], name="social_cursor_unique")
        ]
        verbose_name = _("social account cursor")
        verbose_name_plural = _("social account cursors")

    def __str__(self) -> str:
        return f"{self.network}:{self.account}@{self.position}"


# Rows kept by channel folders of their own, registered here so they belong to this app.
from filrouge.channels.email.models import MailboxCursor  # noqa: E402, F401
from filrouge.channels.offline.models import Document  # noqa: E402, F401
from filrouge.channels.phone.models import Call  # noqa: E402, F401
