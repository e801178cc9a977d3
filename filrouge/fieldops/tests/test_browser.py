"""The move of house in a real browser (Debian's Chromium driven by Playwright), on a
phone-sized screen: open the tracking link, declare the move, see the visit and the box follow."""

import datetime as dt

import pytest

from filrouge.appointments import services as appointments
from filrouge.appointments.models import Appointment, HalfDay
from filrouge.appointments.selectors import first_bookable_day
from filrouge.appointments.tests.helpers import slot, world
from filrouge.cases.tokens import make_tracking_token
from filrouge.core.clock import today
from filrouge.fieldops import services as shipments
from filrouge.fieldops.models import Shipment
from filrouge.testing import browser_test

NEW_ADDRESS = "3 rue Neuve, 69003 Lyon"

pytestmark = browser_test


@pytest.fixture
def phone(open_page):
    return open_page(390, 844)


def test_the_customer_moves_house_and_the_visit_and_the_box_follow(phone, live_server):
    w = world()
    day = first_bookable_day() + dt.timedelta(days=1)
    visit = appointments.book(w.case, slot=slot(w.area, day=day, half=HalfDay.MORNING))
    box = shipments.prepare_shipment(w.case, item="box", by=w.case.owner)
    token = make_tracking_token(w.case)

    phone.goto(f"{live_server.url}/suivi/{w.case.reference}/?t={token}")
    phone.get_by_role("link", name="Déclarer mon déménagement").click()
    assert phone.get_by_role("heading", name="Je déménage").is_visible()
    phone.get_by_label("Numéro et voie").fill("3 rue Neuve")
    phone.get_by_label("Code postal").fill("69003")
    phone.get_by_label("Commune").fill("Lyon")
    phone.get_by_label("Date du déménagement").fill(today().isoformat())
    phone.get_by_role("button", name="Déclarer mon déménagement").click()

    phone.get_by_role("heading", name="Votre déménagement est enregistré").wait_for()
    follows = phone.locator(".moved").inner_text()
    assert f"désormais au {NEW_ADDRESS}" in follows
    assert "Box internet en préparation : envoi à votre nouvelle adresse." in follows
    assert "autre secteur" in follows  # Lyon is not the Paris area of the slot
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    # Back on the tracking page, the history says it; the visit page shows the new address.
    phone.get_by_role("link", name="Retour à mon dossier").click()
    history = phone.locator(".history").inner_text()
    assert f"désormais à l’adresse {NEW_ADDRESS}" in history
    assert "Box internet réacheminé à votre nouvelle adresse" in history
    phone.get_by_role("link", name="Prendre, déplacer ou annuler un rendez-vous technicien").click()
    assert NEW_ADDRESS in phone.locator("main").inner_text()

    visit.refresh_from_db()
    box.refresh_from_db()
    assert visit.state == Appointment.State.BOOKED
    assert visit.address_text == NEW_ADDRESS
    assert (box.state, str(box.address)) == (Shipment.State.PREPARING, NEW_ADDRESS)
