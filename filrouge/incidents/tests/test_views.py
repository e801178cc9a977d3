"""The advisors' incident pages, the banner on the case page, the card on the tracking page."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from filrouge.cases.models import Case, Status
from filrouge.cases.tests.factories import make_case
from filrouge.customers.tests.factories import LineFactory
from filrouge.incidents.models import CompensationRule, Incident, IncidentUpdate
from filrouge.incidents.services import declare_incident, post_update
from filrouge.portal.links import tracking_path

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_in(agent):
    client = Client()
    client.force_login(agent)
    return client


def _declare_form(**change):
    return {
        "title": "Coupure fibre rue Oberkampf",
        "kind": "incident",
        "elements": "pm-par11-004",
        "impact": "major",
        "text": "Nous cherchons l’origine de la coupure.",
        "eta": "",
        "partner": "",
        "partner_reference": "ORANGE-TT-778812",
        "partner_promised_at": "",
    } | change


def test_anonymous_visitors_are_sent_to_the_login_page(tree):
    incident = declare_incident(title="Coupure", elements=[tree[1]], text="On cherche.")
    for url in [
        "/agent/incidents/",
        "/agent/incidents/declarer/",
        f"/agent/incidents/{incident.reference}/",
        f"/agent/incidents/{incident.reference}/compensations.csv",
    ]:
        response = Client().get(url)
        assert response.status_code == 302
        assert "/agent/connexion/" in response["Location"]


def test_an_advisor_declares_an_incident_by_element_code_and_the_case_is_held(tree, client_in):
    line = LineFactory(network_element=tree[2])
    case = make_case(customer=line.customer, line=line)
    eta = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")

    response = client_in.post("/agent/incidents/declarer/", _declare_form(eta=eta))

    incident = Incident.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/agent/incidents/{incident.reference}/"
    assert list(incident.elements.all()) == [tree[1]]
    assert incident.partner_reference == "ORANGE-TT-778812"
    assert incident.updates.get().eta is not None
    assert Case.objects.get(pk=case.pk).status == Status.HELD
    page = client_in.get(response["Location"]).content.decode()
    assert case.reference in page
    assert "Nous cherchons l’origine de la coupure." in page
    assert incident.reference in client_in.get("/agent/incidents/").content.decode()


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"elements": ""}, "Un incident doit porter sur au moins un élément du réseau."),
        ({"elements": "PM-PAR11-004 PM-INCONNU"}, "Élément de réseau inconnu : PM-INCONNU."),
        ({"eta": "31/02/2026 10:00"}, "Saisissez une date et une heure"),
        ({"eta": "2020-01-01T10:00"}, "L’heure de rétablissement estimée est déjà passée."),
        ({"text": ""}, "Le premier point doit avoir un texte pour les clients."),
    ],
)
def test_a_bad_declaration_says_why_in_french_and_changes_nothing(tree, client_in, change, error):
    line = LineFactory(network_element=tree[2])
    case = make_case(customer=line.customer, line=line)

    response = client_in.post("/agent/incidents/declarer/", _declare_form(**change))

    assert response.status_code == 400
    assert error in response.content.decode()
    assert not Incident.objects.exists()
    assert Case.objects.get(pk=case.pk).status == Status.ACKNOWLEDGED


def test_updates_then_resolution_from_the_page_and_no_update_after_it(tree, client_in):
    CompensationRule.objects.create(product="fibre", monthly_price="30.00")
    line = LineFactory(network_element=tree[2])
    make_case(customer=line.customer, line=line)
    incident = declare_incident(title="Coupure", elements=[tree[1]], text="On cherche.")
    url = f"/agent/incidents/{incident.reference}/mise-a-jour/"

    ok = client_in.post(
        url, {"status": "identified", "text": "Câble arraché."}, HTTP_HX_REQUEST="true"
    )
    resolved = client_in.post(url, {"status": "resolved", "text": "Le service est rétabli."})
    late = client_in.post(url, {"status": "monitoring", "text": "Encore ?"})

    assert ok.status_code == 200
    assert "Câble arraché." in ok.content.decode()
    assert "<html" not in ok.content.decode()  # htmx gets the fragment only
    assert resolved.status_code == 200
    assert late.status_code == 400
    assert "Cet incident est terminé" in late.content.decode()
    assert IncidentUpdate.objects.filter(incident=incident).count() == 3
    csv = client_in.get(f"/agent/incidents/{incident.reference}/compensations.csv")
    assert csv["Content-Type"].startswith("text/csv")
    assert line.number in csv.content.decode()


def test_the_case_page_shows_the_banner_and_unlinking_sends_the_case_back(tree, client_in, agent):
    line = LineFactory(network_element=tree[2])
    case = make_case(customer=line.customer, line=line)
    incident = declare_incident(title="Coupure PM 4", elements=[tree[1]], text="On cherche.")

    html = client_in.get(f"/agent/dossiers/{case.reference}/").content.decode()
    assert "Incident réseau" in html
    assert incident.reference in html
    assert "Nouvelle intervention nécessaire" in html

    response = client_in.post(f"/agent/incidents/{incident.reference}/delier/{case.reference}/")

    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).status == Status.IN_PROGRESS
    after = client_in.get(f"/agent/dossiers/{case.reference}/").content.decode()
    assert "Nouvelle intervention nécessaire" not in after


def test_the_tracking_page_shows_the_incident_card_within_its_query_budget(
    tree, django_assert_max_num_queries
):
    line = LineFactory(network_element=tree[2])
    case = make_case(customer=line.customer, line=line)
    incident = declare_incident(title="Coupure", elements=[tree[1]], text="On cherche.")
    eta = timezone.now() + timedelta(hours=5)
    post_update(incident, text="Réparation en cours.", status="identified", eta=eta)

    with django_assert_max_num_queries(7):
        html = Client().get(tracking_path(case)).content.decode()

    assert "Incident réseau en cours sur votre ligne" in html
    assert "Réparation en cours." in html
    assert "Rétablissement prévu d’ici le" in html
    assert "En attente de la réparation du réseau" in html


def test_the_tracking_page_shows_the_compensation_once_resolved(tree):
    CompensationRule.objects.create(product="fibre", monthly_price="30.00")
    line = LineFactory(network_element=tree[2])
    case = make_case(customer=line.customer, line=line)
    incident = declare_incident(
        title="Coupure",
        elements=[tree[1]],
        text="On cherche.",
        started_at=timezone.now() - timedelta(days=23),
    )
    post_update(incident, text="Réparé.", status="resolved")

    html = Client().get(tracking_path(case)).content.decode()

    assert "L’incident réseau sur votre ligne est terminé" in html
    assert "Nous vous proposons un dédommagement de" in html
    assert "résilier votre contrat sans frais" in html
