"""Search by what the customer gives: name, phone, e-mail, account or case reference."""

import pytest

from filrouge.cases.tests.factories import make_case
from filrouge.customers.tests.factories import CustomerFactory, EmailFactory, PhoneFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def chloe(db):
    customer = CustomerFactory(first_name="Chloé", last_name="Lefèvre")
    PhoneFactory(customer=customer, value="+33612345678")
    EmailFactory(customer=customer, value="chloe.lefevre@exemple.fr")
    return customer


def _found(response):
    return (
        [c.pk for c in response.context["customers"]],
        [c.reference for c in response.context["cases"]],
    )


@pytest.mark.parametrize(
    "query", ["06 12 34 56 78", "+33 6 12 34 56 78", "0612345678", "06.12.34.56.78"]
)
def test_search_by_phone_finds_the_customer_and_their_cases(logged_in, chloe, query):
    case = make_case(customer=chloe)
    make_case()
    response = logged_in.get("/agent/recherche/", {"q": query})
    assert response.status_code == 200
    assert _found(response) == ([chloe.pk], [case.reference])


def test_search_by_name_ignores_accents_and_case(logged_in, chloe):
    case = make_case(customer=chloe)
    CustomerFactory(first_name="Jean", last_name="Dupont")
    response = logged_in.get("/agent/recherche/", {"q": "lefevre"})
    assert _found(response) == ([chloe.pk], [case.reference])
    assert "Chloé Lefèvre" in response.content.decode()


def test_search_by_e_mail_finds_the_customer(logged_in, chloe):
    response = logged_in.get("/agent/recherche/", {"q": "Chloe.Lefevre@exemple.fr"})
    assert _found(response)[0] == [chloe.pk]


def test_search_by_reference_opens_the_case(logged_in, chloe):
    case = make_case(customer=chloe)
    response = logged_in.get("/agent/recherche/", {"q": case.reference.lower()})
    assert response.status_code == 302
    assert response["Location"] == f"/agent/dossiers/{case.reference}/"


def test_an_unknown_reference_finds_nothing(logged_in):
    response = logged_in.get("/agent/recherche/", {"q": "FR-2026-999999"})
    assert response.status_code == 200
    assert _found(response) == ([], [])


def test_a_mistyped_phone_number_gets_a_clear_error(logged_in, chloe):
    response = logged_in.get("/agent/recherche/", {"q": "06 12 34"})
    assert response.status_code == 200
    response = logged_in.get("/agent/recherche/", {"q": "+33 0 00 00 00 00"})
    assert response.context["form"].errors["q"]
    assert response.context["customers"] == []


def test_a_bad_e_mail_gets_a_clear_error(logged_in):
    response = logged_in.get("/agent/recherche/", {"q": "chloe@"})
    assert response.context["form"].errors["q"]


def test_searching_messages_is_asked_for_explicitly(logged_in, chloe):
    case = make_case(customer=chloe, subject="Box renvoyée à l'expéditeur")
    response = logged_in.get("/agent/recherche/", {"q": "renvoyée", "textes": "1"})
    assert case.reference in _found(response)[1]


def test_the_search_page_without_a_query_shows_only_the_form(logged_in):
    response = logged_in.get("/agent/recherche/")
    assert response.status_code == 200
    assert not response.context["form"].is_bound
