"""Files that came on paper or from the field: scanned letters, technicians' photos.

Stored through Django's default storage under MEDIA_ROOT with a random name
(the customer's file name is kept only as a label) and never served publicly:
MEDIA_URL is not routed; agents open them through `/agent/pieces/<id>/`, which
checks the login. Registered in channels.models.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}


class TechnicianOutcome(models.TextChoices):
    FIXED = "fixed", _("Fixed")
    NOT_FIXED = "not_fixed_new_intervention_needed", _("Not fixed: a new intervention is needed")
    CUSTOMER_ABSENT = "customer_absent", _("Customer absent")
    PARTNER_NEEDED = "partner_needed", _("A partner must intervene")


def random_name(document: "Document", filename: str) -> str:
    """`documents/<year>/<random>.<ext of the checked type>`: nothing of the customer's name."""
    extension = EXTENSIONS.get(document.content_type, "")
    return f"documents/{document.created_at:%Y}/{uuid.uuid4().hex}{extension}"


class Document(models.Model):
    class Kind(models.TextChoices):
        LETTER = "letter", _("Scanned letter")
        PHOTO = "photo", _("Technician's photo")
        # A photo or PDF the customer sent from their tracking page (portal).
        CUSTOMER = "customer", _("Sent by the customer")
        ATTACHMENT = "email", _("E-mail attachment")  # see channels/email/attachments.py
        TMF = "tmf", _("Sent through the TMF621 API")  # see tmf/attachments.py

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="documents")
    event = models.ForeignKey(
        "cases.Event", null=True, blank=True, on_delete=models.PROTECT, related_name="documents"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to=random_name, max_length=200)
    original_name = models.CharField(_("original file name"), max_length=200, blank=True)
    # Checked from the first bytes for PDF, JPEG and PNG; otherwise as the sender declared it
    # (e-mail attachments), which is why only those three are ever shown inline.
    content_type = models.CharField(_("type"), max_length=127)
    size = models.PositiveIntegerField(_("size in bytes"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_by_label = models.CharField(max_length=80, blank=True)  # a partner's name
    created_at = models.DateTimeField(_("received at"))

    class Meta:
        app_label = "channels"
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self) -> str:
        return self.original_name or self.file.name
