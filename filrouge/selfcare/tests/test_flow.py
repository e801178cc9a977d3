"""The three clicks through Django's test client: form, summary, confirmation."""

import datetime as dt
import re

import pytest
import time_machine
from django.utils import timezone

from filrouge.accounts.tests.factories import TeamFactory
from filrouge.cases.models import Case, Event, Intent, Status
from filrouge.cases.timeline import describe
from filrouge.channels.models import OutboundMessage
from filrouge.customers.models import Channel
from filrouge.selfcare.models import CancellationRequest
from filrouge.selfcare.tests.conftest import step1

pytestmark = pytest.mark.django_db
PARIS = dt.timezone(dt.timedelta(hours=1))
MONDAY = dt.datetime(2026, 11, 23, 14, 5, tzinfo=PARIS)


def payload_of(response) -> str:
    return re.search(r'name="payload" value="([^"]+)"', response.content.decode())[1]


def summary(client, **changes):
    response = client.post("/resiliation/", step1(**changes))
    assert response.status_code == 200, response.content.decode()[:3000]
    return response


def test_the_page_opens_without_logging_in_and_says_resilier_votre_contrat(client):
    response = client.get("/resiliation/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Résilier votre contrat</h1>" in page
    assert 'href="/resiliation/">Résilier votre contrat</a>' in page  # the footer link
    assert re.search(r'name="key" value="[0-9a-f]{32}"', page)


@time_machine.travel(MONDAY, tick=False)
def test_three_clicks_open_one_case_for_the_retention_team_with_the_reason(client, fibre):
    team = TeamFactory(slug="fidelisation", name="Fidélisation")
    page = summary(client).content.decode()
    assert "Récapitulatif de votre résiliation" in page
    assert "3 décembre 2026" in page  # ten days after receipt
    assert "Trop cher" in page
    assert not Case.objects.exists()  # nothing recorded before the confirmation

    response = client.post("/resiliation/confirmer/", {"payload": payload_of(summary(client))})
    assert response.status_code == 302
    receipt = client.get(response["Location"])
    request = CancellationRequest.objects.get()
    case = request.case
    text = receipt.content.decode()
    assert case.reference in text
    assert "3 décembre 2026" in text
    assert "lucie.martin@exemple.fr" in text

    assert (case.intent, case.team, case.channel, case.line) == (
        Intent.CANCELLATION,
        team,
        Channel.WEB,
        fibre,
    )
    assert case.status == Status.ACKNOWLEDGED
    assert (request.end_date, request.equipment_return_by) == (
        dt.date(2026, 12, 3),
        dt.date(2027, 1, 2),
    )
    assert request.received_at == MONDAY
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds == [
        Event.Kind.CASE_OPENED,
        Event.Kind.CANCELLATION_REQUESTED,
        Event.Kind.MESSAGE_OUT,
    ]
    event = case.events.get(kind=Event.Kind.CANCELLATION_REQUESTED)
    assert event.is_public
    assert event.data["body"] == "Trop cher depuis la hausse de janvier."
    assert describe(event) == (
        "Résiliation demandée en ligne pour la ligne Fibre +33140000001 : fin le "
        "3 décembre 2026 (au plus tard dix jours après réception) · Motif : Trop cher · "
        "Matériel à rendre au plus tard le 2 janvier 2027"
    )
    delivery = OutboundMessage.objects.get()
    assert (delivery.recipient, delivery.state) == ("lucie.martin@exemple.fr", "pending")
    assert (
        delivery.subject
        == f"[{case.reference}] Accusé de réception de votre demande de résiliation"
    )


@time_machine.travel(MONDAY, tick=False)
def test_a_later_end_date_asked_for_is_kept_and_said(client, fibre):
    page = summary(client, requested_end_date="2027-01-31").content.decode()
    assert "31 janvier 2027" in page
    assert "la date que vous avez demandée" in page
    client.post(
        "/resiliation/confirmer/",
        {"payload": payload_of(summary(client, requested_end_date="2027-01-31"))},
    )
    request = CancellationRequest.objects.get()
    assert (request.requested_end_date, request.end_date) == (dt.date(2027, 1, 31),) * 2
    assert "31 janvier 2027, comme demandé" in describe(
        request.case.events.get(kind=Event.Kind.CANCELLATION_REQUESTED)
    )


def test_without_a_team_for_cancellations_the_case_goes_to_customer_service(client, fibre):
    TeamFactory(slug="service-clients", name="Service clients")
    client.post("/resiliation/confirmer/", {"payload": payload_of(summary(client))})
    assert CancellationRequest.objects.get().case.team.slug == "service-clients"


def test_a_double_click_or_the_back_button_makes_one_case_and_one_mail(client, fibre):
    payload = payload_of(summary(client))
    first = client.post("/resiliation/confirmer/", {"payload": payload})
    second = client.post("/resiliation/confirmer/", {"payload": payload})
    assert first["Location"] == second["Location"]
    # Back to step 1, the same form (same key), "Continue" again: the receipt of that request.
    third = client.post("/resiliation/", step1())
    assert (third.status_code, third["Location"]) == (302, first["Location"])
    assert (Case.objects.count(), CancellationRequest.objects.count()) == (1, 1)
    assert OutboundMessage.objects.count() == 1


def test_a_second_request_for_a_line_already_being_cancelled_is_refused_with_its_reference(
    client, fibre
):
    client.post("/resiliation/confirmer/", {"payload": payload_of(summary(client))})
    reference = CancellationRequest.objects.get().case.reference
    response = client.post("/resiliation/", step1(key="f" * 32))
    assert response.status_code == 400
    assert f"Une résiliation de cette ligne est déjà en cours (dossier {reference})" in (
        response.content.decode()
    )
    assert Case.objects.count() == 1


def test_change_on_the_summary_brings_the_form_back_filled_in(client, fibre):
    response = client.post("/resiliation/", {"payload": payload_of(summary(client)), "change": "1"})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'value="Lucie Martin"' in page
    assert 'value="DEMO0001234"' in page
    assert not Case.objects.exists()


def test_a_tampered_or_expired_summary_is_refused_and_changes_nothing(client, fibre):
    payload = payload_of(summary(client))
    tampered = client.post("/resiliation/confirmer/", {"payload": payload[:-3] + "abc"})
    assert tampered.status_code == 400
    assert "Ce récapitulatif a expiré" in tampered.content.decode()
    with time_machine.travel(timezone.now() + dt.timedelta(hours=2)):
        late = client.post("/resiliation/confirmer/", {"payload": payload})
    assert late.status_code == 400
    assert not Case.objects.exists()


def test_a_confirmation_re_checks_the_line_terminated_meanwhile(client, fibre):
    payload = payload_of(summary(client))
    fibre.status = "terminated"
    fibre.save()
    response = client.post("/resiliation/confirmer/", {"payload": payload})
    assert response.status_code == 400
    assert "Cette ligne est déjà résiliée." in response.content.decode()
    assert not Case.objects.exists()


def test_a_forged_receipt_address_is_not_found(client, fibre):
    response = client.post("/resiliation/confirmer/", {"payload": payload_of(summary(client))})
    location = response["Location"]
    assert client.get(location).status_code == 200
    assert client.get(location.rstrip("/")[:-4] + "xxxx/").status_code == 404
    assert client.get("/resiliation/demande-recue/1/").status_code == 404


def test_a_mobile_line_has_no_equipment_to_give_back(client, holder):
    from filrouge.customers.tests.factories import LineFactory

    LineFactory(customer=holder, number="+33612345678", product="mobile")
    page = summary(client, line_number="06 12 34 56 78").content.decode()
    assert "Aucun matériel à rendre pour une ligne mobile." in page
    client.post(
        "/resiliation/confirmer/",
        {"payload": payload_of(summary(client, line_number="0612345678"))},
    )
    assert CancellationRequest.objects.get().equipment_return_by is None


def test_the_advisor_sees_the_request_and_why_on_the_case_page(client, fibre):
    from filrouge.accounts.tests.factories import AgentFactory

    client.post("/resiliation/confirmer/", {"payload": payload_of(summary(client))})
    case = CancellationRequest.objects.get().case
    client.force_login(AgentFactory())
    page = client.get(f"/agent/dossiers/{case.reference}/").content.decode()
    assert "Résiliation demandée en ligne pour la ligne Fibre +33140000001" in page
    assert "Motif : Trop cher" in page
    assert "Trop cher depuis la hausse de janvier." in page
    assert "Accusé de réception" in page or "accusé de réception" in page
