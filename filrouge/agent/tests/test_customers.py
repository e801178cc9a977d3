"""The customer page and opening a case for a customer."""

import datetime as dt

import pytest

from filrouge.cases.models import Case, Event, Status
from filrouge.cases.services import change_status
from filrouge.cases.tests.factories import make_case
from filrouge.customers.services import move_customer
from filrouge.customers.tests.factories import (
    AddressFactory,
    CustomerFactory,
    EmailFactory,
    LineFactory,
    PhoneFactory,
)

pytestmark = pytest.mark.django_db


def test_the_customer_page_shows_contacts_addresses_lines_and_cases(logged_in, agent):
    customer = CustomerFactory(first_name="Chloé", last_name="Petit")
    PhoneFactory(customer=customer, value="+33612345678")
    EmailFactory(customer=customer, value="chloe.petit@exemple.fr")
    AddressFactory(customer=customer, line1="3 rue Oberkampf", valid_from=dt.date(2019, 1, 1))
    move_customer(
        customer,
        line1="8 avenue Jean Jaurès",
        postcode="69007",
        commune="Lyon",
        on=dt.date(2024, 6, 1),
    )
    LineFactory(customer=customer, number="FTTH00000042")
    current = make_case(customer=customer, owner=agent, subject="Box à la mauvaise adresse")
    past = make_case(customer=customer, owner=agent, subject="Facture de mars")
    change_status(past, to=Status.CANCELLED, by=agent)
    response = logged_in.get(f"/agent/clients/{customer.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    for text in (
        "Chloé Petit",
        "06 12 34 56 78",
        "chloe.petit@exemple.fr",
        "8 avenue Jean Jaurès",
        "3 rue Oberkampf",
        "FTTH00000042",
    ):
        assert text in page
    assert [c.reference for c in response.context["open_cases"]] == [current.reference]
    assert [c.reference for c in response.context["past_cases"]] == [past.reference]
    assert [a.line1 for a in response.context["past_addresses"]] == ["3 rue Oberkampf"]


def test_an_unknown_customer_is_not_found(logged_in):
    assert logged_in.get("/agent/clients/999999/").status_code == 404


def test_opening_a_case_assigns_it_to_me_and_records_the_first_message(logged_in, agent):
    customer = CustomerFactory()
    line = LineFactory(customer=customer)
    response = logged_in.post(
        f"/agent/clients/{customer.pk}/nouveau-dossier/",
        {
            "subject": "Plus de fibre depuis trois semaines",
            "intent": "outage",
            "channel": "shop",
            "line": line.pk,
            "first_message": "Quatre voisins sont coupés aussi",
            "assign_to_me": "on",
        },
    )
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/agent/dossiers/{case.reference}/"
    assert case.owner == agent
    assert case.line == line
    assert case.channel == "shop"
    assert case.events.get(kind=Event.Kind.MESSAGE_IN).data["body"].startswith("Quatre voisins")
    assert case.events.get(kind=Event.Kind.CASE_OPENED).actor == agent


def test_a_case_opened_without_me_as_owner_waits_in_my_teams_unassigned_queue(logged_in, agent):
    customer = CustomerFactory()
    logged_in.post(
        f"/agent/clients/{customer.pk}/nouveau-dossier/",
        {"subject": "Question facture", "intent": "billing", "channel": "phone"},
    )
    case = Case.objects.get()
    assert case.owner is None
    assert case.team == agent.team
    assert case.reference in logged_in.get("/agent/?queue=unassigned").content.decode()


def test_a_case_without_subject_is_refused_and_nothing_is_created(logged_in):
    customer = CustomerFactory()
    response = logged_in.post(
        f"/agent/clients/{customer.pk}/nouveau-dossier/",
        {"subject": " ", "intent": "other", "channel": "phone"},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["subject"]
    assert not Case.objects.exists()


def test_a_line_of_another_customer_cannot_be_chosen(logged_in):
    customer = CustomerFactory()
    foreign = LineFactory()
    response = logged_in.post(
        f"/agent/clients/{customer.pk}/nouveau-dossier/",
        {"subject": "Ligne", "intent": "other", "channel": "phone", "line": foreign.pk},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["line"]
    assert not Case.objects.exists()
