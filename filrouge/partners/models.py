"""Partner companies (installers, infrastructure operators) and the cases entrusted to them.

A partner reports through the API with its own key (only a digest is kept),
and only on the cases it was given: `PartnerCase` is that grant.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# The customer file a partner's own tickets (TMF621 `POST /troubleTicket`) are opened on:
# "PARTNER-<partner id>". Not a customer: its cases are no customer's outage report.
PARTNER_FILE_PREFIX = "PARTNER-"


def on_a_partners_file(case) -> bool:
    """A partner's own ticket (TMF621), on the file that has no line: no customer's contact.
    Judged only when the customer came with the case (`open_case`): never a query here."""
    return type(case).customer.is_cached(case) and case.customer.account_number.startswith(
        PARTNER_FILE_PREFIX
    )


class Partner(models.Model):
    name = models.CharField(_("name"), max_length=80, unique=True)
    key_digest = models.CharField(max_length=64, unique=True)
    key_prefix = models.CharField(_("key starts with"), max_length=10)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"))
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("partner company")
        verbose_name_plural = _("partner companies")

    def __str__(self) -> str:
        return self.name


class PartnerCase(models.Model):
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="grants")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="partner_grants")
    granted_at = models.DateTimeField(_("entrusted at"))
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The partner's own reference for this case (TMF621 `externalIdentifier`).
    external_id = models.CharField(_("partner's own reference"), max_length=100, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["partner", "case"], name="partner_case_unique")
        ]
        verbose_name = _("case entrusted to a partner")
        verbose_name_plural = _("cases entrusted to partners")

    def __str__(self) -> str:
        return f"{self.partner} · {self.case_id}"
