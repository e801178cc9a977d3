"""A small network and customers on it, and outage reports at chosen times."""

import datetime as dt
from dataclasses import dataclass

from filrouge.cases.models import Case, Intent
from filrouge.cases.tests.factories import make_case
from filrouge.customers.models import Line
from filrouge.customers.tests.factories import LineFactory
from filrouge.detection.services import Report, record_reports
from filrouge.network.models import NetworkElement
from filrouge.network.services import add_element

T0 = dt.datetime(2026, 3, 10, 10, 0, tzinfo=dt.UTC)  # a Tuesday, 11:00 in Paris


@dataclass
class Net:
    nro: NetworkElement
    pms: list[NetworkElement]
    cables: list[list[NetworkElement]]  # cables[pm index][cable index]


def network(pms: int = 2, cables: int = 3) -> Net:
    nro = add_element(kind="nro", code="NRO-PAR11")
    the_pms, the_cables = [], []
    for i in range(pms):
        pm = add_element(kind="pm", code=f"PM-PAR11-{i:03d}", parent=nro)
        the_pms.append(pm)
        the_cables.append(
            [
                add_element(kind="cable", code=f"CBL-PAR11-{i:03d}-{j}", parent=pm)
                for j in range(cables)
            ]
        )
    return Net(nro, the_pms, the_cables)


def customers_on(element: NetworkElement, n: int) -> list[Case]:
    """`n` customers with a line on `element`, each with an open case (not about an outage,
    so opening it reports nothing)."""
    cases = []
    for _i in range(n):
        line: Line = LineFactory(network_element=element)
        cases.append(make_case(customer=line.customer, line=line, intent=Intent.OTHER))
    return cases


def report(case: Case, at: dt.datetime) -> Report:
    return Report(at=at, customer_id=case.customer_id, case_id=case.pk, line_id=case.line_id)


def reports_at(cases: list[Case], start: dt.datetime, every: dt.timedelta) -> list:
    """Each case reports once, one after the other; returns what each batch raised."""
    return [record_reports([report(c, start + i * every)]) for i, c in enumerate(cases)]
