import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from filrouge.accounts.tests.factories import AgentFactory, TeamFactory
from filrouge.cases.models import TRANSITIONS, Case, Event, Priority, Promise, Status
from filrouge.cases.services import (
    CaseError,
    StaleCase,
    add_note,
    assign,
    break_promise,
    change_status,
    hand_over,
    keep_promise,
    make_promise,
    receive_message,
    record_event,
    send_reply,
    sweep_overdue_promises,
)
from filrouge.cases.tests.factories import make_case
from filrouge.cases.tokens import check_tracking_token, make_tracking_token
from filrouge.customers.tests.factories import CustomerFactory, LineFactory

pytestmark = pytest.mark.django_db
PARIS = dt.timezone(dt.timedelta(hours=1))


def test_open_case_gets_a_yearly_reference_and_an_opening_event():
    first = make_case()
    second = make_case()
    year = timezone.now().year
    # SQLite counts from 1 in each test; PostgreSQL's sequence is not rolled back with
    # the test's transaction (references are unique and growing, not gapless).
    assert re.fullmatch(rf"FR-{year}-\d{{6}}", first.reference)
    assert int(second.reference[-6:]) == int(first.reference[-6:]) + 1
    if connection.vendor == "sqlite":
        assert first.reference == f"FR-{year}-000001"
    assert first.status == Status.ACKNOWLEDGED
    kinds = list(first.events.values_list("kind", flat=True))
    assert kinds == [Event.Kind.CASE_OPENED]


def test_first_message_is_the_first_public_message_of_the_timeline():
    case = make_case(first_message="Bjr, plus de fibre depuis lundi, tjrs rien")
    message = case.events.get(kind=Event.Kind.MESSAGE_IN)
    assert message.data["body"].startswith("Bjr")
    assert message.is_public


def test_open_case_refuses_a_line_of_another_customer():
    line = LineFactory()
    with pytest.raises(CaseError):
        make_case(customer=CustomerFactory(), line=line)
    assert Case.objects.count() == 0


def _walk_to(case, status, agent):
    path = {
        Status.ACKNOWLEDGED: [],
        Status.IN_PROGRESS: [Status.IN_PROGRESS],
        Status.PENDING: [Status.IN_PROGRESS, Status.PENDING],
        Status.HELD: [Status.IN_PROGRESS, Status.HELD],
        Status.RESOLVED: [Status.IN_PROGRESS, Status.RESOLVED],
        Status.CLOSED: [Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED],
        Status.REJECTED: [Status.REJECTED],
        Status.CANCELLED: [Status.CANCELLED],
    }[status]
    for step in path:
        case = change_status(case, to=step, by=agent)
    return case


@pytest.mark.parametrize("source", list(Status))
@pytest.mark.parametrize("target", list(Status))
def test_every_transition_is_allowed_or_refused_as_tmf621_says(source, target):
    agent = AgentFactory()
    case = _walk_to(make_case(owner=agent), source, agent)
    events_before = case.events.count()
    if target in TRANSITIONS[source]:
        case = change_status(case, to=target, by=agent)
        assert case.status == target
        last = case.events.order_by("-pk").first()
        assert last.kind == Event.Kind.STATUS_CHANGED
        assert last.data == {"from": source.value, "to": target.value, "reason": ""}
    else:
        with pytest.raises(CaseError):
            change_status(case, to=target, by=agent)
        case.refresh_from_db()
        assert case.status == source
        assert case.events.count() == events_before


def test_terminal_statuses_have_no_way_out():
    for status in (Status.CLOSED, Status.REJECTED, Status.CANCELLED):
        assert TRANSITIONS[status] == frozenset()


def test_resolving_stamps_the_time_and_reopening_clears_it():
    agent = AgentFactory()
    case = _walk_to(make_case(owner=agent), Status.RESOLVED, agent)
    assert case.resolved_at is not None
    case = change_status(case, to=Status.IN_PROGRESS, by=agent)
    assert case.resolved_at is None


def test_a_stale_edit_is_refused_and_changes_nothing():
    first, second = AgentFactory(), AgentFactory()
    case = make_case(owner=first)
    seen_by_second = case.version
    change_status(case, to=Status.IN_PROGRESS, by=first, expected_version=case.version)
    with pytest.raises(StaleCase):
        change_status(case, to=Status.REJECTED, by=second, expected_version=seen_by_second)
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS


def test_handover_without_note_is_refused():
    first, second = AgentFactory(), AgentFactory()
    case = make_case(owner=first)
    with pytest.raises(CaseError):
        hand_over(case, to=second, by=first, note="   ")
    case.refresh_from_db()
    assert case.owner == first


def test_handover_changes_owner_and_team_and_keeps_the_note_internal():
    first = AgentFactory()
    second = AgentFactory(team=TeamFactory(name="Litiges", slug="litiges"))
    case = make_case(owner=first)
    case = hand_over(case, to=second, by=first, note="Client rappelé, attend l'avoir de 30 €")
    assert case.owner == second
    assert case.team.name == "Litiges"
    event = case.events.get(kind=Event.Kind.HANDOVER)
    assert event.visibility == Event.Visibility.INTERNAL
    assert event.data["note"] == "Client rappelé, attend l'avoir de 30 €"
    assert event.actor == first


def test_assign_takes_an_unowned_case_but_never_steals_an_owned_one():
    taker, owner = AgentFactory(), AgentFactory()
    unowned = make_case()
    assign(unowned, to=taker, by=taker)
    unowned.refresh_from_db()
    assert unowned.owner == taker
    owned = make_case(owner=owner)
    with pytest.raises(CaseError):
        assign(owned, to=taker, by=taker)


def test_notes_are_internal_and_replies_are_public():
    agent = AgentFactory()
    case = make_case(owner=agent)
    note = add_note(case, by=agent, text="Vu avec le technicien")
    reply = send_reply(case, by=agent, channel="sms", body="Un technicien passe jeudi.")
    assert note.visibility == Event.Visibility.INTERNAL
    assert reply.visibility == Event.Visibility.PUBLIC
    assert reply.channel == "sms"
    with pytest.raises(CaseError):
        add_note(case, by=agent, text="")


def test_a_customer_reply_reopens_a_resolved_case():
    agent = AgentFactory()
    case = _walk_to(make_case(owner=agent), Status.RESOLVED, agent)
    receive_message(case, channel="sms", body="Toujours pas de connexion")
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS


def test_events_are_append_only():
    case = make_case()
    event = case.events.first()
    event.data = {"subject": "rewritten"}
    with pytest.raises(ValueError, match="append-only"):
        event.save()


def test_record_event_without_case_belongs_to_the_customer():
    customer = CustomerFactory()
    event = record_event(
        None,
        customer=customer,
        kind=Event.Kind.NOTE,
        visibility=Event.Visibility.INTERNAL,
        data={"body": "appel sans dossier"},
    )
    assert event.customer == customer
    assert event.case is None


def _future(hours=48):
    return timezone.now() + dt.timedelta(hours=hours)


def test_a_promise_must_be_due_in_the_future_and_say_something():
    agent = AgentFactory()
    case = make_case(owner=agent)
    with pytest.raises(CaseError):
        make_promise(case, by=agent, description="Rappel", due_at=timezone.now() - dt.timedelta(1))
    with pytest.raises(CaseError):
        make_promise(case, by=agent, description=" ", due_at=_future())
    assert not Promise.objects.exists()


def test_keeping_a_promise_is_recorded_once():
    agent = AgentFactory()
    case = make_case(owner=agent)
    promise = make_promise(case, by=agent, description="Technicien jeudi 8h-13h", due_at=_future())
    keep_promise(promise, by=agent)
    promise.refresh_from_db()
    assert promise.state == Promise.State.KEPT
    with pytest.raises(CaseError):
        break_promise(promise, by=agent)
    assert case.events.filter(kind=Event.Kind.PROMISE_KEPT).count() == 1


def test_overdue_promises_are_broken_by_the_sweep_and_escalated_to_the_lead():
    lead = AgentFactory()
    team = lead.team
    team.lead = lead
    team.save()
    agent = AgentFactory(team=team)
    case = make_case(owner=agent)
    promise = make_promise(
        case, by=agent, description="Rappel avant vendredi 18h", due_at=_future(hours=2)
    )
    later = make_promise(case, by=agent, description="Box livrée", due_at=_future(hours=72))

    with time_machine.travel(timezone.now() + dt.timedelta(hours=3)):
        assert sweep_overdue_promises() == 1
        assert sweep_overdue_promises() == 0  # idempotent

    promise.refresh_from_db()
    later.refresh_from_db()
    case.refresh_from_db()
    assert promise.state == Promise.State.BROKEN
    assert later.state == Promise.State.OPEN
    assert case.priority == Priority.HIGH
    assert case.escalated_at is not None
    escalation = case.events.get(kind=Event.Kind.ESCALATED)
    assert escalation.data["lead"] == lead.pk
    broken = case.events.get(kind=Event.Kind.PROMISE_BROKEN)
    assert broken.is_public
    assert broken.actor is None


def test_breaking_twice_raises_priority_up_to_urgent_only():
    agent = AgentFactory()
    case = make_case(owner=agent, priority=Priority.HIGH)
    for _ in range(3):
        p = make_promise(case, by=agent, description="Rappel", due_at=_future())
        break_promise(p, by=agent, reason="client absent")
    case.refresh_from_db()
    assert case.priority == Priority.URGENT


def test_tracking_token_opens_only_its_case_and_dies_with_the_nonce():
    case, other = make_case(), make_case()
    token = make_tracking_token(case)
    assert check_tracking_token(case, token)
    assert not check_tracking_token(other, token)
    assert not check_tracking_token(case, "")
    case.tracking_nonce = "renewed"
    assert not check_tracking_token(case, token)
