"""Cases with a customer reachable as each test needs, and what happens on them."""

import datetime as dt

from django.utils import timezone

from filrouge.accounts.tests.factories import AgentFactory
from filrouge.cases.models import Status
from filrouge.cases.services import change_status, make_promise, set_next_step
from filrouge.cases.tests.factories import make_case
from filrouge.customers.models import Channel
from filrouge.customers.tests.factories import CustomerFactory, EmailFactory, PhoneFactory


def customer_with(*, email="", phone="", preferred=Channel.EMAIL, first_name="Lucie"):
    customer = CustomerFactory(preferred_channel=preferred, first_name=first_name)
    if email:
        EmailFactory(customer=customer, value=email)
    if phone:
        PhoneFactory(customer=customer, value=phone)
    return customer


def three_changes(case, agent):
    """What an advisor does in a minute: takes the case, promises a call, sets the next step."""
    case = change_status(case, to=Status.IN_PROGRESS, by=agent)
    make_promise(
        case,
        by=agent,
        description="Rappel par un technicien",
        due_at=timezone.now() + dt.timedelta(days=2),
    )
    set_next_step(case, by=agent, text="Test de la ligne à distance")
    return case


def case_for(customer):
    agent = AgentFactory(first_name="Léa")
    return make_case(customer=customer, owner=agent), agent
