"""The customer's journey in a real browser (Debian's Chromium driven by Playwright), on a
phone-sized screen: open the link, book a slot, move it to another day."""

import datetime as dt

import pytest

from filrouge.appointments.models import Appointment, HalfDay, Slot
from filrouge.appointments.selectors import first_bookable_day
from filrouge.appointments.tests.helpers import slot, world
from filrouge.cases.models import Event
from filrouge.cases.tokens import make_tracking_token
from filrouge.testing import browser_test

pytestmark = browser_test


@pytest.fixture
def phone(open_page):
    return open_page(390, 844)


def test_the_customer_books_then_moves_a_slot_on_a_phone(phone, live_server):
    w = world()
    day = first_bookable_day() + dt.timedelta(days=1)
    first = slot(w.area, day=day, half=HalfDay.MORNING, capacity=2)
    second = slot(w.area, day=day + dt.timedelta(days=1), half=HalfDay.AFTERNOON, capacity=1)
    token = make_tracking_token(w.case)
    link = f"{live_server.url}/suivi/{w.case.reference}/rendez-vous/?t={token}"

    phone.goto(link)
    assert phone.get_by_role("heading", name="Rendez-vous technicien").is_visible()
    phone.locator(f"form:has(input[name=slot][value='{first.pk}']) button").click()
    phone.get_by_text("La visite est réservée.").wait_for()
    assert phone.get_by_role("heading", name="Votre visite").is_visible()
    assert "Matin (8 h – 13 h)" in phone.locator(".visit .when").inner_text()

    phone.locator(f"form:has(input[name=slot][value='{second.pk}']) button").click()
    phone.get_by_text("La visite est déplacée.").wait_for()
    assert "Après-midi (13 h – 18 h)" in phone.locator(".visit .when").inner_text()
    # The page fits the phone's width: nothing to scroll sideways.
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    live = Appointment.objects.get(case=w.case, state=Appointment.State.BOOKED)
    assert live.slot == second
    assert [s.booked for s in Slot.objects.order_by("pk")] == [0, 1]
    kinds = set(w.case.events.values_list("kind", flat=True))
    assert {Event.Kind.APPOINTMENT_BOOKED, Event.Kind.APPOINTMENT_MOVED} <= kinds
