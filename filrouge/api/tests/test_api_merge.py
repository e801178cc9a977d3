"""POST /api/v1/customers/{id}/merge: an unidentified sender attached to the customer."""

import pytest

from filrouge.accounts.tests.factories import AgentFactory
from filrouge.api.tests.helpers import client_for, db_state, post
from filrouge.cases.models import Case
from filrouge.cases.tests.factories import make_case
from filrouge.channels.identity import create_prospect
from filrouge.channels.message import Sender
from filrouge.customers.models import Customer, CustomerMerge
from filrouge.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _prospect():
    prospect = create_prospect(Sender(email="inconnu@exemple.fr", name="Paul Inconnu"))
    return prospect, make_case(customer=prospect, first_message="Plus rien ne marche.")


def test_merging_a_prospect_moves_its_cases_and_answers_what_moved():
    agent = AgentFactory(email="awa@test.example")
    prospect, case = _prospect()
    durand = CustomerFactory(first_name="Paul", last_name="Durand")
    response = post(
        client_for(agent), f"/customers/{prospect.pk}/merge", {"into": durand.pk, "note": "vu"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["prospect"]["id"], body["into"]["id"]) == (prospect.pk, durand.pk)
    assert (body["merged_by"], body["note"], body["cases"]) == (
        "awa@test.example",
        "vu",
        [case.reference],
    )
    assert body["moved"]["cases.case"] == 1
    assert Case.objects.get(pk=case.pk).customer == durand
    assert Customer.objects.get(pk=prospect.pk).merged_into == durand


@pytest.mark.parametrize("target", ["itself", "prospect", "customer_source", "unknown"])
def test_a_refused_merge_is_a_422_with_the_reason_and_changes_nothing(target):
    agent = AgentFactory()
    prospect, _case = _prospect()
    durand = CustomerFactory()
    other = create_prospect(Sender(email="autre@exemple.fr"))
    source, into = {
        "itself": (prospect, prospect.pk),
        "prospect": (prospect, other.pk),
        "customer_source": (durand, other.pk),
        "unknown": (prospect, 999999),
    }[target]
    before = db_state()
    response = post(
        client_for(agent, language="fr"), f"/customers/{source.pk}/merge", {"into": into}
    )
    assert response.status_code == 422, response.content
    assert response.json()["detail"]
    assert db_state() == before
    assert not CustomerMerge.objects.exists()


def test_unknown_prospect_is_404_and_unknown_fields_are_refused():
    agent = AgentFactory()
    prospect, _case = _prospect()
    durand = CustomerFactory()
    assert (
        post(client_for(agent), "/customers/999999/merge", {"into": durand.pk}).status_code == 404
    )
    extra = {"into": durand.pk, "force": True}
    assert post(client_for(agent), f"/customers/{prospect.pk}/merge", extra).status_code == 422
    assert not CustomerMerge.objects.exists()


def test_merging_needs_credentials():
    prospect, _case = _prospect()
    durand = CustomerFactory()
    from django.test import Client

    response = post(Client(), f"/customers/{prospect.pk}/merge", {"into": durand.pk})
    assert response.status_code == 401
    assert not CustomerMerge.objects.exists()
