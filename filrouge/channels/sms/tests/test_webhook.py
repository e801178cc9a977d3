"""`/hooks/sms/` and `/hooks/sms/status/`: signed Vonage webhooks, stored once before the
204, filed on the customer's case; STOP recorded, long messages joined; bad input refused."""

import json
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
import time_machine
from django.utils import timezone

from filrouge.accounts.tests.factories import AgentFactory
from filrouge.cases.models import Case, Event
from filrouge.cases.services import CaseError
from filrouge.cases.tests.factories import make_case
from filrouge.channels.models import InboundMessage, OptOut, OutboundMessage
from filrouge.channels.services import PARTS_WAIT, process_inbound, reply
from filrouge.channels.sms import signature
from filrouge.channels.tests.builders import processing_tasks
from filrouge.customers.models import Channel
from filrouge.customers.tests.factories import PhoneFactory

pytestmark = pytest.mark.django_db
SAMPLES = Path(__file__).parent / "samples"
SECRET = "test-signature-secret"


@pytest.fixture(autouse=True)
def _signed(settings):
    settings.SMS_VONAGE_SIGNATURE_SECRET = SECRET
    settings.SMS_VONAGE_SIGNATURE_METHOD = "sha256"


def _params(name: str, **change: str) -> dict[str, str]:
    return {**json.loads((SAMPLES / name).read_text()), **change}


def _signed_params(name: str, **change: str) -> dict[str, str]:
    return signature.sign(_params(name, **change), secret=SECRET, method="sha256")


def _post(client, name: str, url: str = "/hooks/sms/", **change: str):
    body = json.dumps(_signed_params(name, **change))
    return client.post(url, body, content_type="application/json")


def _process_all() -> None:
    for pk in InboundMessage.objects.order_by("pk").values_list("pk", flat=True):
        process_inbound(pk)


def test_a_signed_sms_is_stored_before_the_answer_and_filed_on_the_customers_case(client):
    customer = PhoneFactory(value="+33612345678").customer
    response = _post(client, "inbound.json")
    assert response.status_code == 204
    inbound = InboundMessage.objects.get()
    assert processing_tasks() == [inbound.pk]  # committed with the message
    assert (inbound.channel, inbound.external_id) == (Channel.SMS, "0A00000012345671")
    assert process_inbound(inbound.pk) == InboundMessage.State.PROCESSED
    inbound.refresh_from_db()
    assert inbound.case.customer == customer
    assert inbound.case.channel == Channel.SMS
    assert inbound.event.data["body"].startswith("Bonjour, plus d'internet depuis hier soir")


def test_an_sms_from_an_unknown_number_opens_a_case_for_a_prospect(client):
    _post(client, "inbound.json")
    _process_all()
    case = Case.objects.get()
    assert case.customer.is_prospect
    assert case.customer.contact_points.get().value == "+33612345678"


def test_the_same_sms_delivered_twice_is_one_message(client):
    assert _post(client, "inbound.json").status_code == 204
    assert _post(client, "inbound.json").status_code == 204
    assert InboundMessage.objects.count() == 1


def test_a_get_webhook_with_the_parameters_in_the_query_string_is_taken(client):
    response = client.get("/hooks/sms/?" + urlencode(_signed_params("inbound.json")))
    assert response.status_code == 204
    _process_all()
    assert Case.objects.count() == 1


def test_a_form_encoded_webhook_is_taken(client):
    body = urlencode(_signed_params("inbound.json"))
    response = client.post("/hooks/sms/", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 204


def test_an_unsigned_sms_is_refused_with_401_and_nothing_is_stored(client):
    body = json.dumps(_params("inbound.json"))
    response = client.post("/hooks/sms/", body, content_type="application/json")
    assert response.status_code == 401
    assert not InboundMessage.objects.exists()


def test_a_wrongly_signed_or_altered_sms_is_refused_with_403(client):
    signed = _signed_params("inbound.json")
    for forged in ({**signed, "text": "STOP"}, {**signed, "sig": "0" * 64}):
        response = client.post("/hooks/sms/", json.dumps(forged), content_type="application/json")
        assert response.status_code == 403
    assert not InboundMessage.objects.exists()


def test_without_a_configured_secret_every_sms_is_refused(client, settings):
    settings.SMS_VONAGE_SIGNATURE_SECRET = ""
    assert _post(client, "inbound.json").status_code == 403
    assert not InboundMessage.objects.exists()


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"msisdn": "336', "application/json"),
        (b"[]", "application/json"),
        (b'{"msisdn": {"a": 1}}', "application/json"),
        (b"\xff\xfe\xfd", "application/x-www-form-urlencoded"),
    ],
)
def test_malformed_bodies_get_a_400_with_a_reason_and_change_nothing(client, body, content_type):
    response = client.post("/hooks/sms/", body, content_type=content_type)
    assert response.status_code == 400
    assert response.json()["error"]
    assert not InboundMessage.objects.exists()


def test_a_signed_payload_that_is_not_an_sms_gets_a_400(client):
    response = _post(client, "inbound.json", msisdn="not-a-number")
    assert response.status_code == 400
    assert "msisdn" in response.json()["error"]
    assert not InboundMessage.objects.exists()


def test_an_oversized_body_is_refused_with_413(client, settings):
    settings.FILROUGE_HOOK_MAX_BYTES = 200
    assert _post(client, "inbound.json").status_code == 413
    assert not InboundMessage.objects.exists()


def test_other_methods_are_not_allowed(client):
    assert client.put("/hooks/sms/").status_code == 405


def test_stop_records_an_opt_out_makes_no_case_and_later_answers_by_sms_are_refused(client):
    customer = PhoneFactory(value="+33612345678").customer
    case = make_case(customer=customer)
    _post(client, "stop.json")
    _process_all()
    inbound = InboundMessage.objects.get()
    assert (inbound.state, inbound.reason) == (InboundMessage.State.IGNORED, "opt_out")
    assert OptOut.objects.get().address == "+33612345678"
    assert Case.objects.count() == 1  # only the one made above
    assert not case.events.filter(kind=Event.Kind.MESSAGE_IN).exists()
    with pytest.raises(CaseError, match="STOP"):
        reply(case, by=AgentFactory(), channel=Channel.SMS, body="Bonjour")


@pytest.mark.parametrize("text", ["ARRET", "Stop", "arrêt sms"])
def test_the_french_stop_words_opt_out_too(client, text):
    _post(client, "stop.json", text=text)
    _process_all()
    assert OptOut.objects.filter(address="+33612345678").exists()
    assert not Case.objects.exists()


def test_start_after_stop_lets_sms_through_again(client):
    _post(client, "stop.json")
    _post(client, "stop.json", messageId="0A0000009999", text="START")
    _process_all()
    assert not OptOut.objects.exists()
    assert not Case.objects.exists()


def test_the_parts_of_a_long_sms_wait_for_each_other_and_are_filed_as_one_message(client):
    for name in ("concat_3.json", "concat_2.json", "concat_3.json"):  # part 3 twice
        assert _post(client, name).status_code == 204
    _process_all()
    assert not Case.objects.exists()  # part 1 is still missing
    assert set(InboundMessage.objects.values_list("reason", flat=True)) == {"waiting_parts"}
    _post(client, "concat_1.json")
    _process_all()
    case = Case.objects.get()
    (message,) = case.events.filter(kind=Event.Kind.MESSAGE_IN)
    assert message.data["body"].startswith("Bonjour, le technicien devait passer jeudi")
    assert message.data["body"].endswith("Je suis joignable tous les jours après 17h. Merci.")
    parts = InboundMessage.objects.all()
    assert len(parts) == 3
    assert {(p.state, p.case_id, p.event_id) for p in parts} == {
        (InboundMessage.State.PROCESSED, case.pk, message.pk)
    }


def test_an_incomplete_long_sms_is_filed_with_a_gap_after_the_wait(client):
    _post(client, "concat_1.json")
    _post(client, "concat_3.json")
    _process_all()
    assert not Case.objects.exists()
    with time_machine.travel(timezone.now() + PARTS_WAIT + timedelta(seconds=5)):
        _process_all()  # what the deferred task (or the sweep) does
    body = Case.objects.get().events.get(kind=Event.Kind.MESSAGE_IN).data["body"]
    assert "[…]" in body
    assert body.endswith("Merci.")
    assert set(InboundMessage.objects.values_list("state", flat=True)) == {"processed"}


def test_a_delivery_receipt_marks_our_sms_delivered(client):
    customer = PhoneFactory(value="+33612345678").customer
    outbound = reply(
        make_case(customer=customer), by=AgentFactory(), channel=Channel.SMS, body="Bonjour"
    ).delivery
    response = _post(
        client,
        "delivery_receipt.json",
        "/hooks/sms/status/",
        **{"client-ref": outbound.provider_key},
    )
    assert response.status_code == 204
    outbound.refresh_from_db()
    assert (outbound.state, outbound.external_id) == (
        OutboundMessage.State.DELIVERED,
        "0C000000217B7F02",
    )


def test_a_failed_receipt_marks_it_bounced_and_unsigned_receipts_change_nothing(client):
    customer = PhoneFactory(value="+33612345678").customer
    outbound = reply(
        make_case(customer=customer), by=AgentFactory(), channel=Channel.SMS, body="Bonjour"
    ).delivery
    key = {"client-ref": outbound.provider_key}
    unsigned = _params("delivery_receipt.json", **key, status="delivered")
    response = client.post(
        "/hooks/sms/status/", json.dumps(unsigned), content_type="application/json"
    )
    assert response.status_code == 401
    _post(client, "delivery_receipt.json", "/hooks/sms/status/", **key, status="failed")
    outbound.refresh_from_db()
    assert outbound.state == OutboundMessage.State.BOUNCED
    assert "err-code" in outbound.last_error
