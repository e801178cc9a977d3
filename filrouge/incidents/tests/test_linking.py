"""Linking cases to an incident, holding them, letting them go."""

from datetime import timedelta

import pytest
from django.utils import timezone

from filrouge.cases.models import Case, Event, Status
from filrouge.cases.services import CaseError, change_status
from filrouge.cases.tests.factories import make_case
from filrouge.channels.models import OutboundMessage
from filrouge.customers.models import Channel
from filrouge.customers.tests.factories import EmailFactory, LineFactory
from filrouge.incidents.linking import unlink_case
from filrouge.incidents.models import IncidentCase
from filrouge.incidents.services import declare_incident, post_update
from filrouge.portal.selectors import tracking_page

pytestmark = pytest.mark.django_db


def _case_on(element, *, status=None, agent=None, **extra):
    line = LineFactory(network_element=element)
    case = make_case(customer=line.customer, line=line, **extra)
    if status:
        for step in status:
            change_status(case, to=step, by=agent)
    return Case.objects.get(pk=case.pk)


def _declare(element, **extra):
    fields = {"title": "Coupure fibre", "elements": [element], "text": "Nous cherchons."}
    return declare_incident(**(fields | extra))


def test_declaring_holds_every_active_case_on_an_affected_line_and_no_other(tree, agent):
    nro, pm, cable, other = tree
    fresh = _case_on(cable)
    working = _case_on(pm, status=[Status.IN_PROGRESS], agent=agent)
    waiting = _case_on(cable, status=[Status.IN_PROGRESS, Status.PENDING], agent=agent)
    done = _case_on(cable, status=[Status.IN_PROGRESS, Status.RESOLVED], agent=agent)
    elsewhere = _case_on(other)

    incident = _declare(pm, by=agent)

    linked = set(IncidentCase.objects.filter(incident=incident).values_list("case_id", flat=True))
    assert linked == {fresh.pk, working.pk, waiting.pk}
    for case in (fresh, working, waiting):
        after = Case.objects.get(pk=case.pk)
        assert after.status == Status.HELD
        assert after.version == case.version + 1
        assert after.updated_at > case.updated_at
        kinds = list(after.events.values_list("kind", flat=True))
        assert kinds.count(Event.Kind.INCIDENT_LINKED) == 1
        held = after.events.filter(kind=Event.Kind.STATUS_CHANGED, data__to=Status.HELD).get()
        assert held.data["reason"] == "waiting_network"
    # Acknowledged → in progress → held: the transitions' table holds on the timeline too.
    steps = [
        (e.data["from"], e.data["to"])
        for e in Case.objects.get(pk=fresh.pk).events.filter(kind=Event.Kind.STATUS_CHANGED)
    ]
    assert steps == [(Status.ACKNOWLEDGED, Status.IN_PROGRESS), (Status.IN_PROGRESS, Status.HELD)]
    assert Case.objects.get(pk=done.pk).status == Status.RESOLVED
    assert Case.objects.get(pk=elsewhere.pk).status == Status.ACKNOWLEDGED


def test_linking_costs_the_same_queries_for_three_cases_or_thirty(tree, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    pm, cable = tree[1], tree[2]
    counts = []
    for n in (3, 30):
        for _ in range(n):
            _case_on(cable)
        with CaptureQueriesContext(connection) as seen:
            _declare(pm)
        counts.append(len(seen))
        Case.objects.filter(status=Status.HELD).update(status=Status.CANCELLED)
    assert counts[0] == counts[1]


def test_an_update_links_the_cases_opened_before_it_that_the_hook_missed(tree):
    pm, cable = tree[1], tree[2]
    incident = _declare(pm)
    line = LineFactory(network_element=cable)
    case = make_case(customer=line.customer)  # no line on it: the hook cannot know
    Case.objects.filter(pk=case.pk).update(line=line)

    post_update(incident, text="Le câble est identifié.", status="identified")

    assert Case.objects.get(pk=case.pk).status == Status.HELD


def test_a_case_opened_later_on_an_affected_line_is_linked_and_told_at_once(tree):
    pm, cable = tree[1], tree[2]
    eta = timezone.now() + timedelta(hours=6)
    incident = _declare(pm, eta=eta)
    post_update(incident, text="Un technicien est sur place.", status="identified", eta=eta)
    line = LineFactory(network_element=cable)
    EmailFactory(customer=line.customer, value="leila@exemple.fr")

    case = make_case(customer=line.customer, line=line, channel=Channel.EMAIL)

    case.refresh_from_db()
    assert case.status == Status.HELD
    assert IncidentCase.objects.filter(incident=incident, case=case).exists()
    told = case.events.get(kind=Event.Kind.MESSAGE_OUT)
    assert incident.reference in told.data["body"]
    assert "Un technicien est sur place." in told.data["body"]
    assert "Rétablissement prévu d’ici le" in told.data["body"]
    outbound = OutboundMessage.objects.get(event=told)
    assert (outbound.channel, outbound.recipient) == (Channel.EMAIL, "leila@exemple.fr")


def test_unlinking_sends_the_case_back_to_its_queue_and_later_updates_leave_it(tree, agent):
    pm, cable = tree[1], tree[2]
    case = _case_on(cable)
    incident = _declare(pm)

    unlink_case(Case.objects.get(pk=case.pk), by=agent)
    post_update(incident, text="Toujours en cours.", status="identified")

    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS
    unlinked = case.events.get(kind=Event.Kind.INCIDENT_UNLINKED)
    assert unlinked.data["reason"] == "new_intervention_needed"
    assert unlinked.actor == agent
    link = IncidentCase.objects.get(case=case)
    assert link.unlinked_by == agent
    with pytest.raises(CaseError, match="lié"):
        unlink_case(case, by=agent)


def test_resolving_puts_the_held_cases_back_in_progress(tree, agent):
    pm, cable = tree[1], tree[2]
    case = _case_on(cable)
    incident = _declare(pm)

    post_update(incident, text="Réparé.", status="resolved", by=agent)

    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS
    last = case.events.filter(kind=Event.Kind.STATUS_CHANGED).last()
    assert (last.data["from"], last.data["to"], last.data["reason"]) == (
        Status.HELD,
        Status.IN_PROGRESS,
        "incident_resolved",
    )


def _held_for_partner(element, agent):
    case = _case_on(element, status=[Status.IN_PROGRESS], agent=agent)
    change_status(case, to=Status.HELD, by=agent, reason="waiting_partner")
    return Case.objects.get(pk=case.pk)


def test_a_case_held_for_a_partner_waits_on_the_repair_then_on_the_partner_again(tree, agent):
    pm, cable = tree[1], tree[2]
    case = _held_for_partner(cable, agent)
    assert tracking_page(case).waiting_on == "partner"

    incident = _declare(pm)

    case.refresh_from_db()
    assert case.status == Status.HELD
    assert IncidentCase.objects.get(case=case).held_by_link is False
    assert tracking_page(case).waiting_on == "network"

    post_update(incident, text="Réparé.", status="resolved", by=agent)

    case.refresh_from_db()
    assert case.status == Status.HELD  # the partner has not answered yet
    assert not case.events.filter(data__reason="incident_resolved").exists()
    assert tracking_page(case).waiting_on == "partner"


def test_unlinking_a_case_held_for_a_partner_leaves_it_waiting_on_the_partner(tree, agent):
    pm, cable = tree[1], tree[2]
    case = _held_for_partner(cable, agent)
    _declare(pm)

    unlink_case(Case.objects.get(pk=case.pk), by=agent)

    case.refresh_from_db()
    assert case.status == Status.HELD
    assert tracking_page(case).waiting_on == "partner"


def test_a_case_the_link_put_on_hold_waits_on_the_network(tree, agent):
    pm, cable = tree[1], tree[2]
    case = _case_on(cable)
    _declare(pm)

    case.refresh_from_db()
    assert IncidentCase.objects.get(case=case).held_by_link is True
    assert tracking_page(case).waiting_on == "network"
