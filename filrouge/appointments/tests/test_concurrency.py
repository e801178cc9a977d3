"""Two customers can never take the last place of a slot: proven on PostgreSQL with real
threads, each with its own database connection, racing for the same slots."""

import threading
from collections import Counter

import pytest
import time_machine
from django.db import connection, connections

from filrouge.appointments import services
from filrouge.appointments.models import Appointment, HalfDay, Slot
from filrouge.appointments.tests.helpers import MONDAY_10, TUESDAY, slot, world
from filrouge.cases.models import Event, Promise

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row-level concurrency needs PostgreSQL (SQLite serialises every writer)",
    ),
]


def _race(cases, slots) -> Counter:
    """Every case tries to book, all released at once; returns the outcome counts."""
    outcomes: Counter = Counter()
    lock = threading.Lock()
    start = threading.Barrier(len(cases))

    def customer(case, target):
        try:
            start.wait()
            services.book(case, slot=target)
            result = "booked"
        except services.SlotFull:
            result = "full"
        except Exception as exc:  # noqa: BLE001 - any other error fails the test below
            result = f"error: {type(exc).__name__}: {exc}"
        finally:
            connections.close_all()
        with lock:
            outcomes[result] += 1

    threads = [
        threading.Thread(target=customer, args=(case, slots[i % len(slots)]))
        for i, case in enumerate(cases)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


@time_machine.travel(MONDAY_10, tick=True)
def test_twelve_customers_racing_for_three_places_get_exactly_three():
    first = world()
    cases = [first.case] + [world(the_area=first.area, n=i).case for i in range(1, 12)]
    target = slot(first.area, capacity=3)
    outcomes = _race(cases, [target])
    assert outcomes == Counter({"booked": 3, "full": 9})
    target.refresh_from_db()
    assert target.booked == 3
    assert Appointment.objects.filter(slot=target, state="booked").count() == 3
    # The losers' cases are untouched: no promise, no appointment event.
    assert Promise.objects.count() == 3
    assert Event.objects.filter(kind=Event.Kind.APPOINTMENT_BOOKED).count() == 3


@time_machine.travel(MONDAY_10, tick=True)
def test_concurrent_moves_in_opposite_directions_do_not_deadlock_or_lose_places():
    a = world()
    b = world(the_area=a.area, n=1)
    morning = slot(a.area, capacity=2)
    afternoon = slot(a.area, half=HalfDay.AFTERNOON, day=TUESDAY, capacity=2)
    first = services.book(a.case, slot=morning)
    second = services.book(b.case, slot=afternoon)
    errors: list[str] = []
    start = threading.Barrier(2)

    def mover(appointment, to):
        try:
            start.wait()
            services.move(appointment, to=to)
        except Exception as exc:  # noqa: BLE001
            errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=mover, args=(first, afternoon)),
        threading.Thread(target=mover, args=(second, morning)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    for s in Slot.objects.all():
        assert s.booked == 1
        assert s.appointments.filter(state="booked").count() == 1
