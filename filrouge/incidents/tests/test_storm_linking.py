"""Outage cases without a line (an SMS names none) are linked through the customer's line.

Three doors: declaring or updating the incident, opening a case with intent outage, and
the filing of a message triage reads as an outage (a hook run after triage)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from filrouge.cases.models import Case, Event, Intent, Status
from filrouge.cases.services import open_case
from filrouge.cases.tests.factories import make_case
from filrouge.channels import filing
from filrouge.channels.models import InboundMessage, OutboundMessage
from filrouge.channels.services import process_inbound, store_inbound
from filrouge.channels.topics import guess_intent
from filrouge.customers.models import Channel, Line
from filrouge.customers.tests.factories import LineFactory, PhoneFactory
from filrouge.detection.storm import vonage_payload
from filrouge.incidents import linking
from filrouge.incidents.models import IncidentCase
from filrouge.incidents.services import declare_incident, post_update

pytestmark = pytest.mark.django_db


def _declare(element):
    return declare_incident(title="Câble coupé", elements=[element], text="Nous cherchons.")


def _lineless(element, *, intent=Intent.OUTAGE, line_status=Line.Status.ACTIVE):
    """A customer with a line on `element` whose case names no line."""
    line = LineFactory(network_element=element, status=line_status)
    return make_case(customer=line.customer, intent=intent), line


def _linked_ids(incident):
    return set(IncidentCase.objects.filter(incident=incident).values_list("case_id", flat=True))


def test_declaring_links_lineless_outage_cases_through_the_customers_affected_line(tree):
    nro, pm, cable, other = tree
    storm, storm_line = _lineless(cable)
    billing, _b = _lineless(cable, intent=Intent.BILLING)  # not about the network: left alone
    cut, _c = _lineless(cable, line_status=Line.Status.TERMINATED)  # no active line there
    elsewhere, _e = _lineless(other)
    with_line = make_case(customer=storm.customer, line=storm_line)

    incident = _declare(pm)

    assert _linked_ids(incident) == {storm.pk, with_line.pk}
    storm = Case.objects.get(pk=storm.pk)
    assert storm.status == Status.HELD
    assert storm.line_id == storm_line.pk  # the case now names the line the incident hits
    linked = storm.events.get(kind=Event.Kind.INCIDENT_LINKED)
    assert linked.data["via"] == "customer_line"
    assert "via" not in with_line.events.get(kind=Event.Kind.INCIDENT_LINKED).data
    for case in (billing, cut, elsewhere):
        after = Case.objects.get(pk=case.pk)
        assert after.line_id is None
        assert after.status == Status.ACKNOWLEDGED


def test_a_customer_with_two_lines_gets_the_affected_one(tree):
    _nro, pm, cable, other = tree
    case, affected = _lineless(cable)
    LineFactory(customer=case.customer, network_element=other)  # another line, elsewhere
    incident = _declare(cable)
    assert _linked_ids(incident) == {case.pk}
    assert Case.objects.get(pk=case.pk).line_id == affected.pk


def test_an_update_links_the_lineless_outage_cases_opened_since(tree):
    _nro, pm, cable, _other = tree
    incident = _declare(pm)
    case, line = _lineless(cable, intent=Intent.OTHER)
    assert _linked_ids(incident) == set()  # opened as "other": nothing to link yet
    Case.objects.filter(pk=case.pk).update(intent=Intent.OUTAGE)  # an advisor corrects it

    post_update(incident, text="Technicien sur place.", status="identified")

    assert _linked_ids(incident) == {case.pk}
    assert Case.objects.get(pk=case.pk).line_id == line.pk


def test_linking_lineless_cases_costs_the_same_queries_for_three_or_thirty(tree):
    pm, cable = tree[1], tree[2]
    counts = []
    for n in (3, 30):
        for _i in range(n):
            _lineless(cable)
        with CaptureQueriesContext(connection) as seen:
            incident = _declare(pm)
        assert len(_linked_ids(incident)) == n
        counts.append(len(seen))
        post_update(incident, text="Réparé.", status="resolved")
        Case.objects.filter(status__in=[Status.HELD, Status.IN_PROGRESS]).update(
            status=Status.CANCELLED
        )
    assert counts[0] == counts[1]


def test_a_case_opened_with_intent_outage_and_no_line_is_linked_and_told(tree):
    _nro, pm, cable, _other = tree
    incident = _declare(pm)
    line = LineFactory(network_element=cable)
    PhoneFactory(customer=line.customer, value="+33612345678")
    other_line = LineFactory(network_element=tree[3])  # a customer elsewhere

    case = open_case(line.customer, subject="Plus d'internet", channel=Channel.SMS, intent="outage")
    calm = open_case(
        other_line.customer, subject="Plus d'internet", channel=Channel.SMS, intent="outage"
    )
    billing = open_case(line.customer, subject="Ma facture", channel=Channel.SMS, intent="billing")

    assert _linked_ids(incident) == {case.pk}
    case = Case.objects.get(pk=case.pk)
    assert case.status == Status.HELD
    assert case.line_id == line.pk
    told = case.events.get(kind=Event.Kind.MESSAGE_OUT)
    assert told.data["auto"] == linking.AUTO_NOTICE
    assert OutboundMessage.objects.filter(case=case, channel=Channel.SMS).count() == 1
    assert Case.objects.get(pk=calm.pk).status == Status.ACKNOWLEDGED
    assert Case.objects.get(pk=billing.pk).line_id is None


def _sms(phone, text, n):
    inbound, _new = store_inbound(
        channel=Channel.SMS,
        external_id=f"test-storm-{n}",
        payload=vonage_payload(phone, text, f"test-storm-{n}"),
    )
    process_inbound(inbound.pk)
    return InboundMessage.objects.select_related("case").get(pk=inbound.pk)


def test_an_sms_triage_reads_as_an_outage_is_linked_after_triage(tree):
    """The channels' keywords read "other" (nothing names the fibre); triage reads an outage
    after the case is opened: the last filing hook links it, told once."""
    _nro, pm, cable, _other = tree
    incident = _declare(pm)
    line = LineFactory(network_element=cable)
    PhoneFactory(customer=line.customer, value="+33698765432")

    text = "Bonjour, rien ne marche depuis ce matin, ni internet ni la télé"
    assert guess_intent(text) == Intent.OTHER  # the case opens as "other"
    inbound = _sms("+33698765432", text, 1)

    case = Case.objects.get(pk=inbound.case_id)
    assert case.intent == Intent.OUTAGE  # set by triage, after the opening
    assert _linked_ids(incident) == {case.pk}
    assert case.status == Status.HELD
    assert case.line_id == line.pk
    told = case.events.filter(kind=Event.Kind.MESSAGE_OUT, data__auto=linking.AUTO_NOTICE)
    assert told.count() == 1

    # A second SMS on the same case: linked already, not linked or told twice.
    _sms("+33698765432", "Toujours rien ni internet ni télé", 2)
    assert IncidentCase.objects.filter(case=case).count() == 1
    assert case.events.filter(kind=Event.Kind.INCIDENT_LINKED).count() == 1


def test_the_link_hook_runs_after_hooks_registered_after_it(tree, monkeypatch):
    """`register(..., last=True)` runs after every other hook, even one registered later:
    a stand-in for triage registered after the incidents app still sets the intent first."""
    monkeypatch.setattr(filing, "_hooks", [])
    monkeypatch.setattr(filing, "_last", [])
    order = []
    filing.register(lambda items: order.append("last"), last=True)

    def reads_outage(items):
        order.append("triage")
        for f in items:
            f.case.intent = Intent.OUTAGE
            Case.objects.filter(pk=f.case.pk).update(intent=Intent.OUTAGE)

    filing.register(reads_outage)
    filing.register(linking.link_filed, last=True)
    _nro, pm, cable, _other = tree
    incident = _declare(pm)
    case, line = _lineless(cable, intent=Intent.OTHER)
    filing.filed([filing.Filed(None, None, case.customer, case, None, False)])
    assert order == ["triage", "last"]
    assert _linked_ids(incident) == {case.pk}
    assert Case.objects.get(pk=case.pk).line_id == line.pk


def test_a_lineless_case_unlinked_by_an_advisor_is_not_linked_again(tree, agent):
    _nro, pm, cable, _other = tree
    case, _line = _lineless(cable)
    incident = _declare(pm)
    linking.unlink_case(Case.objects.get(pk=case.pk), by=agent)

    post_update(incident, text="Technicien sur place.", status="identified")
    linking.link_new_cases([Case.objects.get(pk=case.pk)])  # as the filing hook would

    link = IncidentCase.objects.get(case=case)
    assert link.unlinked_at is not None
    assert Case.objects.get(pk=case.pk).status == Status.IN_PROGRESS
