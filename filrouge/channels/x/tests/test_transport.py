"""Answers through X's v2 API, against a local server speaking its format: a public reply
under the customer's post, a DM to a private message, the exact requests, personal data
never posted in public, retries, dead letters and X's duplicate-content refusal."""

import json
from pathlib import Path

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from filrouge.accounts.tests.factories import AgentFactory
from filrouge.cases.models import Case, Event
from filrouge.cases.services import CaseError
from filrouge.channels.models import InboundMessage, OutboundMessage
from filrouge.channels.services import deliver_outbound, process_inbound, reply, store_inbound
from filrouge.channels.sms.tests.fakehttp import Answer, FakeProvider
from filrouge.channels.social.flags import suggested_public_answer
from filrouge.channels.x.parse import read_webhook
from filrouge.customers.models import ContactPoint
from filrouge.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
SAMPLES = Path(__file__).parent / "samples"
MARIE = "x:1427839201"


@pytest.fixture
def x_api(settings):
    fake = FakeProvider(default=Answer(201, (SAMPLES / "send_tweet_response.json").read_bytes()))
    fake.start()
    settings.X_API_BASE_URL = fake.url
    settings.X_ACCESS_TOKEN = "x-user-token"
    settings.CHANNELS_HTTP_TIMEOUT = 0.5
    yield fake
    fake.stop()


def _marie_writes(sample: str) -> Case:
    if not ContactPoint.objects.filter(value=MARIE).exists():
        ContactPoint.objects.create(customer=CustomerFactory(), kind="social", value=MARIE)
    for external_id, payload in read_webhook((SAMPLES / sample).read_bytes()):
        inbound, _new = store_inbound(channel="social", external_id=external_id, payload=payload)
        process_inbound(inbound.pk)
    return InboundMessage.objects.latest("pk").case


def _answer(case, body):
    return reply(case, by=AgentFactory(), channel="social", body=body).delivery


def _footer(case) -> str:
    with translation.override("fr"):
        return _("Your case: %(reference)s") % {"reference": case.reference}


def test_a_public_mention_gets_a_public_reply_exactly_as_documented(x_api):
    case = _marie_writes("mention.json")
    outbound = _answer(case, suggested_public_answer())
    assert deliver_outbound(outbound.pk) == OutboundMessage.State.SENT
    (request,) = x_api.received
    assert (request.method, request.path) == ("POST", "/2/tweets")
    assert request.headers["Authorization"] == "Bearer x-user-token"
    assert request.headers["Content-Type"] == "application/json"
    assert request.json == {
        "text": f"@marie_lfvr {suggested_public_answer()}",
        "reply": {"in_reply_to_tweet_id": "1896123456789012345"},
    }
    outbound.refresh_from_db()
    assert outbound.external_id == "x:1896150000000000042"


def test_a_direct_message_gets_a_dm_with_the_case_reference(x_api):
    x_api.default = Answer(201, (SAMPLES / "send_dm_response.json").read_bytes())
    case = _marie_writes("dm.json")
    body = "Votre ligne FTTH00001234 : technicien jeudi entre 8h et 13h."
    outbound = _answer(case, body)  # personal data is fine in private
    assert deliver_outbound(outbound.pk) == OutboundMessage.State.SENT
    (request,) = x_api.received
    assert request.path == "/2/dm_conversations/with/1427839201/messages"
    assert request.json == {"text": f"{body}\n\n{_footer(case)}"}
    outbound.refresh_from_db()
    assert outbound.external_id == "x:dm:1896152222222222222"


def test_the_answer_follows_her_latest_message_public_then_private(x_api):
    case = _marie_writes("mention.json")
    deliver_outbound(_answer(case, suggested_public_answer()).pk)  # x:1896150000000000042
    dm = json.loads((SAMPLES / "dm.json").read_text())
    # She opens the DM from the "send us a private message" link of our public reply.
    dm["direct_message_events"][0]["initiated_via"] = {"tweet_id": "1896150000000000042"}
    dm["direct_message_events"][0]["message_create"]["message_data"] = {"text": "Voilà mon adresse"}
    ((external_id, payload),) = read_webhook(json.dumps(dm).encode())
    inbound, _new = store_inbound(channel="social", external_id=external_id, payload=payload)
    process_inbound(inbound.pk)
    inbound.refresh_from_db()
    assert (inbound.case, inbound.route) == (case, "reply")
    x_api.default = Answer(201, (SAMPLES / "send_dm_response.json").read_bytes())
    outbound = _answer(case, "Merci, c'est noté.")
    assert outbound.is_public is False
    deliver_outbound(outbound.pk)
    assert x_api.received[-1].path == "/2/dm_conversations/with/1427839201/messages"


@pytest.mark.parametrize(
    "body",
    ["On vous rappelle au 06 12 34 56 78", "Box livrée au 8 rue Paul Bert", "Ligne FTTH00001234"],
)
def test_a_public_reply_with_personal_data_is_refused_and_nothing_recorded(body):
    case = _marie_writes("mention.json")
    with pytest.raises(CaseError, match="personal data|données personnelles"):
        _answer(case, body)
    assert not case.events.filter(kind=Event.Kind.MESSAGE_OUT).exists()
    assert not OutboundMessage.objects.exists()


def test_a_public_reply_longer_than_a_post_is_refused():
    case = _marie_writes("mention.json")
    with pytest.raises(CaseError, match="280"):
        _answer(case, "Bonjour. " * 40)


@pytest.mark.parametrize(
    "answer",
    [
        Answer(500, b'{"title": "Internal Server Error"}'),
        Answer(503, b""),
        Answer(429, (SAMPLES / "error_rate_limit.json").read_bytes()),
        Answer(201, b'{"data": {}}'),
        Answer(201, (SAMPLES / "send_tweet_response.json").read_bytes(), delay=1.5),
    ],
)
def test_transient_failures_are_retried_later(x_api, answer):
    case = _marie_writes("mention.json")
    outbound = _answer(case, suggested_public_answer())
    x_api.answers.append(answer)
    assert deliver_outbound(outbound.pk) == OutboundMessage.State.PENDING
    OutboundMessage.objects.filter(pk=outbound.pk).update(next_attempt_at=timezone.now())
    assert deliver_outbound(outbound.pk) == OutboundMessage.State.SENT


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (Answer(401, (SAMPLES / "error_unauthorized.json").read_bytes()), "Unauthorized"),
        (Answer(403, (SAMPLES / "error_duplicate.json").read_bytes()), "duplicate"),
        (Answer(400, b'{"title": "Invalid Request", "detail": "bad reply"}'), "bad reply"),
    ],
)
def test_refusals_are_dead_letters_at_once_with_xs_reason(x_api, answer, reason):
    case = _marie_writes("mention.json")
    outbound = _answer(case, suggested_public_answer())
    x_api.answers.append(answer)
    assert deliver_outbound(outbound.pk) == OutboundMessage.State.DEAD
    outbound.refresh_from_db()
    assert reason in outbound.last_error


def test_a_duplicate_refusal_on_a_retry_means_the_first_attempt_was_posted(x_api):
    case = _marie_writes("mention.json")
    outbound = _answer(case, suggested_public_answer())
    x_api.answers.append(
        Answer(201, (SAMPLES / "send_tweet_response.json").read_bytes(), delay=1.5)
    )
    assert deliver_outbound(outbound.pk) == OutboundMessage.State.PENDING  # it went through
    OutboundMessage.objects.filter(pk=outbound.pk).update(next_attempt_at=timezone.now())
    x_api.answers.append(Answer(403, (SAMPLES / "error_duplicate.json").read_bytes()))
    assert deliver_outbound(outbound.pk) == OutboundMessage.State.SENT
    assert len(x_api.received) == 2


def test_without_a_token_the_answer_is_a_dead_letter_not_a_crash(x_api, settings):
    case = _marie_writes("mention.json")
    outbound = _answer(case, suggested_public_answer())
    settings.X_ACCESS_TOKEN = ""
    assert deliver_outbound(outbound.pk) == OutboundMessage.State.DEAD
    assert not x_api.received
