"""Where polling a mailbox over IMAP stopped. Registered in channels.models.

IMAP numbers messages with UIDs that only grow inside one UIDVALIDITY: the
cursor keeps both, so a restart resumes after the last message read and a
mailbox rebuilt by its server (a new UIDVALIDITY) is read again from the
start, its duplicates dropped by `store_inbound`.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class MailboxCursor(models.Model):
    host = models.CharField(_("server"), max_length=253)
    user = models.CharField(_("user"), max_length=254)
    mailbox = models.CharField(_("mailbox"), max_length=200)
    uidvalidity = models.BigIntegerField(_("UIDVALIDITY"), null=True, blank=True)
    last_uid = models.BigIntegerField(_("last UID read"), default=0)
    polled_at = models.DateTimeField(_("last polled at"), null=True, blank=True)

    class Meta:
        app_label = "channels"
        constraints = [
            models.UniqueConstraint(
                fields=["host", "user", "mailbox"], name="mailbox_cursor_unique"
            )
        ]
        verbose_name = _("mailbox cursor")
        verbose_name_plural = _("mailbox cursors")

    def __str__(self) -> str:
        return f"{self.user}@{self.host}/{self.mailbox}: {self.uidvalidity}:{self.last_uid}"
