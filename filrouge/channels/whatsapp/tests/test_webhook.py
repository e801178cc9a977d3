"""`/hooks/whatsapp/`: Meta's subscription check, signed notifications stored once before
the 200 and filed on the customer's case, statuses applied; bad input refused, nothing changed."""

import json
from pathlib import Path

import pytest

from filrouge.accounts.tests.factories import AgentFactory
from filrouge.cases.models import Case, Event
from filrouge.cases.tests.factories import make_case
from filrouge.channels.models import InboundMessage, OutboundMessage
from filrouge.channels.services import process_inbound, reply, store_inbound
from filrouge.channels.tests.builders import processing_tasks
from filrouge.channels.whatsapp.parse import sign
from filrouge.customers.models import Channel
from filrouge.customers.tests.factories import PhoneFactory

pytestmark = pytest.mark.django_db
SAMPLES = Path(__file__).parent / "samples"
SECRET = "test-app-secret"


@pytest.fixture(autouse=True)
def _secrets(settings):
    settings.WHATSAPP_APP_SECRET = SECRET
    settings.WHATSAPP_VERIFY_TOKEN = "verify-me"


def _post(client, raw: bytes | str, *, signature: str | None = None):
    raw = raw if isinstance(raw, bytes) else (SAMPLES / raw).read_bytes()
    headers = (
        {} if signature == "" else {"X-Hub-Signature-256": signature or sign(raw, secret=SECRET)}
    )
    return client.post("/hooks/whatsapp/", raw, content_type="application/json", headers=headers)


def _with_status(name: str, key: str, wamid: str = "") -> bytes:
    data = json.loads((SAMPLES / name).read_text())
    status = data["entry"][0]["changes"][0]["value"]["statuses"][0]
    status["biz_opaque_callback_data"] = key
    if wamid:
        status["id"] = wamid
    return json.dumps(data).encode()


def _process_all() -> None:
    for pk in InboundMessage.objects.order_by("pk").values_list("pk", flat=True):
        process_inbound(pk)


def test_metas_subscription_check_gets_the_challenge_back(client):
    query = {
        "hub.mode": "subscribe",
        "hub.verify_token": "verify-me",
        "hub.challenge": "1158201444",
    }
    response = client.get("/hooks/whatsapp/", query)
    assert (response.status_code, response.content) == (200, b"1158201444")


@pytest.mark.parametrize(
    "query",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": "verify-me", "hub.challenge": "1"},
        {},
    ],
)
def test_a_wrong_subscription_check_is_refused(client, query):
    assert client.get("/hooks/whatsapp/", query).status_code == 403


def test_a_signed_message_is_stored_before_the_200_and_filed_on_the_customers_case(client):
    customer = PhoneFactory(value="+33612345678").customer
    response = _post(client, "text.json")
    assert response.status_code == 200
    inbound = InboundMessage.objects.get()
    assert processing_tasks() == [inbound.pk]  # committed with the message
    assert inbound.external_id.startswith("wamid.")
    assert process_inbound(inbound.pk) == InboundMessage.State.PROCESSED
    inbound.refresh_from_db()
    assert (inbound.case.customer, inbound.case.channel) == (customer, Channel.WHATSAPP)
    assert inbound.event.data["body"].startswith("Bonjour, toujours pas de fibre")


def test_the_same_message_delivered_twice_is_one_message(client):
    assert _post(client, "text.json").status_code == 200
    assert _post(client, "text.json").status_code == 200
    assert InboundMessage.objects.count() == 1


def test_a_photo_without_words_lands_with_its_media_named(client):
    data = json.loads((SAMPLES / "image.json").read_text())
    del data["entry"][0]["changes"][0]["value"]["messages"][0]["image"]["caption"]
    _post(client, json.dumps(data).encode())
    _process_all()
    case = Case.objects.get()
    assert case.subject == "image-1003383421387256"
    assert case.events.get(kind=Event.Kind.MESSAGE_IN).data["body"] == "image-1003383421387256"


def test_a_reaction_makes_no_case(client):
    _post(client, "reaction.json")
    _process_all()
    assert InboundMessage.objects.get().reason == "reaction"
    assert not Case.objects.exists()


def test_an_unsigned_notification_is_refused_with_401_and_nothing_is_stored(client):
    assert _post(client, "text.json", signature="").status_code == 401
    assert not InboundMessage.objects.exists()


@pytest.mark.parametrize("signature", ["sha256=" + "0" * 64, "sha1=abc", "garbage"])
def test_a_wrongly_signed_notification_is_refused_with_403(client, signature):
    assert _post(client, "text.json", signature=signature).status_code == 403
    assert not InboundMessage.objects.exists()


def test_a_body_altered_after_signing_is_refused(client):
    raw = (SAMPLES / "text.json").read_bytes()
    forged = raw.replace(b"33612345678", b"33699999999")
    assert _post(client, forged, signature=sign(raw, secret=SECRET)).status_code == 403


@pytest.mark.parametrize(
    "raw",
    [b"{", b"[]", b'{"object": "whatsapp_business_account", "entry": "x"}', b"\xff"],
)
def test_malformed_notifications_get_a_400_with_a_reason_and_change_nothing(client, raw):
    response = _post(client, raw)
    assert response.status_code == 400
    assert response.json()["error"]
    assert not InboundMessage.objects.exists()


def test_one_bad_message_refuses_the_whole_notification(client):
    data = json.loads((SAMPLES / "text.json").read_text())
    messages = data["entry"][0]["changes"][0]["value"]["messages"]
    messages.append({**messages[0], "id": "wamid.second", "from": "not-a-phone"})
    assert _post(client, json.dumps(data).encode()).status_code == 400
    assert not InboundMessage.objects.exists()


def test_an_oversized_notification_is_refused_with_413(client, settings):
    settings.FILROUGE_HOOK_MAX_BYTES = 100
    assert _post(client, "text.json").status_code == 413


def _our_message(client):
    """A WhatsApp answer on the case the customer's message opened."""
    PhoneFactory(value="+33612345678")
    _post(client, "text.json")
    _process_all()
    case = Case.objects.get()
    return case, reply(case, by=AgentFactory(), channel=Channel.WHATSAPP, body="Bonjour").delivery


def test_statuses_move_our_message_forward_never_back(client):
    _case, outbound = _our_message(client)
    wamid = "wamid.HBgLMzM2MTIzNDU2NzgVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA"
    OutboundMessage.objects.filter(pk=outbound.pk).update(
        state=OutboundMessage.State.SENT, external_id=wamid
    )
    assert _post(client, _with_status("status_read.json", outbound.provider_key)).status_code == 200
    outbound.refresh_from_db()
    assert outbound.state == OutboundMessage.State.READ
    _post(client, _with_status("status_delivered.json", outbound.provider_key))  # late
    outbound.refresh_from_db()
    assert outbound.state == OutboundMessage.State.READ


def test_a_status_that_overtakes_our_record_of_the_wamid_is_matched_by_our_key(client):
    _case, outbound = _our_message(client)  # still pending: no wamid recorded yet
    _post(client, _with_status("status_delivered.json", outbound.provider_key))
    outbound.refresh_from_db()
    assert outbound.state == OutboundMessage.State.DELIVERED
    assert outbound.external_id.startswith("wamid.")


def test_a_failed_status_marks_it_not_delivered_with_metas_reason(client):
    _case, outbound = _our_message(client)
    _post(client, _with_status("status_failed.json", outbound.provider_key))
    outbound.refresh_from_db()
    assert outbound.state == OutboundMessage.State.BOUNCED
    assert "131047" in outbound.last_error


def test_statuses_of_messages_that_are_not_ours_are_ignored(client):
    response = _post(client, _with_status("status_delivered.json", "", wamid="wamid.unknown"))
    assert response.status_code == 200
    assert not OutboundMessage.objects.exists()


def test_the_customers_reply_to_our_message_threads_onto_its_case(client):
    case, outbound = _our_message(client)
    OutboundMessage.objects.filter(pk=outbound.pk).update(external_id="wamid.OURS")
    other = make_case(customer=case.customer, subject="Facture de mars")  # a second open case
    assert other.pk != case.pk
    data = json.loads((SAMPLES / "text.json").read_text())
    message = data["entry"][0]["changes"][0]["value"]["messages"][0]
    message |= {"id": "wamid.answer", "text": {"body": "Ok merci"}, "context": {"id": "wamid.OURS"}}
    raw = json.dumps(data).encode()
    _post(client, raw)
    inbound = InboundMessage.objects.get(external_id="wamid.answer")
    process_inbound(inbound.pk)
    inbound.refresh_from_db()
    assert (inbound.case, inbound.route) == (case, "reply")


def test_a_message_stored_directly_and_a_redelivery_through_the_webhook_stay_one(client):
    (_wamid, _payload) = ("wamid.HBgLMzM2MTIzNDU2NzgVAgASGBQzRUIwQzc2QTJGMUQ4RjQ1QjQ0MQA=", b"{}")
    store_inbound(channel=Channel.WHATSAPP, external_id=_wamid, payload=b"{}")
    _post(client, "text.json")
    assert InboundMessage.objects.count() == 1
