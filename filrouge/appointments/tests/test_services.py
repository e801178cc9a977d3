"""Booking, moving, cancelling: the slot counter, the promise and the timeline move together."""

import datetime as dt

import pytest
import time_machine

from filrouge.appointments import selectors, services
from filrouge.appointments.models import PARIS, Appointment, HalfDay, Slot
from filrouge.appointments.services import AppointmentError, SlotFull, TooLate
from filrouge.appointments.tests.helpers import MONDAY_10, TUESDAY, area, slot, world
from filrouge.cases.models import Event, Promise, Status
from filrouge.cases.services import change_status
from filrouge.customers.tests.factories import AddressFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _monday():
    with time_machine.travel(MONDAY_10, tick=False):
        yield


def _kinds(case) -> list[str]:
    return list(case.events.order_by("pk").values_list("kind", flat=True))


def test_booking_takes_a_place_makes_a_promise_and_tells_the_customer():
    w = world()
    s = slot(w.area, capacity=2)
    appointment = services.book(w.case, slot=s)
    s.refresh_from_db()
    assert s.booked == 1
    assert appointment.state == Appointment.State.BOOKED
    assert appointment.address == w.address
    assert appointment.address_text == str(w.address)
    promise = appointment.promise
    assert promise.state == Promise.State.OPEN
    assert promise.due_at == dt.datetime(2026, 3, 10, 13, 0, tzinfo=PARIS)
    assert promise.made_by == w.case.owner  # online booking commits the owner's word
    assert promise.description == "Visite d’un technicien le mardi 10 mars 2026, matin (8 h – 13 h)"
    event = w.case.events.get(kind=Event.Kind.APPOINTMENT_BOOKED)
    assert event.is_public
    assert event.actor_label == "customer"
    assert event.channel == "web"
    assert event.data["date"] == "2026-03-10"
    assert event.data["half_day"] == "am"
    w.case.refresh_from_db()
    assert w.case.next_step == promise.description
    assert w.case.next_step_due == promise.due_at


def test_the_timeline_reads_in_french():
    from filrouge.cases.timeline import describe

    w = world()
    services.book(w.case, slot=slot(w.area))
    event = w.case.events.get(kind=Event.Kind.APPOINTMENT_BOOKED)
    assert describe(event) == (
        f"Rendez-vous technicien réservé : mardi 10 mars 2026, matin (8 h – 13 h), à {w.address}"
    )


def test_a_full_slot_is_refused_and_changes_nothing():
    w1, w2 = world(), world(n=1)
    s = slot(w1.area, capacity=1)
    services.book(w1.case, slot=s)
    events_before = _kinds(w2.case)
    with pytest.raises(SlotFull):
        services.book(w2.case, slot=s)
    s.refresh_from_db()
    assert s.booked == 1
    assert _kinds(w2.case) == events_before
    assert not w2.case.promises.exists()
    assert not Appointment.objects.filter(case=w2.case).exists()


def test_a_second_booking_on_the_same_case_is_a_move_not_a_booking():
    w = world()
    services.book(w.case, slot=slot(w.area))
    with pytest.raises(AppointmentError, match="déjà réservée"):
        services.book(w.case, slot=slot(w.area, half=HalfDay.AFTERNOON))


def test_a_slot_of_another_area_is_refused():
    w = world()
    elsewhere = slot(area("69003", "Lyon 3e Arrondissement"))
    with pytest.raises(AppointmentError, match="pas dans la zone"):
        services.book(w.case, slot=elsewhere)
    elsewhere.refresh_from_db()
    assert elsewhere.booked == 0


def test_booking_closes_at_18h_the_day_before():
    w = world()
    s = slot(w.area, day=TUESDAY)
    six_pm = dt.datetime(2026, 3, 9, 18, 0, tzinfo=PARIS)
    with time_machine.travel(six_pm, tick=False), pytest.raises(TooLate):
        services.book(w.case, slot=s)
    with time_machine.travel(dt.datetime(2026, 3, 9, 17, 59, tzinfo=PARIS), tick=False):
        services.book(w.case, slot=s)


def test_moving_frees_the_old_place_takes_the_new_one_and_reschedules_the_promise():
    w = world()
    first, second = slot(w.area), slot(w.area, half=HalfDay.AFTERNOON, day=dt.date(2026, 3, 12))
    booked = services.book(w.case, slot=first)
    moved = services.move(booked, to=second)
    first.refresh_from_db()
    second.refresh_from_db()
    booked.refresh_from_db()
    assert (first.booked, second.booked) == (0, 1)
    assert booked.state == Appointment.State.MOVED
    assert moved.moved_from == booked
    promise = Promise.objects.get(case=w.case)  # the same promise, with the new date
    assert promise.state == Promise.State.OPEN
    assert promise.due_at == dt.datetime(2026, 3, 12, 18, 0, tzinfo=PARIS)
    assert "jeudi 12 mars 2026, après-midi" in promise.description
    event = w.case.events.get(kind=Event.Kind.APPOINTMENT_MOVED)
    assert event.data["from_date"] == "2026-03-10"
    assert event.data["date"] == "2026-03-12"


def test_moving_to_a_full_slot_changes_nothing():
    w, other = world(), world(n=1)
    full = slot(w.area, half=HalfDay.AFTERNOON, capacity=1)
    services.book(other.case, slot=full)
    mine = slot(w.area)
    booked = services.book(w.case, slot=mine)
    with pytest.raises(SlotFull):
        services.move(booked, to=full)
    mine.refresh_from_db()
    full.refresh_from_db()
    booked.refresh_from_db()
    assert (mine.booked, full.booked) == (1, 1)
    assert booked.state == Appointment.State.BOOKED
    assert not w.case.events.filter(kind=Event.Kind.APPOINTMENT_MOVED).exists()


def test_moving_or_cancelling_after_the_cut_off_is_refused():
    w = world()
    booked = services.book(w.case, slot=slot(w.area))
    later = slot(w.area, day=dt.date(2026, 3, 13))
    with time_machine.travel(dt.datetime(2026, 3, 9, 19, 0, tzinfo=PARIS), tick=False):
        with pytest.raises(TooLate):
            services.move(booked, to=later)
        with pytest.raises(TooLate):
            services.cancel(booked)
    booked.refresh_from_db()
    assert booked.state == Appointment.State.BOOKED


def test_cancelling_frees_the_place_and_withdraws_the_promise():
    w = world()
    s = slot(w.area)
    booked = services.book(w.case, slot=s)
    services.cancel(booked, reason="Je serai absent")
    s.refresh_from_db()
    booked.refresh_from_db()
    assert s.booked == 0
    assert booked.state == Appointment.State.CANCELLED
    assert booked.promise.state == Promise.State.WITHDRAWN
    w.case.refresh_from_db()
    assert w.case.next_step == ""
    assert _kinds(w.case)[-2:] == [Event.Kind.APPOINTMENT_CANCELLED, Event.Kind.NEXT_STEP]
    # A cancelled appointment cannot be cancelled or moved again.
    with pytest.raises(AppointmentError):
        services.cancel(booked)


def test_after_a_cancellation_the_case_can_book_again():
    w = world()
    s = slot(w.area, capacity=1)
    services.cancel(services.book(w.case, slot=s))
    services.book(w.case, slot=s)
    s.refresh_from_db()
    assert s.booked == 1


def test_the_technician_came_the_promise_is_kept():
    w = world()
    booked = services.book(w.case, slot=slot(w.area))
    with pytest.raises(AppointmentError):
        services.complete(booked, by=w.case.owner)
    with time_machine.travel(dt.datetime(2026, 3, 10, 11, 0, tzinfo=PARIS), tick=False):
        services.complete(booked, by=w.case.owner)
    booked.refresh_from_db()
    assert booked.state == Appointment.State.DONE
    assert booked.promise.state == Promise.State.KEPT


def test_rerouting_after_a_move_of_house_is_one_call_with_an_event():
    w = world()
    booked = services.book(w.case, slot=slot(w.area))
    new_home = AddressFactory(
        customer=w.case.customer, line1="3 rue Oberkampf", valid_from=dt.date(2026, 3, 9)
    )
    services.reroute(booked, to=new_home)
    booked.refresh_from_db()
    assert booked.address == new_home
    assert booked.address_text.startswith("3 rue Oberkampf")
    event = w.case.events.get(kind=Event.Kind.APPOINTMENT_REROUTED)
    assert event.data["previous"] == str(w.address)
    foreign = AddressFactory()
    with pytest.raises(AppointmentError):
        services.reroute(booked, to=foreign)


def test_free_slots_are_those_of_the_line_area_with_a_place_before_the_cut_off():
    w = world()
    slot(w.area, day=dt.date(2026, 3, 9), half=HalfDay.AFTERNOON)  # today: past its cut-off
    open_ = slot(w.area, day=TUESDAY)
    full = slot(w.area, day=TUESDAY, half=HalfDay.AFTERNOON, capacity=1)
    services.book(world(n=1).case, slot=full)
    slot(w.area, day=TUESDAY + dt.timedelta(days=30))  # too far ahead
    slot(area("69003", "Lyon 3e Arrondissement"))  # another area
    assert list(selectors.slots_free_for(w.line)) == [open_]
    line = selectors.service_line(w.case)
    found = selectors.free_slots(selectors.area_for(line, w.address))
    assert list(found) == [open_]


def test_with_no_free_slot_the_customer_is_offered_a_callback_promise():
    w = world()
    assert not selectors.slots_free_for(w.line).exists()
    promise = services.offer_callback(w.case)
    assert promise.description == "Vous rappeler pour convenir de la date de visite du technicien"
    # Monday 10:00 → Tuesday noon; asking twice keeps the first promise.
    assert promise.due_at == dt.datetime(2026, 3, 10, 12, 0, tzinfo=PARIS)
    assert services.offer_callback(w.case) == promise
    assert w.case.promises.count() == 1
    w.case.refresh_from_db()
    assert w.case.next_step == promise.description


def test_a_closed_case_books_nothing():
    w = world()
    s = slot(w.area)
    change_status(w.case, to=Status.CANCELLED, by=w.case.owner)
    with pytest.raises(AppointmentError, match="clos"):
        services.book(w.case, slot=s)
    s.refresh_from_db()
    assert s.booked == 0


def test_an_unowned_case_cannot_be_promised_a_visit_online():
    w = world()
    w.case.owner = None
    w.case.team = None
    w.case.save(update_fields=["owner", "team"])
    s = slot(w.area)
    with pytest.raises(AppointmentError, match="conseiller"):
        services.book(w.case, slot=s)
    s.refresh_from_db()
    assert s.booked == 0


def test_the_counter_always_equals_the_live_appointments():
    w = world()
    slots = [slot(w.area, day=TUESDAY + dt.timedelta(days=d)) for d in range(3)]
    appointment = services.book(w.case, slot=slots[0])
    appointment = services.move(appointment, to=slots[1])
    appointment = services.move(appointment, to=slots[2])
    appointment = services.move(appointment, to=slots[0])
    for s in Slot.objects.all():
        live = s.appointments.filter(state=Appointment.State.BOOKED).count()
        assert s.booked == live
