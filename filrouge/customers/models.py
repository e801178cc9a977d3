"""Customers, how to reach them, where they live, and the lines they pay for."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from filrouge.customers.normalise import format_phone


class Channel(models.TextChoices):
    """Every way a customer and the operator talk (shared by customers and cases)."""

    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    CHAT = "chat", _("Chat")
    WHATSAPP = "whatsapp", _("WhatsApp")
    SOCIAL = "social", _("Social network")
    PHONE = "phone", _("Phone")
    SHOP = "shop", _("Shop")
    TECHNICIAN = "technician", _("Technician")
    LETTER = "letter", _("Letter")
    WEB = "web", _("Tracking page")


class Customer(models.Model):
    account_number = models.CharField(_("account number"), max_length=20, unique=True)
    first_name = models.CharField(_("first name"), max_length=80)
    last_name = models.CharField(_("last name"), max_length=80)
    # "nom prénom" folded (lower-case, no accents): indexed for name search.
    search_name = models.CharField(max_length=170, db_index=True, editable=False)
    preferred_channel = models.CharField(
        _("preferred channel"), max_length=12, choices=Channel.choices, default=Channel.EMAIL
    )
    created_at = models.DateTimeField(_("customer since"), auto_now_add=True)
    # Created from a message whose sender matched nobody: an advisor checks who
    # it is and merges it into the real customer (never guessed on a weak match).
    is_prospect = models.BooleanField(_("unidentified sender"), default=False)
    # Set when an advisor merged this prospect into the real customer
    # (`customers.merge.merge_prospect`): the row stays so that old links
    # redirect, but it holds nothing any more and no search finds it.
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class ContactPoint(models.Model):
    class Kind(models.TextChoices):
        EMAIL = "email", _("E-mail")
        PHONE = "phone", _("Phone")
        SOCIAL = "social", _("Social handle")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contact_points")
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    value = models.CharField(_("value"), max_length=254)
    is_primary = models.BooleanField(_("primary"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "value"], name="contact_point_unique_value")
        ]
        verbose_name = _("contact point")
        verbose_name_plural = _("contact points")

    def __str__(self) -> str:
        return self.display

    @property
    def display(self) -> str:
        return format_phone(self.value) if self.kind == self.Kind.PHONE else self.value


class Address(models.Model):
    """A postal address valid over a period. A move closes one and opens another."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="addresses")
    line1 = models.CharField(_("street"), max_length=200)
    line2 = models.CharField(_("address complement"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=5)
    commune = models.CharField(_("commune"), max_length=120)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        ordering = ["-valid_from"]
        indexes = [models.Index(fields=["customer", "valid_to"], name="address_current_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=models.F("valid_from")),
                name="address_valid_period",
            )
        ]
        verbose_name = _("address")
        verbose_name_plural = _("addresses")

    def __str__(self) -> str:
        return ", ".join(
            p for p in [self.line1, self.line2, f"{self.postcode} {self.commune}"] if p
        )


class Line(models.Model):
    """A subscription: a fibre, DSL or mobile line, where it is served and by what."""

    class Product(models.TextChoices):
        FIBRE = "fibre", _("Fibre")
        ADSL = "adsl", _("ADSL")
        MOBILE = "mobile", _("Mobile")
        PRO_FIBRE = "pro_fibre", _("Business fibre")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        TERMINATED = "terminated", _("Terminated")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="lines")
    number = models.CharField(_("line number"), max_length=20, unique=True)
    product = models.CharField(_("product"), max_length=12, choices=Product.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE
    )
    service_address = models.ForeignKey(
        Address, verbose_name=_("service address"), null=True, blank=True, on_delete=models.PROTECT
    )
    network_element = models.ForeignKey(
        "network.NetworkElement",
        verbose_name=_("served by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lines",
    )
    activated_on = models.DateField(_("activated on"), null=True, blank=True)

    class Meta:
        ordering = ["number"]
        verbose_name = _("line")
        verbose_name_plural = _("lines")

    def __str__(self) -> str:
        return f"{self.get_product_display()} {self.number}"


class CustomerMerge(models.Model):
    """The audit record of one prospect merged into a customer: who, when, what moved.

    `prospect_snapshot` keeps who the prospect was at the time (name, account,
    contact points), since those move or may be edited later; `moved` counts the
    rows moved per model (`"cases.case": 2`) and lists the case references.
    """

    prospect = models.ForeignKey(
        Customer, verbose_name=_("prospect"), on_delete=models.PROTECT, related_name="merges_out"
    )
    into = models.ForeignKey(
        Customer, verbose_name=_("merged into"), on_delete=models.PROTECT, related_name="merges_in"
    )
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("merged by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    merged_at = models.DateTimeField(_("merged at"))
    note = models.TextField(_("note"), blank=True)
    prospect_snapshot = models.JSONField(_("the prospect as it was"), default=dict)
    moved = models.JSONField(_("what moved"), default=dict)

    class Meta:
        ordering = ["-merged_at"]
        constraints = [
            # A prospect is merged once: its row then points to the customer for good.
            models.UniqueConstraint(fields=["prospect"], name="customer_merge_once")
        ]
        verbose_name = _("customer merge")
        verbose_name_plural = _("customer merges")

    def __str__(self) -> str:
        return f"{self.prospect_id} → {self.into_id}"
