"""Bad input in step 1: a clear French message, status 400, and nothing recorded."""

import datetime as dt

import pytest
import time_machine

from filrouge.cases.models import Case
from filrouge.customers.tests.factories import CustomerFactory, LineFactory
from filrouge.selfcare.limits import IDENTIFICATION_FAILURES
from filrouge.selfcare.models import CancellationRequest
from filrouge.selfcare.tests.conftest import step1

pytestmark = pytest.mark.django_db
NO_MATCH = "Ces informations ne correspondent à aucun de nos contrats."


def refused(client, **changes) -> str:
    response = client.post("/resiliation/", step1(**changes))
    assert response.status_code == 400
    assert not Case.objects.exists()
    assert not CancellationRequest.objects.exists()
    return response.content.decode()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"full_name": " "}, "Ce champ est obligatoire."),
        ({"full_name": "Lu"}, "Indiquez les prénom et nom du titulaire."),
        (
            {"email": "", "postal_address": ""},
            "Indiquez une adresse e-mail (ou à défaut une adresse postale)",
        ),
        ({"email": "lucie.martin@"}, "Saisissez une adresse de courriel valide."),
        ({"account_number": "DEMO 12/34"}, "Une référence de contrat ne contient que des lettres"),
        ({"line_number": "01 40 00"}, "n’est pas un numéro de téléphone valide"),
        ({"line_number": "07 00 00 00 00 0"}, "n’est pas un numéro de téléphone valide"),
        ({"line_number": "FTTH-X"}, "Ce n’est pas un numéro de ligne"),
        ({"requested_end_date": "31/02/2027"}, "Saisissez une date valide."),
        ({"reason": "bored"}, "Sélectionnez un choix valide."),
        ({"reason_text": "x" * 1001}, "au plus 1000 caractères"),
        ({"key": "not-a-key"}, "Ce formulaire est abîmé : rechargez la page."),
    ],
)
def test_each_malformed_field_is_refused_with_a_french_message(client, fibre, changes, message):
    assert message in refused(client, **changes)


@time_machine.travel(dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC), tick=False)
def test_an_end_date_in_the_past_or_too_far_is_refused(client, fibre):
    assert "La date de fin demandée est déjà passée" in refused(
        client, requested_end_date="2026-11-22"
    )
    assert "dans les douze prochains mois" in refused(client, requested_end_date="2028-01-01")


@pytest.mark.parametrize(
    "changes",
    [
        {"account_number": "DEMO9999999"},  # no such contract
        {"line_number": "01 40 00 00 99"},  # no such line
        {"full_name": "Paul Durand"},  # not the holder
        {"full_name": "Lucie"},  # the first name alone
    ],
)
def test_unknown_details_get_one_answer_that_names_no_culprit(client, fibre, changes):
    assert NO_MATCH in refused(client, **changes)


def test_a_line_of_another_contract_gets_the_same_answer(client, fibre):
    other = CustomerFactory(account_number="DEMO0005555", first_name="Lucie", last_name="Martin")
    LineFactory(customer=other, number="+33140000002")
    page = refused(client, line_number="01 40 00 00 02")
    assert NO_MATCH in page
    assert "DEMO0005555" not in page


def test_the_holder_is_recognised_whatever_the_order_case_and_accents(client, holder):
    LineFactory(customer=holder, number="+33140000003")
    holder.last_name = "Lefèvre-Martin"
    holder.save()
    response = client.post(
        "/resiliation/", step1(full_name="LEFEVRE MARTIN lucie", line_number="+33 1 40 00 00 03")
    )
    assert response.status_code == 200


def test_a_terminated_line_cannot_be_cancelled_again(client, holder):
    LineFactory(customer=holder, number="+33140000004", status="terminated")
    assert "Cette ligne est déjà résiliée." in refused(client, line_number="0140000004")


def test_guessing_is_stopped_after_ten_misses_from_one_address_even_with_right_details(
    client, fibre
):
    for n in range(IDENTIFICATION_FAILURES.attempts):
        refused(client, account_number=f"DEMO{n:07d}")
    blocked = client.post("/resiliation/", step1())
    assert blocked.status_code == 429
    assert "Trop de tentatives" in blocked.content.decode()
    other_address = client.post("/resiliation/", step1(), REMOTE_ADDR="203.0.113.9")
    assert other_address.status_code == 200


def test_malformed_fields_do_not_count_as_guesses(client, fibre):
    for _n in range(IDENTIFICATION_FAILURES.attempts + 2):
        refused(client, account_number="??")
    assert client.post("/resiliation/", step1()).status_code == 200


def test_other_methods_are_refused(client):
    assert client.put("/resiliation/").status_code == 405
    assert client.get("/resiliation/confirmer/").status_code == 405
