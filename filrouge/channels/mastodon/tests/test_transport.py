"""Answers as Mastodon statuses, against a local server speaking its API: public under a
public post, direct to a direct message, the exact request (Idempotency-Key included),
personal data never posted in public, retries and dead letters."""

import json
from pathlib import Path

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from filrouge.accounts.tests.factories import AgentFactory
from filrouge.cases.models import Case, Event
from filrouge.cases.services import CaseError
from filrouge.cases.tests.factories import make_case
from filrouge.channels.mastodon.poll import poll
from filrouge.channels.models import InboundMessage, OutboundMessage
from filrouge.channels.services import deliver_outbound, process_inbound, reply
from filrouge.channels.sms.tests.fakehttp import Answer
from filrouge.channels.social.flags import suggested_public_answer
from filrouge.customers.models import ContactPoint
from filrouge.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
SAMPLES = Path(__file__).parent / "samples"
MARIE = "@marie@piaille.fr"
OUR_STATUS = "113049800000000042"  # status_response.json


def _marie_posts(mastodon, settings, sample: str = "notifications.json") -> Case:
    """Marie's public post (with her address and phone) lands on her case."""
    if not ContactPoint.objects.filter(value=MARIE).exists():
        ContactPoint.objects.create(customer=CustomerFactory(), kind="social", value=MARIE)
    mastodon.then(200, SAMPLES / sample)
    poll(base_url=settings.MASTODON_BASE_URL, token=settings.MASTODON_ACCESS_TOKEN)
    for inbound in InboundMessage.objects.filter(state="received"):
        process_inbound(inbound.pk)
    mastodon.received.clear()
    return InboundMessage.objects.filter(sender=MARIE).latest("pk").case


def _footer(case) -> str:
    with translation.override("fr"):
        return _("Your case: %(reference)s") % {"reference": case.reference}


def _answer(case, body):
    return reply(case, by=AgentFactory(), channel="social", body=body).delivery


def test_the_suggested_public_answer_is_posted_publicly_under_her_post_exactly_so(
    mastodon, settings
):
    case = _marie_posts(mastodon, settings)
    mastodon.default = Answer(200, (SAMPLES / "status_response.json").read_bytes())
    outbound = _answer(case, suggested_public_answer())
    assert outbound.is_public
    assert deliver_outbound(outbound.pk) == OutboundMessage.State.SENT
    (request,) = mastodon.received
    assert (request.method, request.path) == ("POST", "/api/v1/statuses")
    assert request.headers["Authorization"] == "Bearer mastodon-test-token"
    assert request.headers["Idempotency-Key"] == f"filrouge-{outbound.pk}"
    assert request.headers["Content-Type"] == "application/json"
    assert request.json == {
        "status": f"{MARIE} {suggested_public_answer()}",  # no case reference in public
        "visibility": "public",
        "language": "fr",
        "in_reply_to_id": "113049485712345678",
    }
    outbound.refresh_from_db()
    assert outbound.external_id == f"mastodon:127.0.0.1:{OUR_STATUS}"


@pytest.mark.parametrize(
    "body",
    [
        "Bonjour, nous vous rappelons au 06 12 34 56 78.",
        "Le technicien passera au 8 rue Paul Bert jeudi.",
        "Votre ligne FTTH00001234 est en dérangement.",
        "Écrivez-nous à marie.lefevre@exemple.fr",
    ],
)
def test_a_public_answer_with_personal_data_is_refused_and_nothing_recorded(
    mastodon, settings, body
):
    case = _marie_posts(mastodon, settings)
    with pytest.raises(CaseError, match="personal data|données personnelles"):
        _answer(case, body)
    assert not case.events.filter(kind=Event.Kind.MESSAGE_OUT).exists()
    assert not OutboundMessage.objects.exists()


def test_her_direct_reply_to_our_public_answer_threads_and_is_answered_in_private(
    mastodon, settings
):
    case = _marie_posts(mastodon, settings)
    mastodon.default = Answer(200, (SAMPLES / "status_response.json").read_bytes())
    deliver_outbound(_answer(case, suggested_public_answer()).pk)
    direct = json.loads((SAMPLES / "direct.json").read_text())
    direct[0]["status"]["in_reply_to_id"] = OUR_STATUS  # she answers our public status, in DM
    mastodon.then(200, json.dumps(direct).encode())
    poll(base_url=settings.MASTODON_BASE_URL, token=settings.MASTODON_ACCESS_TOKEN)
    inbound = InboundMessage.objects.get(external_id__endswith="113049765432100000")
    process_inbound(inbound.pk)
    inbound.refresh_from_db()
    assert (inbound.case, inbound.route, inbound.is_public) == (case, "reply", False)
    assert inbound.personal_data == []  # private: her line number is where it should be
    mastodon.received.clear()
    mastodon.default = Answer(200, json.dumps({"id": "113049900000000007"}).encode())
    body = "Merci, votre ligne FTTH00001234 est en dérangement, technicien jeudi."
    outbound = _answer(case, body)  # personal data is fine in private
    assert outbound.is_public is False
    assert deliver_outbound(outbound.pk) == OutboundMessage.State.SENT
    assert mastodon.received[0].json == {
        "status": f"{MARIE} {body}\n\n{_footer(case)}",
        "visibility": "direct",
        "language": "fr",
        "in_reply_to_id": "113049765432100000",
    }


def test_a_customer_with_a_handle_who_never_wrote_gets_a_direct_message(mastodon, settings):
    customer = CustomerFactory()
    ContactPoint.objects.create(customer=customer, kind="social", value=MARIE)
    case = make_case(customer=customer)
    outbound = _answer(case, "Bonjour, votre technicien passe jeudi.")
    assert (outbound.recipient, outbound.is_public, outbound.in_reply_to) == (MARIE, False, "")
    deliver_outbound(outbound.pk)
    assert mastodon.received[0].json["visibility"] == "direct"
    assert "in_reply_to_id" not in mastodon.received[0].json


def test_a_customer_without_any_social_conversation_or_handle_cannot_be_answered_there():
    case = make_case(customer=CustomerFactory())
    ContactPoint.objects.create(customer=case.customer, kind="social", value="@sanshote")
    with pytest.raises(CaseError, match="Mastodon"):
        _answer(case, "Bonjour")
    assert not OutboundMessage.objects.exists()


def test_an_answer_longer_than_the_instance_allows_is_refused(mastodon, settings):
    case = _marie_posts(mastodon, settings)
    with pytest.raises(CaseError, match="500"):
        _answer(case, "Bonjour. " * 60)


@pytest.mark.parametrize(
    "answer",
    [
        Answer(500, b'{"error": "Internal server error"}'),
        Answer(503, b""),
        Answer(429, (SAMPLES / "error_rate_limit.json").read_bytes()),
        Answer(200, b'{"no": "id"}'),
        Answer(200, (SAMPLES / "status_response.json").read_bytes(), delay=1.5),  # our timeout
    ],
)
def test_transient_failures_are_retried_with_the_same_idempotency_key(mastodon, settings, answer):
    case = _marie_posts(mastodon, settings)
    mastodon.default = Answer(200, (SAMPLES / "status_response.json").read_bytes())
    outbound = _answer(case, suggested_public_answer())
    mastodon.answers.append(answer)
    assert deliver_outbound(outbound.pk) == OutboundMessage.State.PENDING
    OutboundMessage.objects.filter(pk=outbound.pk).update(next_attempt_at=timezone.now())
    assert deliver_outbound(outbound.pk) == OutboundMessage.State.SENT
    keys = {r.headers["Idempotency-Key"] for r in mastodon.received}
    assert keys == {f"filrouge-{outbound.pk}"}


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (Answer(422, (SAMPLES / "error_validation.json").read_bytes()), "character limit"),
        (Answer(401, (SAMPLES / "error_unauthorized.json").read_bytes()), "access token"),
        (Answer(404, b'{"error": "Record not found"}'), "Record not found"),
    ],
)
def test_refusals_are_dead_letters_at_once_with_the_instances_reason(
    mastodon, settings, answer, reason
):
    case = _marie_posts(mastodon, settings)
    outbound = _answer(case, suggested_public_answer())
    mastodon.answers.append(answer)
    assert deliver_outbound(outbound.pk) == OutboundMessage.State.DEAD
    outbound.refresh_from_db()
    assert reason in outbound.last_error


def test_without_credentials_the_answer_is_a_dead_letter_not_a_crash(mastodon, settings):
    case = _marie_posts(mastodon, settings)
    outbound = _answer(case, suggested_public_answer())
    settings.MASTODON_ACCESS_TOKEN = ""
    assert deliver_outbound(outbound.pk) == OutboundMessage.State.DEAD
    assert not mastodon.received
