"""WhatsApp out through Meta's Graph API, against a local server speaking its format:
the 24-hour window, template notifications, the exact requests, retries and dead letters."""

import json
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.db import connections
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from filrouge.accounts.tests.factories import AgentFactory
from filrouge.cases.models import Case, Event
from filrouge.cases.services import CaseError
from filrouge.cases.tests.factories import make_case
from filrouge.channels.models import OutboundMessage
from filrouge.channels.services import (
    deliver_outbound,
    notify_template,
    process_inbound,
    record_delivery_status,
    reply,
    store_inbound,
)
from filrouge.channels.sms.tests.fakehttp import Answer, FakeProvider
from filrouge.channels.whatsapp.parse import read_webhook
from filrouge.customers.models import Channel
from filrouge.customers.tests.factories import CustomerFactory, PhoneFactory

pytestmark = pytest.mark.django_db
SAMPLES = Path(__file__).parent / "samples"
WAMID = "wamid.HBgLMzM2MTIzNDU2NzgVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA"


@pytest.fixture
def meta(settings):
    fake = FakeProvider(default=Answer(200, (SAMPLES / "send_response.json").read_bytes()))
    fake.start()
    settings.WHATSAPP_GRAPH_BASE_URL = fake.url
    settings.WHATSAPP_GRAPH_VERSION = "v21.0"
    settings.WHATSAPP_PHONE_NUMBER_ID = "106540352242922"
    settings.WHATSAPP_ACCESS_TOKEN = "EAAG-test-token"
    settings.CHANNELS_HTTP_TIMEOUT = 0.5
    yield fake
    fake.stop()


def _customer_writes() -> Case:
    """Marie writes on WhatsApp: her case, with the 24-hour window open."""
    PhoneFactory(value="+33612345678")
    ((wamid, payload),) = read_webhook((SAMPLES / "text.json").read_bytes()).messages
    inbound, _created = store_inbound(channel=Channel.WHATSAPP, external_id=wamid, payload=payload)
    process_inbound(inbound.pk)
    return Case.objects.get()


def _footer(case) -> str:
    with translation.override("fr"):
        return _("Your case: %(reference)s") % {"reference": case.reference}


def test_an_answer_in_the_window_is_posted_to_the_graph_api_exactly_as_documented(meta):
    case = _customer_writes()
    outbound = reply(case, by=AgentFactory(), channel=Channel.WHATSAPP, body="On regarde.").delivery
    assert deliver_outbound(outbound.pk) == OutboundMessage.State.SENT
    (request,) = meta.received
    assert (request.method, request.path) == ("POST", "/v21.0/106540352242922/messages")
    assert request.headers["Authorization"] == "Bearer EAAG-test-token"
    assert request.headers["Content-Type"] == "application/json"
    assert request.json == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "33612345678",
        "biz_opaque_callback_data": f"filrouge-{outbound.pk}",
        "type": "text",
        "text": {"preview_url": False, "body": f"On regarde.\n\n{_footer(case)}"},
    }
    outbound.refresh_from_db()
    assert outbound.external_id == WAMID  # statuses and the customer's replies name it


def test_after_24_hours_of_silence_a_free_answer_is_refused_with_a_template_suggested(meta):
    case = _customer_writes()
    with (
        time_machine.travel(timezone.now() + timedelta(hours=24, minutes=1)),
        pytest.raises(CaseError, match="24"),
    ):
        reply(case, by=AgentFactory(), channel=Channel.WHATSAPP, body="Des nouvelles ?")
    assert not OutboundMessage.objects.exists()
    assert not case.events.filter(kind=Event.Kind.MESSAGE_OUT).exists()


def test_a_customer_who_never_wrote_on_whatsapp_cannot_get_a_free_answer():
    case = make_case(customer=PhoneFactory(value="+33612345678").customer)
    with pytest.raises(CaseError, match="24"):
        reply(case, by=AgentFactory(), channel=Channel.WHATSAPP, body="Bonjour")


def test_a_template_starts_the_conversation_and_is_on_the_timeline(meta):
    meta.then(200, SAMPLES / "send_template_response.json")
    customer = PhoneFactory(value="+33612345678").customer
    case = make_case(customer=customer, subject="Plus de fibre")
    event = notify_template(
        customer,
        template="appointment_reminder",
        params={"date": "jeudi 5 mars", "slot": "8h et 13h", "reference": case.reference},
        case=case,
    )
    assert (event.case, event.kind, event.channel) == (case, Event.Kind.MESSAGE_OUT, "whatsapp")
    assert event.data["template"] == "appointment_reminder"
    assert "jeudi 5 mars" in event.data["body"]
    outbound = event.delivery
    assert deliver_outbound(outbound.pk) == OutboundMessage.State.SENT
    (request,) = meta.received
    assert request.json == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "33612345678",
        "biz_opaque_callback_data": f"filrouge-{outbound.pk}",
        "type": "template",
        "template": {
            "name": "filrouge_appointment_reminder",
            "language": {"code": "fr"},
            "components": [
                {
                    "type": "body",
                    "parameters": [
                        {"type": "text", "text": "jeudi 5 mars"},
                        {"type": "text", "text": "8h et 13h"},
                        {"type": "text", "text": case.reference},
                    ],
                }
            ],
        },
    }


def test_an_incident_notice_reaches_a_customer_without_any_case(meta):
    customer = PhoneFactory(value="+33612345678").customer
    event = notify_template(
        customer,
        template="incident_notice",
        params={
            "area": "Lyon 3e",
            "summary": "coupure fibre sur le câble de la rue Paul Bert",
            "tracking_url": "https://exemple.fr/etat-du-reseau/",
        },
    )
    assert (event.case, event.customer) == (None, customer)
    assert deliver_outbound(event.delivery.pk) == OutboundMessage.State.SENT
    assert meta.received[0].json["template"]["name"] == "filrouge_incident_notice"


@pytest.mark.parametrize(
    ("template", "params", "reason"),
    [
        ("no_such_template", {}, "no_such_template"),
        ("case_update", {"reference": "FR-2026-000001"}, "update"),
        ("case_update", {"reference": "x", "update": "y", "extra": "z"}, "extra"),
        ("case_update", {"reference": "x", "update": "two\nlines"}, "update"),
    ],
)
def test_a_template_with_wrong_parameters_is_refused_and_nothing_recorded(template, params, reason):
    customer = PhoneFactory(value="+33612345678").customer
    with pytest.raises(CaseError, match=reason):
        notify_template(customer, template=template, params=params)
    assert not Event.objects.filter(kind=Event.Kind.MESSAGE_OUT).exists()
    assert not OutboundMessage.objects.exists()


def test_a_template_to_a_customer_without_a_mobile_is_refused():
    with pytest.raises(CaseError, match="mobile"):
        notify_template(
            CustomerFactory(), template="case_update", params={"reference": "x", "update": "y"}
        )


@pytest.mark.parametrize(
    "answer",
    [
        Answer(500, b'{"error": {"message": "An unknown error occurred", "code": 1}}'),
        Answer(503, b""),
        Answer(429, (SAMPLES / "error_rate_limit.json").read_bytes()),
        Answer(400, (SAMPLES / "error_rate_limit.json").read_bytes()),  # code 130429
        Answer(200, b'{"messaging_product": "whatsapp"}'),  # no message id: unknown outcome
        Answer(200, (SAMPLES / "send_response.json").read_bytes(), delay=1.5),  # our timeout
    ],
)
def test_transient_failures_are_retried_later(meta, answer):
    case = _customer_writes()
    outbound = reply(case, by=AgentFactory(), channel=Channel.WHATSAPP, body="Ok").delivery
    meta.answers.append(answer)
    assert deliver_outbound(outbound.pk) == OutboundMessage.State.PENDING
    OutboundMessage.objects.filter(pk=outbound.pk).update(next_attempt_at=timezone.now())
    assert deliver_outbound(outbound.pk) == OutboundMessage.State.SENT


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (Answer(400, (SAMPLES / "error_not_allowed.json").read_bytes()), "131030"),
        (
            Answer(
                400, json.dumps({"error": {"message": "Re-engagement", "code": 131047}}).encode()
            ),
            "template",
        ),
        (Answer(401, b'{"error": {"message": "Invalid OAuth access token", "code": 190}}'), "190"),
    ],
)
def test_refusals_are_dead_letters_at_once_with_metas_reason(meta, answer, error):
    case = _customer_writes()
    outbound = reply(case, by=AgentFactory(), channel=Channel.WHATSAPP, body="Ok").delivery
    meta.answers.append(answer)
    assert deliver_outbound(outbound.pk) == OutboundMessage.State.DEAD
    outbound.refresh_from_db()
    assert error in outbound.last_error


@pytest.mark.django_db(transaction=True)
def test_a_status_reported_while_we_send_is_not_undone_by_our_own_record(meta):
    """Meta may report "delivered" (to another web worker) before our worker has recorded
    the send: the report stays, and the wamid is recorded either way."""
    case = _customer_writes()
    outbound = reply(case, by=AgentFactory(), channel=Channel.WHATSAPP, body="Ok").delivery

    def meanwhile(request):
        try:
            record_delivery_status(
                Channel.WHATSAPP, provider_id=WAMID, key=outbound.provider_key, state="delivered"
            )
        finally:
            connections.close_all()

    meta.on_request = meanwhile
    assert deliver_outbound(outbound.pk) == OutboundMessage.State.SENT
    outbound.refresh_from_db()
    assert (outbound.state, outbound.external_id) == (OutboundMessage.State.DELIVERED, WAMID)
