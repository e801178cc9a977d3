"""Compensation: full days in Paris, the offer's rule, proposals on resolution, the CSV."""

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from filrouge.cases.models import Event
from filrouge.cases.tests.factories import make_case
from filrouge.customers.models import Line
from filrouge.customers.tests.factories import LineFactory
from filrouge.incidents.compensation import amount, csv_export, full_days
from filrouge.incidents.models import CompensationProposal, CompensationRule
from filrouge.incidents.services import declare_incident, post_update

PARIS = ZoneInfo("Europe/Paris")


def paris(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        (paris(2026, 3, 2, 10), paris(2026, 3, 3, 9), 0),  # 23 hours, no full day
        (paris(2026, 3, 2, 0), paris(2026, 3, 3, 0), 1),  # midnight to midnight
        (paris(2026, 3, 2, 23, 59), paris(2026, 3, 5, 0, 1), 2),  # the 3rd and the 4th
        # The clocks go forward on 29 March 2026: that Sunday lasts 23 hours, still a day.
        (paris(2026, 3, 29, 0), paris(2026, 3, 30, 0), 1),
        # ...and back on 25 October 2026: a 25-hour day is one day, not one and a bit.
        (paris(2026, 10, 25, 0), paris(2026, 10, 26, 0), 1),
        (paris(2026, 10, 24, 12), paris(2026, 10, 27, 12), 2),
        # 23:30 UTC is already the next day in Paris: days are Paris days.
        (datetime(2026, 1, 4, 23, 30, tzinfo=UTC), datetime(2026, 1, 6, 23, 30, tzinfo=UTC), 1),
        (paris(2026, 3, 5), paris(2026, 3, 2), 0),
    ],
)
def test_full_days_are_paris_calendar_days_across_time_changes(start, end, days):
    assert full_days(start, end) == days


def test_the_rule_pays_a_thirtieth_per_day_beyond_the_free_days_with_a_minimum():
    rule = CompensationRule(
        product="fibre", monthly_price=Decimal("39.99"), free_days=2, minimum=Decimal("5.00")
    )
    assert amount(rule, 2) == Decimal("0.00")
    assert amount(rule, 3) == Decimal("5.00")  # 1.33 → the minimum
    assert amount(rule, 10) == Decimal("10.66")  # 8 × 39.99 / 30 = 10.664
    assert amount(rule, 32) == Decimal("39.99")


@pytest.mark.django_db
def test_resolving_proposes_a_compensation_per_affected_line_on_the_case_and_in_the_csv(tree):
    pm, cable = tree[1], tree[2]
    CompensationRule.objects.create(
        product=Line.Product.FIBRE, monthly_price=Decimal("30.00"), free_days=1
    )
    line = LineFactory(network_element=cable, number="FTTH00000042")
    LineFactory(network_element=cable, product=Line.Product.MOBILE)  # no rule: no proposal
    with time_machine.travel(paris(2026, 11, 2, 15), tick=False):
        case = make_case(customer=line.customer, line=line)
        incident = declare_incident(title="Câble arraché", elements=[pm], text="Coupure.")
    with time_machine.travel(paris(2026, 11, 25, 9), tick=False):
        post_update(incident, text="Réparé.", status="resolved")

    proposal = CompensationProposal.objects.get()
    assert (proposal.line, proposal.full_days) == (line, 22)  # the 3rd to the 24th
    assert proposal.amount == Decimal("21.00")  # 21 days × 1 €
    assert proposal.may_terminate
    event = case.events.get(kind=Event.Kind.COMPENSATION_PROPOSED)
    assert (event.data["amount"], event.data["days"]) == ("21.00", 22)
    rows = list(csv.DictReader(io.StringIO(csv_export(incident))))
    assert rows == [
        {
            "incident": incident.reference,
            "account_number": line.customer.account_number,
            "line_number": "FTTH00000042",
            "offer": "fibre",
            "without_service_from": "2026-11-02T14:00:00+00:00",
            "without_service_until": "2026-11-25T08:00:00+00:00",
            "full_days": "22",
            "monthly_price_eur": "30.00",
            "free_days": "1",
            "amount_eur": "21.00",
            "may_terminate_without_fees": "yes",
        }
    ]
