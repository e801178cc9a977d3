"""`filrouge appointments plan`: slots from a capacity plan, idempotent, bad input refused."""

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command

from filrouge.appointments import services
from filrouge.appointments.models import HalfDay, Slot
from filrouge.appointments.tests.helpers import MONDAY_10, world

pytestmark = pytest.mark.django_db


def plan(*args: str) -> str:
    out = StringIO()
    call_command("appointments", "plan", *args, stdout=out)
    return out.getvalue()


@time_machine.travel(MONDAY_10, tick=False)
def test_the_plan_opens_weekdays_and_saturday_mornings_and_keeps_bookings():
    w = world()
    # Tuesday to Monday: four weekdays × 2, Saturday morning, no Sunday, Monday × 2.
    assert "11 slots created" in plan("--days", "7", "--morning", "3", "--afternoon", "2")
    days = {s.date.weekday() for s in Slot.objects.all()}
    assert 6 not in days  # no Sunday
    saturday = Slot.objects.filter(date=dt.date(2026, 3, 14))
    assert list(saturday.values_list("half_day", "capacity")) == [(HalfDay.MORNING, 1)]
    tuesday_am = Slot.objects.get(date=dt.date(2026, 3, 10), half_day=HalfDay.MORNING)
    assert tuesday_am.capacity == 3
    services.book(w.case, slot=tuesday_am)
    assert "0 slots created, 11 already planned" in plan("--days", "7", "--morning", "9")
    tuesday_am.refresh_from_db()
    assert (tuesday_am.capacity, tuesday_am.booked) == (3, 1)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--days", "0"], "between 1 and 366"),
        (["--morning", "-1"], "cannot be negative"),
        (["--postcode", "00000"], "No area with postcode 00000"),
    ],
)
def test_bad_plans_are_refused_and_create_nothing(args, message):
    world()
    with pytest.raises(CommandError, match=message):
        plan(*args)
    assert not Slot.objects.exists()
