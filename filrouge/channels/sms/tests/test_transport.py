"""Answers by SMS through Vonage's HTTP API, against a local server speaking its format:
the exact request Vonage receives, retries on 5xx/timeouts/throttling, dead letters on refusals."""

from pathlib import Path

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from filrouge.accounts.tests.factories import AgentFactory
from filrouge.cases.services import CaseError
from filrouge.cases.tests.factories import make_case
from filrouge.channels.models import OutboundMessage
from filrouge.channels.services import MAX_DELIVERY_ATTEMPTS, deliver_outbound, reply
from filrouge.channels.sms.keywords import opt_out
from filrouge.channels.sms.tests.fakehttp import Answer, FakeProvider
from filrouge.customers.models import Channel
from filrouge.customers.tests.factories import CustomerFactory, PhoneFactory

pytestmark = pytest.mark.django_db
SAMPLES = Path(__file__).parent / "samples"


@pytest.fixture
def vonage(settings):
    fake = FakeProvider(default=Answer(200, (SAMPLES / "send_response.json").read_bytes()))
    fake.start()
    settings.SMS_VONAGE_BASE_URL = fake.url
    settings.SMS_VONAGE_API_KEY = "abcd1234"
    settings.SMS_VONAGE_API_SECRET = "api-s3cret"
    settings.SMS_VONAGE_FROM = "33644630000"
    settings.SMS_VONAGE_STATUS_URL = "https://care.example/hooks/sms/status/"
    settings.CHANNELS_HTTP_TIMEOUT = 0.5
    yield fake
    fake.stop()


def _answer(body="Un technicien passe jeudi entre 8h et 13h.", phone="+33612345678"):
    case = make_case(customer=PhoneFactory(value=phone).customer)
    return case, reply(case, by=AgentFactory(), channel=Channel.SMS, body=body).delivery


def _footer(case) -> str:
    with translation.override("fr"):
        return _("Your case: %(reference)s") % {"reference": case.reference}


def test_an_answer_is_posted_to_vonage_exactly_as_its_api_expects(vonage):
    case, outbound = _answer()
    assert deliver_outbound(outbound.pk) == OutboundMessage.State.SENT
    (request,) = vonage.received
    assert (request.method, request.path) == ("POST", "/sms/json")
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert request.form == {
        "api_key": "abcd1234",
        "api_secret": "api-s3cret",
        "from": "33644630000",
        "to": "33612345678",
        "text": f"Un technicien passe jeudi entre 8h et 13h.\n{_footer(case)}",
        "type": "text",
        "client-ref": f"filrouge-{outbound.pk}",
        "status-report-req": "1",
        "callback": "https://care.example/hooks/sms/status/",
    }
    outbound.refresh_from_db()
    assert outbound.external_id == "0C000000217B7F02"  # Vonage's message-id, for receipts


def test_french_outside_gsm7_goes_as_unicode_in_one_request(vonage):
    _case, outbound = _answer(body="Reçu, la fenêtre d'intervention est confirmée. " * 3)
    deliver_outbound(outbound.pk)
    (request,) = vonage.received  # Vonage cuts and concatenates the parts itself
    assert request.form["type"] == "unicode"


def test_an_answer_longer_than_six_sms_is_refused_when_written():
    case = make_case(customer=PhoneFactory(value="+33612345678").customer)
    with pytest.raises(CaseError, match="SMS"):
        reply(case, by=AgentFactory(), channel=Channel.SMS, body="ç" * 400)
    assert not OutboundMessage.objects.exists()


def test_a_customer_without_a_mobile_number_cannot_be_answered_by_sms():
    landline = PhoneFactory(value="+33142000000").customer
    for customer in (CustomerFactory(), landline):
        with pytest.raises(CaseError, match="mobile"):
            reply(make_case(customer=customer), by=AgentFactory(), channel=Channel.SMS, body="x")


@pytest.mark.parametrize(
    "answer",
    [
        Answer(500, b"<html>Internal Server Error</html>"),
        Answer(503, b""),
        Answer(429, b""),
        Answer(200, b'{"message-count":"1","messages":[{"status":"1","error-text":"Throttled"}]}'),
        Answer(200, b'{"message-count":"1","messages":[{"status":"5","error-text":"Internal"}]}'),
        Answer(200, b"not json"),
        Answer(200, (SAMPLES / "send_response.json").read_bytes(), delay=1.5),  # our timeout
    ],
)
def test_transient_failures_are_retried_later(vonage, answer):
    _case, outbound = _answer()
    vonage.answers.append(answer)
    assert deliver_outbound(outbound.pk) == OutboundMessage.State.PENDING
    outbound.refresh_from_db()
    assert outbound.attempts == 1
    assert outbound.next_attempt_at > timezone.now()
    OutboundMessage.objects.filter(pk=outbound.pk).update(next_attempt_at=timezone.now())
    assert deliver_outbound(outbound.pk) == OutboundMessage.State.SENT  # the default answer


def test_an_unreachable_provider_is_retried(settings):
    settings.SMS_VONAGE_BASE_URL = "http://127.0.0.1:9"  # discard port: connection refused
    settings.SMS_VONAGE_API_KEY, settings.SMS_VONAGE_API_SECRET = "k", "s"
    _case, outbound = _answer()
    assert deliver_outbound(outbound.pk) == OutboundMessage.State.PENDING


@pytest.mark.parametrize(
    "answer",
    [
        Answer(401, b'{"type":"https://developer.nexmo.com/api-errors#unauthorized"}'),
        Answer(200, (SAMPLES / "send_error.json").read_bytes()),  # status 3, invalid params
        Answer(200, b'{"message-count":"1","messages":[{"status":"7","error-text":"Barred"}]}'),
    ],
)
def test_refusals_are_dead_letters_at_once(vonage, answer):
    _case, outbound = _answer()
    vonage.answers.append(answer)
    assert deliver_outbound(outbound.pk) == OutboundMessage.State.DEAD
    outbound.refresh_from_db()
    assert outbound.last_error


def test_after_the_last_attempt_an_answer_is_a_dead_letter(vonage):
    _case, outbound = _answer()
    for _attempt in range(MAX_DELIVERY_ATTEMPTS):
        vonage.then(502, b"")
        OutboundMessage.objects.filter(pk=outbound.pk).update(next_attempt_at=timezone.now())
        state = deliver_outbound(outbound.pk)
    assert state == OutboundMessage.State.DEAD
    assert len(vonage.received) == MAX_DELIVERY_ATTEMPTS


def test_a_stop_received_after_the_answer_was_written_stops_its_delivery(vonage):
    _case, outbound = _answer()
    opt_out("+33612345678")
    assert deliver_outbound(outbound.pk) == OutboundMessage.State.DEAD
    assert not vonage.received


def test_without_credentials_nothing_is_posted_and_the_answer_is_dead(vonage, settings):
    settings.SMS_VONAGE_API_KEY = ""
    _case, outbound = _answer()
    assert deliver_outbound(outbound.pk) == OutboundMessage.State.DEAD
    assert not vonage.received
