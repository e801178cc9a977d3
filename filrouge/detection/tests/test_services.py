"""Counting outage reports on the network and raising suspicions, on the database."""

import datetime as dt

import pytest
import time_machine

from filrouge.accounts.tests.factories import AgentFactory
from filrouge.cases.models import Intent
from filrouge.cases.tests.factories import make_case
from filrouge.customers.tests.factories import LineFactory
from filrouge.detection.models import ElementLoad, Suspicion
from filrouge.detection.services import (
    DetectionError,
    confirm_suspicion,
    dismiss_suspicion,
    record_reports,
)
from filrouge.detection.tests.helpers import T0, customers_on, network, report, reports_at
from filrouge.incidents.models import Incident
from filrouge.incidents.services import IncidentError, declare_incident

pytestmark = pytest.mark.django_db
TEN_MINUTES = dt.timedelta(minutes=10)


@pytest.fixture
def net():
    return network(pms=2, cables=3)


def test_the_third_customer_on_one_cable_within_the_hour_raises_that_cable(net):
    cable = net.cables[0][1]
    cases = customers_on(cable, 3)

    raised = reports_at(cases, T0, TEN_MINUTES)

    assert [len(r) for r in raised] == [0, 0, 1]
    suspicion = Suspicion.objects.get()
    assert suspicion.element == cable
    assert suspicion.customers == 3
    assert suspicion.p_value < 1e-5
    assert suspicion.raised_at == T0 + 2 * TEN_MINUTES
    assert set(suspicion.cases.all()) == set(cases)


def test_cases_opened_about_an_outage_are_counted_as_they_open(net):
    cable = net.cables[1][0]
    for minute in (0, 7, 19):
        line = LineFactory(network_element=cable)
        with time_machine.travel(T0 + dt.timedelta(minutes=minute), tick=False):
            make_case(customer=line.customer, line=line, intent=Intent.OUTAGE)
        make_case(customer=line.customer, intent=Intent.BILLING)  # not an outage: not counted

    suspicion = Suspicion.objects.get()
    assert suspicion.element == cable
    assert suspicion.raised_at == T0 + dt.timedelta(minutes=19)
    assert suspicion.cases.count() == 3


def test_a_case_without_a_line_counts_against_every_active_line_of_its_customer(net):
    cable = net.cables[0][0]
    lines = [LineFactory(network_element=cable) for _i in range(3)]
    cases = [make_case(customer=line.customer, intent=Intent.OTHER) for line in lines]

    reports_at(cases, T0, TEN_MINUTES)

    assert Suspicion.objects.get().element == cable


def test_a_cable_first_seen_today_has_been_watched_since_its_pm_was(net):
    """A cable that never reported before has been quiet as long as its PM has been
    watched: its first report and its learned rate do not start its clock. Otherwise one
    reports three and two hours ago would count as a rate of two reports in ~2 hours of
    observation and the three customers below would not raise it (p ~ 5e-5)."""
    quiet, cable = net.cables[0][0], net.cables[0][1]
    record_reports([report(customers_on(quiet, 1)[0], T0 - dt.timedelta(days=7))])
    pm_since = ElementLoad.objects.get(element=net.pms[0]).since
    earlier = customers_on(cable, 2)
    record_reports([report(earlier[0], T0 - dt.timedelta(hours=3))])
    record_reports([report(earlier[1], T0 - dt.timedelta(hours=2))])
    assert ElementLoad.objects.get(element=cable).since == pm_since

    raised = reports_at(customers_on(cable, 3), T0, dt.timedelta(minutes=5))

    assert [len(r) for r in raised] == [0, 0, 1]
    assert Suspicion.objects.get().element == cable


def test_an_element_below_nothing_seen_starts_its_clock_at_its_first_report(net):
    cable = net.cables[1][2]
    record_reports([report(customers_on(cable, 1)[0], T0)])
    loads = ElementLoad.objects.filter(element__in=[net.nro, net.pms[1], cable])
    assert {load.since for load in loads} == {T0}


def test_reports_spread_over_the_cables_of_one_pm_raise_the_pm(net):
    pm, cables = net.pms[0], net.cables[0]
    a, b, c = customers_on(cables[0], 2), customers_on(cables[1], 2), customers_on(cables[2], 2)
    cases = [a[0], b[0], c[0], a[1], b[1], c[1]]

    raised = reports_at(cases, T0, dt.timedelta(minutes=3))

    suspicion = Suspicion.objects.get()
    assert suspicion.element == pm
    assert suspicion.branches == 3
    # Raised once the reports beside the busiest cable are abnormal for the PM by themselves.
    assert [len(r) for r in raised] == [0, 0, 0, 0, 1, 0]
    assert set(suspicion.cases.all()) == set(cases)


def test_the_same_reports_two_pms_apart_raise_nothing(net):
    # Two customers under each PM: no cable, PM or branch of the NRO has enough.
    cases = [*customers_on(net.cables[0][0], 1), *customers_on(net.cables[0][1], 1)]
    cases += [*customers_on(net.cables[1][0], 1), *customers_on(net.cables[1][1], 1)]

    raised = reports_at(cases, T0, TEN_MINUTES)

    assert raised == [[], [], [], []]  # the NRO: 4 reports over its 2 PMs is not enough there
    assert not Suspicion.objects.exists()


def test_an_open_suspicion_is_not_raised_again_and_gathers_the_new_cases(net):
    cable = net.cables[0][2]
    cases = customers_on(cable, 5)

    raised = reports_at(cases, T0, TEN_MINUTES)

    assert [len(r) for r in raised] == [0, 0, 1, 0, 0]
    suspicion = Suspicion.objects.get()
    assert set(suspicion.cases.all()) == set(cases)


def test_nothing_is_raised_below_an_open_incident(net):
    pm = net.pms[1]
    declare_incident(title="Coupure fibre", elements=[pm], text="Nous cherchons.")

    reports_at(customers_on(net.cables[1][0], 4), T0, TEN_MINUTES)

    assert not Suspicion.objects.exists()


def test_reports_from_the_other_cables_of_a_pm_widen_a_cable_suspicion_to_the_pm(net):
    first = customers_on(net.cables[0][0], 3)
    reports_at(first, T0, dt.timedelta(minutes=2))
    on_cable = Suspicion.objects.get()

    c1, c2 = customers_on(net.cables[0][1], 2), customers_on(net.cables[0][2], 2)
    c3 = customers_on(net.pms[0], 1)  # a line served by the PM itself
    more = [c1[0], c2[0], c3[0], c1[1], c2[1]]
    raised = reports_at(more, T0 + dt.timedelta(minutes=6), dt.timedelta(minutes=2))

    on_pm = Suspicion.objects.get(status=Suspicion.Status.OPEN)
    assert on_pm.element == net.pms[0]
    assert [[s.element for s in r] for r in raised] == [[], [], [], [], [on_pm.element]]
    on_cable.refresh_from_db()
    assert on_cable.status == Suspicion.Status.WIDENED
    assert on_cable.widened_to == on_pm
    assert set(on_pm.cases.all()) == {*first, *more}


def test_two_outages_on_two_cables_stay_two_suspicions(net):
    reports_at(customers_on(net.cables[0][0], 3), T0, dt.timedelta(minutes=2))
    reports_at(customers_on(net.cables[1][1], 4), T0 + dt.timedelta(minutes=7), TEN_MINUTES)

    open_ = Suspicion.objects.filter(status=Suspicion.Status.OPEN)
    assert {s.element for s in open_} == {net.cables[0][0], net.cables[1][1]}


def test_a_lone_report_beside_a_suspected_cable_does_not_widen_it(net):
    reports_at(customers_on(net.cables[0][0], 5), T0, dt.timedelta(minutes=2))
    reports_at(customers_on(net.cables[0][1], 1), T0 + dt.timedelta(minutes=12), TEN_MINUTES)

    assert Suspicion.objects.get(status=Suspicion.Status.OPEN).element == net.cables[0][0]


def test_a_dismissed_burst_is_learned_and_the_same_burst_no_longer_raises(net):
    cable = net.cables[1][2]
    reports_at(customers_on(cable, 3), T0, TEN_MINUTES)
    suspicion = Suspicion.objects.get()
    before = ElementLoad.objects.get(element=cable).weight

    with time_machine.travel(T0 + dt.timedelta(minutes=30), tick=False):
        dismiss_suspicion(suspicion, by=AgentFactory(role="lead"))

    load = ElementLoad.objects.get(element=cable)
    assert load.weight == pytest.approx(before + 3, abs=0.01)  # three reports, just now
    assert load.recent == []
    suspicion.refresh_from_db()
    assert suspicion.status == Suspicion.Status.DISMISSED
    raised = reports_at(customers_on(cable, 3), T0 + dt.timedelta(hours=2), TEN_MINUTES)
    assert raised == [[], [], []]


def test_confirming_declares_the_incident_on_the_element(net):
    cable = net.cables[0][0]
    cases = customers_on(cable, 3)
    reports_at(cases, T0, TEN_MINUTES)
    suspicion = Suspicion.objects.get()
    lead = AgentFactory(role="lead")

    incident = confirm_suspicion(
        suspicion,
        title="Coupure fibre rue Oberkampf",
        text="Nous cherchons.",
        impact="major",
        by=lead,
    )

    assert list(incident.elements.all()) == [cable]
    assert incident.status == Incident.Status.INVESTIGATING
    # It started at the first report (T0), not at the confirmation: compensation counts
    # from then.
    assert incident.started_at == T0
    assert incident.started_at < suspicion.raised_at < incident.created_at
    suspicion.refresh_from_db()
    assert (suspicion.status, suspicion.incident, suspicion.decided_by) == (
        "confirmed",
        incident,
        lead,
    )
    # The incident explains what comes next on that cable: no new suspicion.
    reports_at(customers_on(cable, 3), T0 + dt.timedelta(hours=2), TEN_MINUTES)
    assert Suspicion.objects.count() == 1


def test_a_decision_on_a_decided_suspicion_or_without_a_title_changes_nothing(net):
    reports_at(customers_on(net.cables[0][0], 3), T0, TEN_MINUTES)
    suspicion = Suspicion.objects.get()
    lead = AgentFactory(role="lead")

    with pytest.raises(IncidentError):
        confirm_suspicion(suspicion, title=" ", text="Nous cherchons.", impact="major", by=lead)
    assert not Incident.objects.exists()
    suspicion.refresh_from_db()
    assert suspicion.status == Suspicion.Status.OPEN

    dismiss_suspicion(suspicion, by=lead)
    with pytest.raises(DetectionError, match="déjà"):
        confirm_suspicion(
            suspicion, title="Coupure", text="Nous cherchons.", impact="major", by=lead
        )
    with pytest.raises(DetectionError):
        dismiss_suspicion(suspicion, by=lead)
    assert not Incident.objects.exists()


def test_a_batch_costs_the_same_few_queries_whatever_its_size(
    net, settings, django_assert_max_num_queries
):
    settings.DETECTION_MIN_CUSTOMERS = 1000  # count only: raising costs its own queries
    cases = [c for row in net.cables for cable in row for c in customers_on(cable, 2)]
    record_reports([report(c, T0 - dt.timedelta(hours=3)) for c in cases])  # the loads exist

    # The lines, the loads locked, open suspicions, open incidents, the upsert (and the
    # savepoint around it: the test runs in a transaction).
    with django_assert_max_num_queries(7):
        record_reports([report(c, T0 + dt.timedelta(seconds=i)) for i, c in enumerate(cases)])


def _raise_pm(net) -> Suspicion:
    """A burst over the three cables of the first PM raises that PM (see above)."""
    cables = net.cables[0]
    a, b, c = customers_on(cables[0], 2), customers_on(cables[1], 2), customers_on(cables[2], 2)
    reports_at([a[0], b[0], c[0], a[1], b[1], c[1]], T0, dt.timedelta(minutes=3))
    return Suspicion.objects.get(status=Suspicion.Status.OPEN)


def test_a_burst_on_a_cable_under_a_suspicion_whose_burst_has_passed_raises_that_cable(net):
    """The PM's suspicion stays open for the supervisor, but two hours on its window is
    quiet: it does not explain three customers on one cable, which are raised on it."""
    on_pm = _raise_pm(net)
    cable = net.cables[0][1]

    raised = reports_at(customers_on(cable, 3), T0 + dt.timedelta(hours=2), TEN_MINUTES)

    assert [[s.element for s in r] for r in raised] == [[], [], [cable]]
    on_pm.refresh_from_db()
    assert on_pm.status == Suspicion.Status.OPEN
    assert on_pm.cases.count() == 6  # the cable's reports are the cable's


def test_a_pm_outage_still_reporting_on_all_its_cables_raises_none_of_them(net):
    """While the PM's reports keep coming through its other cables, a cable's own burst is
    the PM's outage: one suspicion, gathering every case, not one a cable."""
    on_pm = _raise_pm(net)
    more = [customers_on(cable, 4) for cable in net.cables[0]]
    cases = [more[j][i] for i in range(4) for j in range(3)]  # round the three cables

    raised = reports_at(cases, T0 + dt.timedelta(minutes=18), dt.timedelta(minutes=2))

    assert raised == [[]] * 12
    assert Suspicion.objects.get() == on_pm
    assert on_pm.cases.count() == 18


def test_nothing_is_raised_below_an_open_incident_even_hours_later(net):
    pm = net.pms[1]
    declare_incident(title="Coupure fibre", elements=[pm], text="Nous cherchons.")

    reports_at(customers_on(net.cables[1][0], 4), T0 + dt.timedelta(hours=5), TEN_MINUTES)

    assert not Suspicion.objects.exists()
