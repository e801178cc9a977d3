"""Which events the customer is told about, which are essential, and the SMS quiet hours."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from filrouge.accounts.tests.factories import AgentFactory
from filrouge.cases.models import Event, Status
from filrouge.cases.services import add_note, change_status, receive_message, record_event
from filrouge.cases.tests.factories import make_case
from filrouge.channels.services import reply
from filrouge.customers.models import Channel
from filrouge.notifications import rules
from filrouge.notifications.models import Preference

PARIS = ZoneInfo("Europe/Paris")
pytestmark = pytest.mark.django_db


def _paris(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PARIS)


def test_an_advisors_status_change_and_a_new_public_kind_are_notified():
    agent = AgentFactory()
    case = make_case(owner=agent)
    changed = change_status(case, to=Status.IN_PROGRESS, by=agent).events.last()
    # A kind added later by another app (appointments) is notified without editing the rules.
    booked = record_event(
        case, kind="appointment_booked", visibility=Event.Visibility.PUBLIC, actor=agent
    )
    assert rules.is_notified(changed)
    assert rules.is_notified(booked)


def test_the_customers_own_messages_answers_and_internal_events_are_not_notified():
    agent = AgentFactory()
    case = make_case(owner=agent, first_message="Toujours pas de connexion.")
    incoming = case.events.get(kind=Event.Kind.MESSAGE_IN)
    opened = case.events.get(kind=Event.Kind.CASE_OPENED)  # opened by the advisor: told
    note = add_note(case, by=agent, text="Client rappelé, pas de réponse.")
    answer = reply(case, by=agent, channel=Channel.PHONE, body="Rappel prévu demain.")
    assert rules.is_notified(opened)
    assert not any(rules.is_notified(e) for e in (incoming, note, answer))


def test_a_move_the_customer_declared_is_confirmed_to_them_all_the_same():
    case = make_case(owner=AgentFactory())
    moved = record_event(
        case,
        kind=Event.Kind.MOVE_DECLARED,
        visibility=Event.Visibility.PUBLIC,
        actor_label="customer",
        channel=Channel.WEB,
    )
    assert rules.is_notified(moved)  # someone holding a forwarded link cannot move them unseen
    assert rules.is_essential(moved)


def test_a_case_reopened_because_the_customer_wrote_is_not_notified():
    agent = AgentFactory()
    case = change_status(make_case(owner=agent), to=Status.IN_PROGRESS, by=agent)
    case = change_status(case, to=Status.RESOLVED, by=agent)
    receive_message(case, channel=Channel.EMAIL, body="En fait ça recommence.")
    reopened = case.events.filter(kind=Event.Kind.STATUS_CHANGED).last()
    assert reopened.data["reason"] == "customer_replied"
    assert not rules.is_notified(reopened)


def test_the_end_of_a_case_and_a_wait_on_the_customer_are_essential_progress_is_not():
    def status(to):
        return Event(kind=Event.Kind.STATUS_CHANGED, data={"from": "inProgress", "to": to})

    assert rules.is_essential(status(Status.RESOLVED))
    assert rules.is_essential(status(Status.PENDING))
    assert rules.is_essential(status(Status.CANCELLED))
    assert not rules.is_essential(status(Status.HELD))
    assert not rules.is_essential(Event(kind=Event.Kind.PROMISE_MADE, data={}))
    assert rules.is_essential(Event(kind="incident_notice", data={}))


def test_only_subscribed_incident_notices_may_go_by_sms_at_night():
    notice = Event(kind="incident_notice", data={})
    subscribed = Preference(incident_sms_at_night=True)
    assert rules.may_go_at_night(notice, subscribed)
    assert not rules.may_go_at_night(notice, Preference(incident_sms_at_night=False))
    assert not rules.may_go_at_night(notice, None)
    assert not rules.may_go_at_night(Event(kind=Event.Kind.PROMISE_MADE, data={}), subscribed)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (_paris(2026, 3, 10, 20, 59), _paris(2026, 3, 10, 20, 59)),
        (_paris(2026, 3, 10, 21, 0), _paris(2026, 3, 11, 8, 0)),
        (_paris(2026, 3, 10, 23, 30), _paris(2026, 3, 11, 8, 0)),
        (_paris(2026, 3, 11, 3, 15), _paris(2026, 3, 11, 8, 0)),
        (_paris(2026, 3, 11, 8, 0), _paris(2026, 3, 11, 8, 0)),
        # The night the clocks go forward (29 March 2026): still 08:00 Paris time.
        (_paris(2026, 3, 28, 22, 0), _paris(2026, 3, 29, 8, 0)),
    ],
)
def test_an_sms_due_in_quiet_hours_waits_until_eight_in_paris(moment, expected):
    assert rules.after_quiet_hours(moment.astimezone(dt.UTC)) == expected
