"""A supervisor watches a storm become a suspected incident and confirms it, in a real browser;
the incident is then on the public status page."""

import pytest

from filrouge.accounts.models import Agent
from filrouge.accounts.tests.factories import AgentFactory
from filrouge.detection.models import Suspicion
from filrouge.detection.storm import storm
from filrouge.detection.tests.helpers import network
from filrouge.detection.tests.test_storm import customers_with_mobiles
from filrouge.incidents.models import Incident
from filrouge.network.models import Area
from filrouge.testing import browser_test

pytestmark = browser_test
PASSWORD = "motdepasse-test"  # the factories' password


@pytest.fixture
def desk(open_page):
    return open_page(1280, 900)


def test_a_storm_becomes_a_suspicion_that_a_lead_confirms_into_an_incident(desk, live_server):
    net = network(pms=1, cables=3)
    cable = net.cables[0][2]
    cable.areas.add(Area.objects.create(postcode="75011", commune="Paris 11e"))
    customers_with_mobiles(cable, 5)
    lead = AgentFactory(role=Agent.Role.LEAD)

    desk.goto(f"{live_server.url}/agent/detection/")
    desk.fill("#id_username", lead.email)
    desk.fill("#id_password", PASSWORD)
    desk.click("form[action='/agent/connexion/'] button[type=submit]")
    desk.get_by_role("heading", name="Incidents suspectés").wait_for()
    assert "Aucun incident suspecté à décider." in desk.locator("main").inner_text()

    sent = list(storm(cable.code, contacts=4, rate=6000, sleep=lambda s: None))
    desk.reload()

    card = desk.locator("article.suspicion")
    assert cable.code in card.get_by_role("heading", level=2).inner_text()
    assert "4 dossiers le signalent" in card.inner_text()
    for contact in sent[:3]:
        assert card.get_by_role("link", name=contact.case_reference).is_visible()
    title = card.get_by_label("Titre de l’incident")
    assert title.input_value() == f"Panne sur Câble fibre {cable.code} (Paris 11e)"
    title.fill("Fibre coupée rue Oberkampf")
    card.get_by_role("button", name="Confirmer et déclarer l’incident").click()

    desk.get_by_role("status").wait_for()
    incident = Incident.objects.get()
    assert f"Incident {incident.reference} déclaré." in desk.get_by_role("status").inner_text()
    assert incident.title == "Fibre coupée rue Oberkampf"
    assert list(incident.elements.all()) == [cable]
    assert Suspicion.objects.get().incident == incident

    # The public status page shows it, with the commune, to anyone.
    public = desk.context.browser.new_page(locale="fr-FR")
    public.goto(f"{live_server.url}/etat-du-reseau/")
    page_text = public.locator("main").inner_text()
    assert "Fibre coupée rue Oberkampf" in page_text
    assert "Paris 11e" in page_text
    public.close()
