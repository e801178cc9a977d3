"""The demo's network incidents: one in progress on a PM, one resolved with compensations.

Written through the same services as an advisor's (`declare_incident`, `post_update`),
so the cases on the PM are linked and held, the compensations proposed, and the
notices of the ongoing incident queued for the worker (they land in the mail sink
once `filrouge up` runs). The resolved incident's notices are marked planned: its
customers were told back then, not today.
"""

from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, Q

from filrouge.cases.models import ACTIVE_STATUSES
from filrouge.core.clock import now
from filrouge.customers.models import Line
from filrouge.incidents.models import CompensationRule, Incident, IncidentUpdate
from filrouge.incidents.services import declare_incident, post_update
from filrouge.network.models import NetworkElement
from filrouge.partners.models import Partner

# Monthly prices of the demo operator's offers (incl. VAT); a day is a thirtieth.
RULES = {
    Line.Product.FIBRE: Decimal("34.99"),
    Line.Product.ADSL: Decimal("29.99"),
    Line.Product.MOBILE: Decimal("15.99"),
    Line.Product.PRO_FIBRE: Decimal("59.99"),
}


def seed_rules() -> None:
    for product, price in RULES.items():
        CompensationRule.objects.get_or_create(
            product=product,
            defaults={"monthly_price": price, "free_days": 1, "minimum": Decimal("2.00")},
        )


def _busiest_pms(count: int) -> list[NetworkElement]:
    """The PMs with the most active cases on the lines below them."""
    pms = list(NetworkElement.objects.filter(kind=NetworkElement.Kind.PM))
    lines = Line.objects.filter(network_element__isnull=False).values("network_element__path")
    cases = lines.annotate(
        active=Count("cases", filter=Q(cases__status__in=ACTIVE_STATUSES))
    ).filter(active__gt=0)
    score: dict[int, int] = {}
    for row in cases:
        parts = row["network_element__path"].strip("/").split("/")
        if len(parts) >= 2:
            score[int(parts[1])] = score.get(int(parts[1]), 0) + row["active"]
    pms.sort(key=lambda pm: (-score.get(pm.pk, 0), pm.code))
    return pms[:count]


def seed() -> dict[str, int]:
    """Both incidents; returns what the demo summary prints."""
    seed_rules()
    pms = _busiest_pms(2)
    if len(pms) < 2:
        return {}
    ongoing_pm, past_pm = pms
    at = now()
    partner = Partner.objects.order_by("pk").first()
    past = declare_incident(
        title=f"Câble sectionné en amont du {past_pm.code}",
        elements=[past_pm],
        text="Une coupure touche les lignes fibre du quartier. Nous cherchons son origine.",
        impact=Incident.Impact.CRITICAL,
        started_at=at - timedelta(days=23, hours=5),
    )
    post_update(
        past,
        text="Le câble a été arraché par des travaux de voirie ; l’opérateur d’infrastructure "
        "doit le remplacer.",
        status=Incident.Status.IDENTIFIED,
    )
    post_update(
        past,
        text="Le câble est remplacé et le service rétabli. Si votre ligne ne fonctionne "
        "toujours pas, redémarrez votre box puis répondez à ce message.",
        status=Incident.Status.RESOLVED,
    )
    IncidentUpdate.objects.filter(incident=past).update(notices_planned_at=at)
    ongoing = declare_incident(
        title=f"Panne du point de mutualisation {ongoing_pm.code}",
        elements=[ongoing_pm],
        text="Les lignes fibre reliées à ce point de mutualisation sont coupées. Un technicien "
        "de l’opérateur d’infrastructure est attendu.",
        impact=Incident.Impact.MAJOR,
        eta=at + timedelta(days=2),
        partner=partner,
        partner_reference="TT-INFRA-2612-0457",
        partner_promised_at=at + timedelta(days=2),
    )
    return {
        "incidents réseau (en cours, résolu)": 2,
        "dossiers liés à l'incident en cours": ongoing.links.count(),
        "dédommagements proposés": past.compensations.count(),
    }
