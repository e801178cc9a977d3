"""The French demo operator behind `filrouge demo --customers N`.

`run` is the whole command: it loads the demo once (detected by the demo
account numbers), makes sure the demo logins exist, and reports what it did.
Modules: `catalogue` (communes, teams, words), `world` (network, customers),
`drafts` + `stories` + `showcase` (case timelines), `writer` (bulk inserts),
`staff` (teams and logins), `load` (the order of it all).
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from filrouge.core.demo.load import Options, Summary, load
from filrouge.core.demo.staff import (
    Password,
    agent_by_email,
    agent_count,
    agent_email,
    demo_password,
    ensure_staff,
)
from filrouge.core.demo.world import ACCOUNT_PREFIX
from filrouge.core.demo.writer import bulk_session
from filrouge.customers.models import Customer


@dataclass
class Outcome:
    loaded: Summary | None  # None: nothing generated
    reason: str
    password: Password


def demo_exists() -> bool:
    return Customer.objects.filter(account_number__startswith=ACCOUNT_PREFIX).exists()


def run(options: Options, *, if_empty: bool = False) -> Outcome:
    if if_empty and Customer.objects.exists():
        return Outcome(None, "the database already has customers", demo_password(create=False))
    password = demo_password(create=True)
    if demo_exists():
        with transaction.atomic():
            ensure_staff(agents=5, password=password)
        return Outcome(None, "demo data already loaded", password)
    with bulk_session(), transaction.atomic():
        staff = ensure_staff(agents=agent_count(options.customers), password=password)
        agents = {f"agent{n}": agent_by_email(staff, agent_email(n)) for n in (1, 2)}
        summary = load(options, staff, agents)
    with transaction.atomic():
        summary.counts["rendez-vous techniciens"] = _appointments()
        summary.showcase.extend(_booking_links(summary.showcase))
        summary.showcase.extend(_moving_links(summary.showcase))
        summary.counts.update(_incidents())
    return Outcome(summary, "", password)


def _incidents() -> dict[str, int]:
    """One network incident in progress on a PM, one resolved with compensations."""
    from filrouge.incidents.demo import seed

    return seed()


def _booking_links(showcase: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The customer's booking page of the showcase outage case, and the survey of the
    resolved one (their links' tokens)."""
    from filrouge.cases.models import Case
    from filrouge.cases.tokens import make_tracking_token
    from filrouge.core.demo.showcase import DESCRIPTIONS

    links = []
    for reference, description in showcase:
        if description == DESCRIPTIONS["outage"]:
            case = Case.objects.get(reference=reference)
            site, token = settings.FILROUGE_PUBLIC_URL, make_tracking_token(case)
            url = f"{site}/suivi/{reference}/rendez-vous/?t={token}"
            links.append((url, "le client de la coupure prend rendez-vous technicien"))
        elif description == DESCRIPTIONS["full"]:  # resolved: its customer gives an opinion
            from filrouge.surveys.links import survey_url

            case = Case.objects.get(reference=reference)
            links.append((survey_url(case), "le client du déménagement résolu donne son avis"))
    return links


def _moving_links(showcase: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The delivery case gets a box being prepared and a visit booked (fieldops app);
    its customer's move page shows both following them."""
    from filrouge.cases.models import Case
    from filrouge.cases.tokens import make_tracking_token
    from filrouge.core.demo.showcase import DESCRIPTIONS
    from filrouge.fieldops.demo import seed

    links = []
    for reference, description in showcase:
        if description == DESCRIPTIONS["delivery"]:
            case = Case.objects.get(reference=reference)
            seed(case)
            site, token = settings.FILROUGE_PUBLIC_URL, make_tracking_token(case)
            url = f"{site}/suivi/{reference}/demenagement/?t={token}"
            links.append((url, "le client du colis déménage : la box et le rendez-vous suivent"))
    return links


def _appointments() -> int:
    """Technician slots for three weeks, the first ones of Paris full (appointments app)."""
    from filrouge.appointments.demo import seed
    from filrouge.core.demo.catalogue import COMMUNES

    showcase = Customer.objects.filter(account_number__startswith=ACCOUNT_PREFIX).order_by("pk")
    return seed(
        commune_postcode=COMMUNES[0].postcode,
        skip_customers=set(showcase.values_list("pk", flat=True)[:4]),
    )


__all__ = ["Options", "Outcome", "demo_exists", "run"]
