import datetime as dt

import pytest

from filrouge.accounts.tests.factories import AgentFactory
from filrouge.api.tests.helpers import client_for, get
from filrouge.cases.models import Status
from filrouge.cases.services import change_status
from filrouge.cases.tests.factories import make_case
from filrouge.customers.tests.factories import (
    AddressFactory,
    CustomerFactory,
    EmailFactory,
    LineFactory,
    PhoneFactory,
)

pytestmark = pytest.mark.django_db


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [c["id"] for c in response.json()["items"]]


def test_customer_search_by_name_phone_email_and_account_number():
    customer = CustomerFactory(first_name="Amélie", last_name="Poulain", account_number="C123")
    PhoneFactory(customer=customer, value="+33612345678")
    EmailFactory(customer=customer, value="amelie@exemple.fr")
    CustomerFactory(first_name="Jean", last_name="Dupont")
    client = client_for(AgentFactory())
    for q in ["poul", "Poulain amé", "06.12.34.56.78", "+33 6 12 34 56 78", "AMELIE@exemple.fr"]:
        assert ids(get(client, "/customers", q=q)) == [customer.pk], q
    assert ids(get(client, "/customers", q="C123")) == [customer.pk]
    item = get(client, "/customers", q="poulain").json()["items"][0]
    assert item["name"] == "Amélie Poulain"
    assert {c["kind"]: c["value"] for c in item["contact_points"]} == {
        "email": "amelie@exemple.fr",
        "phone": "+33612345678",
    }


def test_customer_search_without_a_query_finds_nobody():
    CustomerFactory()
    assert ids(get(client_for(AgentFactory()), "/customers")) == []


def test_customer_search_is_bounded_by_limit():
    for _ in range(4):
        CustomerFactory(last_name="Martin")
    assert len(ids(get(client_for(AgentFactory()), "/customers", q="martin", limit=3))) == 3


@pytest.mark.parametrize(
    "params", [{"q": "amelie@"}, {"q": "a" * 201}, {"limit": 0}, {"limit": 101}, {"q": "\x00"}]
)
def test_customer_search_refuses_bad_parameters(params):
    response = get(client_for(AgentFactory(), language="en"), "/customers", **params)
    assert response.status_code == 422
    assert isinstance(response.json()["detail"], str)


def test_customer_detail_has_contacts_addresses_lines_and_open_cases():
    agent = AgentFactory()
    customer = CustomerFactory()
    PhoneFactory(customer=customer, value="+33612345678")
    old = AddressFactory(
        customer=customer, valid_from=dt.date(2015, 1, 1), valid_to=dt.date(2024, 3, 1)
    )
    new = AddressFactory(
        customer=customer,
        line1="3 rue des Lilas",
        postcode="69003",
        commune="Lyon",
        valid_from=dt.date(2024, 3, 1),
    )
    line = LineFactory(customer=customer, service_address=new)
    open_case = make_case(customer=customer, owner=agent)
    done = make_case(customer=customer, owner=agent)
    change_status(done, to=Status.CANCELLED, by=agent)
    response = get(client_for(agent), f"/customers/{customer.pk}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["contact_points"][0]["display"] == "06 12 34 56 78"
    assert body["current_address"]["id"] == new.pk
    assert [(a["id"], a["is_current"]) for a in body["addresses"]] == [
        (new.pk, True),
        (old.pk, False),
    ]
    assert body["lines"] == [
        {
            "id": line.pk,
            "number": line.number,
            "product": "fibre",
            "status": "active",
            "service_address": "3 rue des Lilas, 69003 Lyon",
            "network_element": None,
        }
    ]
    assert [c["reference"] for c in body["open_cases"]] == [open_case.reference]


def test_unknown_customer_is_a_404():
    client = client_for(AgentFactory(), language="en")
    response = get(client, "/customers/424242")
    assert response.status_code == 404
    assert response.json() == {"detail": "No customer with the id 424242."}


@pytest.mark.parametrize("customer_id", ["abc", "0", str(2**64)])
def test_a_customer_id_that_cannot_exist_is_refused(customer_id):
    response = get(client_for(AgentFactory()), f"/customers/{customer_id}")
    assert response.status_code == 422
