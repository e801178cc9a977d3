"""Attaching an unidentified sender's file to the customer, from the console."""

import pytest

from filrouge.cases.models import Case, Event
from filrouge.cases.services import record_event
from filrouge.cases.tests.factories import make_case
from filrouge.channels.identity import create_prospect
from filrouge.channels.message import Sender
from filrouge.customers.models import Customer, CustomerMerge
from filrouge.customers.tests.factories import CustomerFactory, PhoneFactory

pytestmark = pytest.mark.django_db


def _prospect():
    prospect = create_prospect(Sender(email="inconnu@exemple.fr", name="Paul Inconnu"))
    case = make_case(customer=prospect, subject="Plus de fibre", first_message="Rien ne marche.")
    return prospect, case


def test_a_prospects_page_offers_to_attach_it_and_a_customers_does_not(logged_in):
    prospect, _case = _prospect()
    page = logged_in.get(f"/agent/clients/{prospect.pk}/").content.decode()
    assert "Rattacher à un client" in page
    assert "Expéditeur non identifié" in page
    customer = CustomerFactory()
    assert (
        "Rattacher à un client"
        not in logged_in.get(f"/agent/clients/{customer.pk}/").content.decode()
    )


def test_searching_the_customer_lists_real_customers_only_and_htmx_gets_the_results(logged_in):
    prospect, _case = _prospect()
    durand = CustomerFactory(first_name="Paul", last_name="Durand")
    PhoneFactory(customer=durand, value="+33612345678")
    create_prospect(Sender(email="autre@exemple.fr", name="Paul Durand"))
    response = logged_in.get(f"/agent/clients/{prospect.pk}/rattacher/", {"q": "durand"})
    assert response.status_code == 200
    assert response.context["found"] == [durand]
    assert f"/agent/clients/{prospect.pk}/rattacher/{durand.pk}/" in response.content.decode()
    by_phone = logged_in.get(
        f"/agent/clients/{prospect.pk}/rattacher/", {"q": "06 12 34 56 78"}, HTTP_HX_REQUEST="true"
    )
    body = by_phone.content.decode()
    assert "Paul Durand" in body
    assert "<html" not in body  # the results only


def test_a_mistyped_phone_says_so(logged_in):
    prospect, _case = _prospect()
    response = logged_in.get(f"/agent/clients/{prospect.pk}/rattacher/", {"q": "06 12 34 56 789"})
    assert response.status_code == 400


def test_the_confirm_page_shows_what_will_move_and_posting_merges(logged_in, agent):
    prospect, case = _prospect()
    durand = CustomerFactory(first_name="Paul", last_name="Durand")
    url = f"/agent/clients/{prospect.pk}/rattacher/{durand.pk}/"
    page = logged_in.get(url)
    assert page.status_code == 200
    assert ("dossiers", 1) in page.context["moves"]
    assert case.reference in page.content.decode()
    assert not CustomerMerge.objects.exists()  # looking changes nothing

    response = logged_in.post(url, {"note": "Vérifié au téléphone"})
    assert response.status_code == 302
    assert response["Location"] == f"/agent/clients/{durand.pk}/"
    merge = CustomerMerge.objects.get()
    assert (merge.prospect, merge.into, merge.merged_by, merge.note) == (
        prospect,
        durand,
        agent,
        "Vérifié au téléphone",
    )
    customer_page = logged_in.get(f"/agent/clients/{durand.pk}/")
    assert [c.reference for c in customer_page.context["open_cases"]] == [case.reference]
    # The prospect's old link leads to the customer.
    old = logged_in.get(f"/agent/clients/{prospect.pk}/")
    assert (old.status_code, old["Location"]) == (302, f"/agent/clients/{durand.pk}/")


def test_an_htmx_merge_tells_htmx_to_load_the_customers_page(logged_in):
    prospect, _case = _prospect()
    durand = CustomerFactory()
    response = logged_in.post(
        f"/agent/clients/{prospect.pk}/rattacher/{durand.pk}/", {"note": ""}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"/agent/clients/{durand.pk}/"
    assert Customer.objects.get(pk=prospect.pk).merged_into == durand


def test_merging_a_real_customer_is_refused_with_the_reason_and_changes_nothing(logged_in):
    customer = CustomerFactory()
    case = make_case(customer=customer)
    other = CustomerFactory()
    url = f"/agent/clients/{customer.pk}/rattacher/{other.pk}/"
    assert "Seul le dossier d’un expéditeur non identifié" in logged_in.get(url).content.decode()
    response = logged_in.post(url, {"note": ""})
    assert response.status_code == 400
    assert "Seul le dossier d’un expéditeur non identifié" in response.content.decode()
    assert Case.objects.get(pk=case.pk).customer == customer
    assert not CustomerMerge.objects.exists()


def test_a_possible_match_on_the_case_links_to_the_confirm_page(logged_in):
    prospect, case = _prospect()
    durand = CustomerFactory(first_name="Paul", last_name="Durand")
    record_event(
        case,
        kind=Event.Kind.POSSIBLE_MATCH,
        visibility=Event.Visibility.INTERNAL,
        actor_label="system",
        data={
            "customer": durand.pk,
            "name": "Paul Durand",
            "account": durand.account_number,
            "case": None,
            "case_reference": "",
            "because": "name",
            "value": "Paul Durand",
        },
    )
    page = logged_in.get(f"/agent/dossiers/{case.reference}/").content.decode()
    assert "Correspondance possible" in page
    assert f"/agent/clients/{prospect.pk}/rattacher/{durand.pk}/" in page


def test_the_attach_pages_need_a_login(client):
    prospect, _case = _prospect()
    durand = CustomerFactory()
    for url in (
        f"/agent/clients/{prospect.pk}/rattacher/",
        f"/agent/clients/{prospect.pk}/rattacher/{durand.pk}/",
    ):
        assert client.get(url).status_code == 302
    assert client.post(f"/agent/clients/{prospect.pk}/rattacher/{durand.pk}/").status_code == 302
    assert not CustomerMerge.objects.exists()


def test_unknown_customers_are_not_found(logged_in):
    prospect, _case = _prospect()
    assert logged_in.get("/agent/clients/999999/rattacher/").status_code == 404
    assert logged_in.get(f"/agent/clients/{prospect.pk}/rattacher/999999/").status_code == 404
