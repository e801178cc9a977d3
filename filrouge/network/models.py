"""The physical network: which element serves which line, and which area it covers.

A fibre line hangs off a cable, the cable off a PM (point de mutualisation),
the PM off an NRO (nœud de raccordement optique). An outage on an element
hits every line served by it or by an element below it.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Area(models.Model):
    """A commune as a postcode sees it (one commune may span several postcodes)."""

    postcode = models.CharField(_("postcode"), max_length=5, db_index=True)
    commune = models.CharField(_("commune"), max_length=120)
    insee_code = models.CharField(_("INSEE code"), max_length=5, blank=True)

    class Meta:
        ordering = ["commune", "postcode"]
        constraints = [
            models.UniqueConstraint(
                fields=["postcode", "commune"], name="area_unique_postcode_commune"
            )
        ]
        verbose_name = _("area")
        verbose_name_plural = _("areas")

    def __str__(self) -> str:
        return f"{self.postcode} {self.commune}"


class NetworkElement(models.Model):
    class Kind(models.TextChoices):
        NRO = "nro", _("Optical node (NRO)")
        PM = "pm", _("Street cabinet (PM)")
        CABLE = "cable", _("Fibre cable")
        DSLAM = "dslam", _("DSLAM")
        CELL = "cell", _("Mobile cell")

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent element"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # Materialised path ("/12/345/6789/") so "this element and everything
    # below" is one indexed prefix query rather than a recursive walk.
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    areas = models.ManyToManyField(Area, verbose_name=_("areas served"), blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("network element")
        verbose_name_plural = _("network elements")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.code}"
