"""The incident page's summaries: who was told of each update, and the compensations owed."""

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.test import Client

from filrouge.channels.models import OutboundMessage
from filrouge.channels.services import deliver_outbound
from filrouge.customers.models import Channel
from filrouge.customers.tests.factories import (
    CustomerFactory,
    EmailFactory,
    LineFactory,
    PhoneFactory,
)
from filrouge.incidents import fanout, selectors
from filrouge.incidents.models import CompensationProposal, CompensationRule, NoticeChunk
from filrouge.incidents.services import declare_incident, post_update

pytestmark = pytest.mark.django_db
NIGHT = datetime(2026, 12, 5, 22, 30, tzinfo=UTC)  # 23:30 in Paris: SMS wait for 08:00


@pytest.fixture
def client_in(agent):
    client = Client()
    client.force_login(agent)
    return client


def _customer(element, *, email=True, phone=False, prefers=Channel.EMAIL, lines=1):
    customer = CustomerFactory(preferred_channel=prefers)
    for _i in range(lines):
        LineFactory(customer=customer, network_element=element, product="fibre")
    if email:
        EmailFactory(customer=customer)
    if phone:
        PhoneFactory(customer=customer, value=f"+3361234{customer.pk:04d}")
    return customer


def _run_all(update):
    fanout.plan_notices(update.pk)
    for chunk in NoticeChunk.objects.filter(update=update):
        fanout.send_chunk(chunk.pk)


def _counts(page: str, update_pk: int) -> dict[str, int]:
    row = re.search(rf'<tr data-update="{update_pk}">(.*?)</tr>', page, re.S).group(1)
    return {k: int(v) for k, v in re.findall(r'data-count="(\w+)">(\d+)<', row)}


@time_machine.travel(NIGHT, tick=False)
def test_the_page_counts_sent_queued_failed_and_without_contact(tree, client_in):
    cable = tree[2]
    delivered = _customer(cable)
    dead = _customer(cable)
    _customer(cable)  # e-mail handed over, its delivery not attempted yet: queued
    _customer(cable, email=False, phone=True, prefers=Channel.SMS)  # night: SMS waits
    _customer(cable, email=False)  # nobody to tell
    incident = declare_incident(title="Câble coupé", elements=[cable], text="Nous cherchons.")
    update = incident.updates.get()
    page = client_in.get(f"/agent/incidents/{incident.reference}/").content.decode()
    assert "en cours de planification" in page  # the fan-out has not run yet

    _run_all(update)
    mail = {o.event.customer_id: o for o in OutboundMessage.objects.select_related("event")}
    assert deliver_outbound(mail[delivered.pk].pk) == OutboundMessage.State.SENT
    OutboundMessage.objects.filter(pk=mail[dead.pk].pk).update(state=OutboundMessage.State.DEAD)

    page = client_in.get(f"/agent/incidents/{incident.reference}/").content.decode()
    assert "Prévenus" in page
    assert _counts(page, update.pk) == {"sent": 1, "queued": 2, "failed": 1, "no_contact": 1}
    told = selectors.told(incident)
    assert [t.total for t in told] == [5]


def test_compensations_are_totalled_per_customer_and_overall(tree, client_in):
    CompensationRule.objects.create(product="fibre", monthly_price="30.00")
    cable = tree[2]
    start = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # 10:00 Paris, Monday
    two_lines = _customer(cable, lines=2)
    one_line = _customer(cable)
    with time_machine.travel(start, tick=False):
        incident = declare_incident(title="Câble coupé", elements=[cable], text="Nous cherchons.")
    with time_machine.travel(datetime(2026, 12, 4, 15, 0, tzinfo=UTC), tick=False):
        post_update(incident, text="Rétabli.", status="resolved")
        page = client_in.get(f"/agent/incidents/{incident.reference}/").content.decode()

    # Tuesday to Thursday: 3 full Paris days, a thirtieth of 30 € each: 3 € per line.
    assert set(CompensationProposal.objects.values_list("amount", flat=True)) == {Decimal("3.00")}
    assert re.search(rf'data-customer="{two_lines.pk}">.*?data-amount="6.00"', page, re.S)
    assert re.search(rf'data-customer="{one_line.pk}">.*?data-amount="3.00"', page, re.S)
    assert 'data-total="9.00"' in page
    assert "2 / 2" in page  # customers owed something
    assert "Propositions de dédommagement" in page
    owed = selectors.owed(incident)
    assert (owed.total, owed.lines, owed.customer_count) == (Decimal("9.00"), 3, 2)


def test_an_incident_resolved_the_day_it_started_proposes_0_eur_and_tells_of_none(tree, client_in):
    """Same Paris day: no full day without service, 0 € per line; the lines are listed for
    billing, no customer is told of a compensation."""
    CompensationRule.objects.create(product="fibre", monthly_price="30.00")
    cable = tree[2]
    _customer(cable)
    with time_machine.travel(datetime(2026, 12, 3, 8, 0, tzinfo=UTC), tick=False):
        incident = declare_incident(title="Câble coupé", elements=[cable], text="Nous cherchons.")
    with time_machine.travel(datetime(2026, 12, 3, 8, 0, tzinfo=UTC) + timedelta(hours=9)):
        update = post_update(incident, text="Rétabli.", status="resolved")
        _run_all(update)
        page = client_in.get(f"/agent/incidents/{incident.reference}/").content.decode()
    assert list(CompensationProposal.objects.values_list("amount", flat=True)) == [Decimal("0.00")]
    assert 'data-total="0.00"' in page
    assert "0 / 1" in page
    body = OutboundMessage.objects.get(event__data__update=update.pk).event.data["body"]
    assert "dédommagement" not in body
