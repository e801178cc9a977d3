"""The customer's move page and the advisor's pages, through Django's test client."""

import datetime as dt

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse

from filrouge.accounts.tests.factories import AgentFactory
from filrouge.appointments import services as appointments
from filrouge.appointments.tests.helpers import MONDAY_10, slot, world
from filrouge.cases.models import Event
from filrouge.cases.tokens import make_tracking_token
from filrouge.customers.models import Address
from filrouge.fieldops import services as shipments
from filrouge.fieldops.models import Shipment

pytestmark = pytest.mark.django_db
MOVE = {
    "line1": "3 rue Neuve",
    "postcode": "69003",
    "commune": "Lyon",
    "on": "2026-03-09",
}


@pytest.fixture(autouse=True)
def _monday():
    cache.clear()  # the portal's rate limits
    with time_machine.travel(MONDAY_10, tick=False):
        yield
    cache.clear()


def _url(case, token=None):
    url = reverse("fieldops:customer_move", args=[case.reference])
    return f"{url}?t={token or make_tracking_token(case)}"


def test_the_tracking_page_links_to_the_move_page(client):
    w = world()
    page = client.get(f"/suivi/{w.case.reference}/?t={make_tracking_token(w.case)}")
    assert _url(w.case).replace("&", "&amp;") in page.content.decode()


def test_a_wrong_token_gets_the_neutral_page_and_changes_nothing(client):
    w = world()
    for method in (client.get, client.post):
        response = method(_url(w.case, token="not-the-token"), MOVE)
        assert response.status_code == 404
        assert "Ce lien n’est pas valide" in response.content.decode()
    unknown = client.get("/suivi/FR-2026-999999/demenagement/?t=x")
    assert unknown.status_code == 404
    assert Address.objects.filter(customer=w.case.customer).count() == 1


def test_guessing_tokens_is_rate_limited_like_the_tracking_page(client):
    w = world()
    for _ in range(20):
        client.get(_url(w.case, token="guess"))
    assert client.get(_url(w.case)).status_code == 429


def test_the_customer_declares_a_move_and_sees_what_follows(client):
    w = world()
    visit = appointments.book(w.case, slot=slot(w.area), by=w.case.owner)
    box = shipments.prepare_shipment(w.case, item="box", by=w.case.owner)
    page = client.get(_url(w.case))
    assert page.status_code == 200
    assert page["Referrer-Policy"] == "strict-origin"
    assert "no-store" in page["Cache-Control"]
    token = make_tracking_token(w.case)
    response = client.post(
        reverse("fieldops:customer_move", args=[w.case.reference]), {**MOVE, "t": token}
    )
    assert response.status_code == 302
    done = client.get(response["Location"]).content.decode()
    assert "Votre déménagement est enregistré" in done
    assert "Box internet en préparation : envoi à votre nouvelle adresse." in done
    assert "désormais au 3 rue Neuve, 69003 Lyon" in done
    assert "autre secteur" in done  # Lyon is not the slot's area in Paris
    visit.refresh_from_db()
    box.refresh_from_db()
    assert visit.address.line1 == box.address.line1 == "3 rue Neuve"
    declared = w.case.events.get(kind=Event.Kind.MOVE_DECLARED)
    assert (declared.actor_label, declared.channel) == ("customer", "web")
    # The tracking page shows the news in the history.
    tracking = client.get(f"/suivi/{w.case.reference}/?t={token}").content.decode()
    assert "Déménagement déclaré : nouvelle adresse 3 rue Neuve, 69003 Lyon" in tracking
    assert "Rendez-vous technicien du mardi 10 mars 2026" in tracking


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"on": "2026-02-30"}, "Ce n’est pas une date"),
        ({"on": ""}, "Indiquez la date du déménagement"),
        ({"on": "2025-01-01"}, "ne peut pas remonter à plus de 31 jours"),
        ({"on": "2030-01-01"}, "plus de six mois"),
        ({"postcode": "ABCDE"}, "n’est pas un code postal français"),
        ({"postcode": ""}, "Indiquez le code postal"),
        ({"line1": ""}, "Indiquez le numéro et la voie"),
    ],
)
def test_bad_input_gets_a_french_message_and_changes_nothing(client, change, message):
    w = world()
    box = shipments.prepare_shipment(w.case, item="box", by=w.case.owner)
    token = make_tracking_token(w.case)
    url = reverse("fieldops:customer_move", args=[w.case.reference])
    response = client.post(url, {**MOVE, **change, "t": token})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Address.objects.filter(customer=w.case.customer).count() == 1
    box.refresh_from_db()
    assert box.address == w.address
    assert not w.case.events.filter(kind=Event.Kind.MOVE_DECLARED).exists()


def test_a_move_date_before_the_current_address_started_is_refused_on_the_page(client):
    w = world()
    w.address.valid_from = dt.date(2026, 3, 1)
    w.address.save()
    url = reverse("fieldops:customer_move", args=[w.case.reference])
    response = client.post(url, {**MOVE, "on": "2026-02-25", "t": make_tracking_token(w.case)})
    assert response.status_code == 400
    assert "postérieure au début de l’adresse actuelle" in response.content.decode()
    assert Address.objects.filter(customer=w.case.customer).count() == 1


def test_a_summary_of_another_case_is_not_shown(client):
    w, other = world(), world(n=1)
    shipments.prepare_shipment(other.case, item="box", by=other.case.owner)
    client.post(
        reverse("fieldops:customer_move", args=[other.case.reference]),
        {**MOVE, "t": make_tracking_token(other.case)},
    )
    theirs = other.case.events.get(kind=Event.Kind.MOVE_DECLARED)
    page = client.get(_url(w.case) + f"&fait={theirs.pk}").content.decode()
    assert "Votre déménagement est enregistré" not in page
    assert "3 rue Neuve" not in page


def test_the_console_move_needs_a_login(client):
    w = world()
    url = reverse("fieldops:agent_move", args=[w.case.customer.pk])
    assert client.get(url).status_code == 302
    assert client.post(url, MOVE).status_code == 302
    assert Address.objects.filter(customer=w.case.customer).count() == 1


def test_an_advisor_declares_a_move_from_the_customer_page(client):
    w = world()
    owner = w.case.owner
    sim = shipments.prepare_shipment(w.case, item="sim", by=owner)
    shipments.dispatch(sim, carrier="colissimo", tracking_number="6A42", by=owner)
    colleague = AgentFactory()
    client.force_login(colleague)
    customer_page = client.get(reverse("agent:customer", args=[w.case.customer.pk]))
    url = reverse("fieldops:agent_move", args=[w.case.customer.pk])
    assert url in customer_page.content.decode()
    assert "Déclarer un déménagement" in client.get(url).content.decode()
    refused = client.post(url, {**MOVE, "postcode": "1"})
    assert refused.status_code == 400
    response = client.post(url, MOVE, follow=True)
    assert "réexpéditions à demander au transporteur : 1" in response.content.decode()
    case_page = client.get(reverse("agent:case", args=[w.case.reference])).content.decode()
    assert "À faire pour" in case_page
    assert "6A42" in case_page
    assert client.get(reverse("fieldops:agent_move", args=[999999])).status_code == 404


def test_an_advisor_sends_equipment_and_hands_it_to_the_carrier(client):
    w = world()
    client.force_login(w.case.owner)
    page = reverse("fieldops:agent_equipment", args=[w.case.reference])
    assert page in client.get(reverse("agent:case", args=[w.case.reference])).content.decode()
    assert "Rien n’a encore été envoyé" in client.get(page).content.decode()
    prepare = reverse("fieldops:agent_prepare", args=[w.case.reference])
    assert client.post(prepare, {"item": "piano"}).status_code == 400
    assert client.post(prepare, {"item": "tv_decoder"}).status_code == 302
    shipment = Shipment.objects.get(case=w.case)
    action = reverse(
        "fieldops:agent_shipment_action", args=[w.case.reference, shipment.pk, "expedier"]
    )
    refused = client.post(action, {"carrier": "colissimo", "tracking_number": ""})
    assert refused.status_code == 400
    assert (
        client.post(action, {"carrier": "colissimo", "tracking_number": "6A9"}).status_code == 302
    )
    shipment.refresh_from_db()
    assert shipment.state == Shipment.State.DISPATCHED
    assert shipment.address_text == str(w.address)
    again = client.post(action, {"carrier": "dpd", "tracking_number": "X"})
    assert "déjà été remis au transporteur" in again.content.decode()
    delivered = reverse(
        "fieldops:agent_shipment_action", args=[w.case.reference, shipment.pk, "livre"]
    )
    client.post(delivered)
    shipment.refresh_from_db()
    assert shipment.state == Shipment.State.DELIVERED


def test_equipment_pages_need_a_login_and_a_shipment_of_that_case(client):
    w, other = world(), world(n=1)
    page = reverse("fieldops:agent_equipment", args=[w.case.reference])
    assert client.get(page).status_code == 302
    theirs = shipments.prepare_shipment(other.case, item="box", by=other.case.owner)
    client.force_login(w.case.owner)
    wrong = reverse("fieldops:agent_shipment_action", args=[w.case.reference, theirs.pk, "livre"])
    assert client.post(wrong).status_code == 404
