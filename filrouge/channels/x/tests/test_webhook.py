"""`/hooks/x/`: X's CRC challenge, signed Account Activity deliveries stored once before the
200 and filed on the customer's case, our own events left out, bad input refused."""

import json
from pathlib import Path

import pytest

from filrouge.cases.models import Case
from filrouge.cases.tests.factories import make_case
from filrouge.channels.models import InboundMessage
from filrouge.channels.services import process_inbound
from filrouge.channels.tests.builders import processing_tasks
from filrouge.channels.x.parse import sign
from filrouge.customers.models import ContactPoint
from filrouge.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
SAMPLES = Path(__file__).parent / "samples"
SECRET = "x-consumer-secret"
MARIE = "x:1427839201"


@pytest.fixture(autouse=True)
def _secret(settings):
    settings.X_CONSUMER_SECRET = SECRET


def _post(client, raw: bytes | str, *, signature: str | None = None):
    raw = raw if isinstance(raw, bytes) else (SAMPLES / raw).read_bytes()
    headers = (
        {}
        if signature == ""
        else {"x-twitter-webhooks-signature": signature or sign(raw, secret=SECRET)}
    )
    return client.post("/hooks/x/", raw, content_type="application/json", headers=headers)


def _process_all() -> None:
    for pk in InboundMessage.objects.order_by("pk").values_list("pk", flat=True):
        process_inbound(pk)


def _marie() -> ContactPoint:
    return ContactPoint.objects.create(customer=CustomerFactory(), kind="social", value=MARIE)


def test_the_crc_challenge_is_answered_with_the_hmac_of_the_token(client, settings):
    """The token and consumer secret of X's own example code."""
    settings.X_CONSUMER_SECRET = "z3ZX4v7mAAUGykl3EcmkqbartmuW8VFOOzCloLx9Q45P0hLrFu"
    response = client.get("/hooks/x/", {"crc_token": "9b4507b3-9040-4669-9ca3-6b94edb50553"})
    assert response.status_code == 200
    assert response.json() == {
        "response_token": "sha256=Cytd4Sq+NvEcV3MMrXxWJGJx5A+y/lXzzU2Maartkx8="
    }


def test_a_challenge_without_a_token_is_refused(client):
    assert client.get("/hooks/x/").status_code == 400


def test_a_challenge_without_a_configured_secret_is_refused(client, settings):
    settings.X_CONSUMER_SECRET = ""
    assert client.get("/hooks/x/", {"crc_token": "abc"}).status_code == 403


def test_a_signed_mention_is_stored_before_the_200_and_lands_public_and_flagged(client):
    point = _marie()
    response = _post(client, "mention.json")
    assert response.status_code == 200
    inbound = InboundMessage.objects.get()
    assert processing_tasks() == [inbound.pk]  # committed with the message
    assert (inbound.channel, inbound.external_id) == ("social", "x:1896123456789012345")
    assert process_inbound(inbound.pk) == InboundMessage.State.PROCESSED
    inbound.refresh_from_db()
    assert (inbound.case.customer, inbound.sender) == (point.customer, MARIE)
    assert (inbound.is_public, inbound.personal_data) == (True, ["phone", "address", "contract"])
    assert inbound.event.data["body"].startswith("3 semaines sans fibre")  # our @ removed
    assert inbound.case.events.filter(kind="personal_data_exposed").exists()


def test_a_direct_message_lands_private_with_its_link_expanded_and_threads_by_it(client):
    point = _marie()
    case = make_case(customer=point.customer, subject="Fibre coupée")
    data = json.loads((SAMPLES / "dm.json").read_text())
    url = data["direct_message_events"][0]["message_create"]["message_data"]["entities"]["urls"][0]
    url["expanded_url"] = url["expanded_url"].replace("FR-2026-000123", case.reference)
    _post(client, json.dumps(data).encode())
    _process_all()
    inbound = InboundMessage.objects.get()
    assert (inbound.external_id, inbound.is_public) == ("x:dm:1896139876543210987", False)
    assert inbound.case == case  # the quoted reference, from the customer of that case
    assert f"/suivi/{case.reference}/" in inbound.event.data["body"]
    assert inbound.personal_data == []


def test_the_same_delivery_twice_is_one_message(client):
    assert _post(client, "mention.json").status_code == 200
    assert _post(client, "mention.json").status_code == 200
    assert InboundMessage.objects.count() == 1


def test_our_own_posts_and_dms_echoed_back_are_not_stored(client):
    mention = json.loads((SAMPLES / "mention.json").read_text())
    mention["tweet_create_events"][0]["user"]["id_str"] = mention["for_user_id"]
    dm = json.loads((SAMPLES / "dm.json").read_text())
    dm["direct_message_events"][0]["message_create"]["sender_id"] = dm["for_user_id"]
    assert _post(client, json.dumps(mention).encode()).status_code == 200
    assert _post(client, json.dumps(dm).encode()).status_code == 200
    assert not InboundMessage.objects.exists()


def test_a_retweet_and_a_like_are_not_messages(client):
    mention = json.loads((SAMPLES / "mention.json").read_text())
    mention["tweet_create_events"][0]["retweeted_status"] = {"id_str": "1"}
    assert _post(client, json.dumps(mention).encode()).status_code == 200
    assert _post(client, "favorite.json").status_code == 200
    assert not InboundMessage.objects.exists()


def test_a_mention_from_an_account_we_blocked_makes_no_case(client):
    mention = json.loads((SAMPLES / "mention.json").read_text())
    mention["user_has_blocked"] = "true"
    _post(client, json.dumps(mention).encode())
    _process_all()
    assert InboundMessage.objects.get().reason == "blocked"
    assert not Case.objects.exists()


def test_an_unsigned_delivery_is_refused_with_401_and_nothing_is_stored(client):
    assert _post(client, "mention.json", signature="").status_code == 401
    assert not InboundMessage.objects.exists()


@pytest.mark.parametrize(
    "signature", ["sha256=" + "A" * 44, "sha1=abc", "garbage", sign(b"other", secret=SECRET)]
)
def test_a_wrongly_signed_delivery_is_refused_with_403(client, signature):
    assert _post(client, "mention.json", signature=signature).status_code == 403
    assert not InboundMessage.objects.exists()


def test_a_body_altered_after_signing_is_refused(client):
    raw = (SAMPLES / "mention.json").read_bytes()
    forged = raw.replace(b"1427839201", b"1427839202")
    assert _post(client, forged, signature=sign(raw, secret=SECRET)).status_code == 403


def test_without_a_configured_secret_nothing_is_accepted(client, settings):
    raw = (SAMPLES / "mention.json").read_bytes()
    settings.X_CONSUMER_SECRET = ""
    assert _post(client, raw, signature=sign(raw, secret="")).status_code == 403


@pytest.mark.parametrize(
    "raw",
    [
        b"{",
        b"[]",
        b"\xff",
        b'{"tweet_create_events": []}',
        b'{"for_user_id": "1556283749", "tweet_create_events": "x"}',
        b'{"for_user_id": "1556283749", "tweet_create_events": [{"id_str": "1"}]}',
        b'{"for_user_id": "1556283749", "direct_message_events": [{"id": "x"}]}',
        b'{"for_user_id": 1556283749}',
    ],
)
def test_malformed_deliveries_get_a_400_with_a_reason_and_change_nothing(client, raw):
    response = _post(client, raw)
    assert response.status_code == 400
    assert response.json()["error"]
    assert not InboundMessage.objects.exists()


def test_one_bad_event_refuses_the_whole_delivery(client):
    data = json.loads((SAMPLES / "mention.json").read_text())
    events = data["tweet_create_events"]
    events.append({**events[0], "id_str": "1896123456789099999", "user": {"id_str": "bob"}})
    assert _post(client, json.dumps(data).encode()).status_code == 400
    assert not InboundMessage.objects.exists()


def test_an_oversized_delivery_is_refused_with_413(client, settings):
    settings.FILROUGE_HOOK_MAX_BYTES = 100
    assert _post(client, "mention.json").status_code == 413
    assert not InboundMessage.objects.exists()
