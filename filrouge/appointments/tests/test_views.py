"""The advisor's and the customer's pages through Django's test client."""

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from filrouge.appointments import services
from filrouge.appointments.models import Appointment, HalfDay
from filrouge.appointments.tests.helpers import MONDAY_10, TUESDAY, slot, world
from filrouge.cases.models import Event
from filrouge.cases.tokens import make_tracking_token

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _monday():
    with time_machine.travel(MONDAY_10, tick=False):
        yield


def _agent_url(case, action=None):
    if action:
        return reverse("appointments:agent_action", args=[case.reference, action])
    return reverse("appointments:agent", args=[case.reference])


def _customer_url(case):
    return reverse("appointments:customer", args=[case.reference])


def test_the_case_page_offers_the_appointment_action(client):
    w = world()
    client.force_login(w.case.owner)
    page = client.get(reverse("agent:case", args=[w.case.reference])).content.decode()
    assert "Prendre rendez-vous technicien" in page
    assert _agent_url(w.case) in page


def test_an_advisor_books_moves_and_cancels_from_the_console(client):
    w = world()
    morning, later = slot(w.area), slot(w.area, half=HalfDay.AFTERNOON, day=dt.date(2026, 3, 11))
    client.force_login(w.case.owner)
    full = slot(w.area, day=dt.date(2026, 3, 12), capacity=1)
    services.book(world(n=1).case, slot=full)
    page = client.get(_agent_url(w.case)).content.decode()
    assert "Mardi 10 mars" in page
    assert "Complet" in page  # full slots are shown, greyed out
    assert "Matin (8 h – 13 h)" in page
    response = client.post(_agent_url(w.case, "reserver"), {"slot": morning.pk})
    assert response.status_code == 302
    appointment = Appointment.objects.get(case=w.case)
    event = w.case.events.get(kind=Event.Kind.APPOINTMENT_BOOKED)
    assert event.actor == w.case.owner
    page = client.get(_agent_url(w.case)).content.decode()
    assert "Visite réservée" in page
    assert "La déplacer vers" in page
    client.post(_agent_url(w.case, "deplacer"), {"slot": later.pk})
    appointment.refresh_from_db()
    assert appointment.state == Appointment.State.MOVED
    client.post(_agent_url(w.case, "annuler"), {"reason": "Client absent"})
    assert not Appointment.objects.filter(case=w.case, state="booked").exists()
    case_page = client.get(reverse("agent:case", args=[w.case.reference])).content.decode()
    assert "Rendez-vous technicien réservé" in case_page
    assert "Rendez-vous technicien déplacé du mardi 10 mars 2026" in case_page
    assert "Rendez-vous technicien du mercredi 11 mars 2026, après-midi (13 h – 18 h) annulé" in (
        case_page
    )


def test_bad_slot_input_gets_a_french_error_and_changes_nothing(client):
    w = world()
    client.force_login(w.case.owner)
    for value in ["", "abc", "999999"]:
        response = client.post(_agent_url(w.case, "reserver"), {"slot": value})
        assert response.status_code == 400
        text = response.content.decode()
        assert "Choisissez un créneau" in text or "Ce créneau n’existe pas" in text
    assert not Appointment.objects.exists()
    assert not w.case.events.filter(kind=Event.Kind.APPOINTMENT_BOOKED).exists()


def test_an_unknown_action_is_a_404_and_the_page_needs_a_login(client):
    w = world()
    assert client.get(_agent_url(w.case)).status_code == 302  # to the login page
    client.force_login(w.case.owner)
    assert client.post(_agent_url(w.case, "supprimer")).status_code == 404
    assert client.get(_agent_url(w.case, "reserver")).status_code == 405
    assert client.get("/agent/dossiers/FR-2026-999999/rendez-vous/").status_code == 404


def test_no_free_slot_shows_it_and_offers_a_callback_never_a_visit(client):
    w = world()
    full = slot(w.area, capacity=1)
    services.book(world(n=1).case, slot=full)
    token = make_tracking_token(w.case)
    page = client.get(_customer_url(w.case), {"t": token}).content.decode()
    assert "Complet" not in page  # no list of full slots: the answer is the callback
    assert "Aucun technicien n’est libre près de chez vous" in page
    assert "Être rappelé" in page
    assert "Votre visite" not in page
    client.post(_customer_url(w.case), {"t": token, "action": "rappel"})
    page = client.get(_customer_url(w.case), {"t": token}).content.decode()
    assert "Un conseiller vous appelle d’ici le" in page
    assert w.case.promises.get().description.startswith("Vous rappeler")


def test_the_customer_books_with_the_link_and_sees_the_cut_off(client):
    w = world()
    s = slot(w.area)
    token = make_tracking_token(w.case)
    page = client.get(_customer_url(w.case), {"t": token}).content.decode()
    assert "Choisissez un créneau" in page
    response = client.post(_customer_url(w.case), {"t": token, "action": "reserver", "slot": s.pk})
    assert response.status_code == 302
    assert response["Location"] == f"{_customer_url(w.case)}?t={token}"
    page = client.get(response["Location"]).content.decode()
    assert "La visite est réservée." in page
    assert "Vous pouvez la déplacer ou l’annuler jusqu’au lundi 9 mars, 18:00." in page
    assert w.case.events.get(kind=Event.Kind.APPOINTMENT_BOOKED).actor_label == "customer"


def test_a_full_slot_tells_the_customer_to_choose_another(client):
    w, other = world(), world(n=1)
    s = slot(w.area, capacity=1)
    token = make_tracking_token(w.case)
    services.book(other.case, slot=s)  # taken while the customer was reading the page
    response = client.post(_customer_url(w.case), {"t": token, "action": "reserver", "slot": s.pk})
    assert response.status_code == 400
    assert "Ce créneau vient d’être pris" in response.content.decode()
    assert not Appointment.objects.filter(case=w.case).exists()


@pytest.mark.parametrize("token", ["", "0" * 32, "not-a-token"])
def test_a_bad_token_shows_a_neutral_page_and_reveals_nothing(client, token):
    w = world()
    s = slot(w.area)
    pages = []
    for url in [_customer_url(w.case), "/suivi/FR-2026-999999/rendez-vous/"]:
        response = client.get(url, {"t": token})
        assert response.status_code == 404
        assert "Ce lien n’est pas valide" in response.content.decode()
        # The same page whether the case exists or not (only the URL asked for is echoed).
        page = response.content.decode().replace(url, "URL")
        pages.append(re.sub(r'name="csrfmiddlewaretoken" value="\w+"', "", page))
    assert pages[0] == pages[1]
    response = client.post(_customer_url(w.case), {"t": token, "action": "reserver", "slot": s.pk})
    assert response.status_code == 404
    s.refresh_from_db()
    assert s.booked == 0


def test_another_case_token_does_not_open_this_case(client):
    mine, theirs = world(), world(n=1)
    s = slot(mine.area)
    response = client.post(
        _customer_url(mine.case),
        {"t": make_tracking_token(theirs.case), "action": "reserver", "slot": s.pk},
    )
    assert response.status_code == 404
    assert not Appointment.objects.exists()


def test_the_customer_cannot_mark_a_visit_done(client):
    w = world()
    token = make_tracking_token(w.case)
    services.book(w.case, slot=slot(w.area, day=TUESDAY))
    response = client.post(_customer_url(w.case), {"t": token, "action": "fait"})
    assert response.status_code == 404
    assert Appointment.objects.get().state == Appointment.State.BOOKED
