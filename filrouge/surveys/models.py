"""The customer's answer to the short survey sent when their case is resolved."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

CSAT_RANGE = range(1, 6)  # satisfaction: 1 (not at all) … 5 (very)
CES_RANGE = range(1, 8)  # customer effort: 1 (very difficult) … 7 (very easy)
NPS_RANGE = range(0, 11)  # would recommend: 0 (not at all) … 10 (certainly)


class SurveyAnswer(models.Model):
    """One answer per case (the unique constraint is what makes a double post harmless).

    `nps` is empty when it was not asked: a customer is asked to recommend us at most
    once every 90 days, whatever the number of their cases.
    """

    case = models.OneToOneField(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        related_name="survey_answer",
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="survey_answers",
    )
    csat = models.PositiveSmallIntegerField(
        _("satisfaction (1–5)"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    ces = models.PositiveSmallIntegerField(
        _("ease (1–7)"), validators=[MinValueValidator(1), MaxValueValidator(7)]
    )
    nps = models.PositiveSmallIntegerField(
        _("recommendation (0–10)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(10)],
    )
    comment = models.TextField(_("comment"), blank=True)
    follow_up = models.BooleanField(_("follow-up asked of the team lead"), default=False)
    answered_at = models.DateTimeField(_("answered at"))

    class Meta:
        ordering = ["-answered_at"]
        constraints = [
            models.CheckConstraint(condition=Q(csat__gte=1, csat__lte=5), name="survey_csat_1_5"),
            models.CheckConstraint(condition=Q(ces__gte=1, ces__lte=7), name="survey_ces_1_7"),
            models.CheckConstraint(
                condition=Q(nps__isnull=True) | Q(nps__gte=0, nps__lte=10),
                name="survey_nps_0_10",
            ),
        ]
        indexes = [
            # "Did this customer give an NPS lately?" is asked on every survey page.
            models.Index(
                fields=["customer", "-answered_at"],
                condition=Q(nps__isnull=False),
                name="survey_customer_nps_idx",
            ),
        ]
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")

    def __str__(self) -> str:
        return f"{self.case_id}: {self.csat}/{self.ces}/{self.nps}"
