"""The French demo operator behind `filrouge demo --customers N`.

`run` is the whole command: it loads the demo once (detected by the demo
account numbers), makes sure the demo logins exist, and reports what it did.
Modules: `catalogue` (communes, teams, words), `world` (network, customers),
`drafts` + `stories` + `showcase` (case timelines), `writer` (bulk inserts),
`staff` (teams and logins), `load` (the order of it all).
"""

from dataclasses import dataclass

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
    return Outcome(summary, "", password)


__all__ = ["Options", "Outcome", "demo_exists", "run"]
