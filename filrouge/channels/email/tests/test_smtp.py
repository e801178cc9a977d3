"""The real protocol: mail sent with smtplib to our aiosmtpd listener, and our answers
read from a local aiosmtpd sink through Django's SMTP backend.
"""

import smtplib
import socket
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command

from filrouge.accounts.tests.factories import AgentFactory
from filrouge.cases.models import Event
from filrouge.channels.email.smtpd import make_controller
from filrouge.channels.models import InboundMessage, OutboundMessage
from filrouge.channels.services import reply
from filrouge.channels.tests.builders import raw_mail
from filrouge.customers.models import Channel
from filrouge.customers.tests.factories import EmailFactory

pytestmark = pytest.mark.django_db(transaction=True)
CARE = "service-client@filrouge.example"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _listen(handler_or_none=None, **options) -> Controller:
    port = _free_port()
    if handler_or_none is None:
        controller = make_controller("127.0.0.1", port, **options)
    else:
        controller = Controller(handler_or_none, hostname="127.0.0.1", port=port)
    controller.start()
    return controller


class Sink:
    """A mail server that keeps what it is given, or refuses every recipient."""

    def __init__(self, refuse: bool = False) -> None:
        self.received: list = []
        self.refuse = refuse

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse:
            return "550 5.1.1 User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received.append(envelope)
        return "250 OK"


def _run_tasks() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


@pytest.fixture
def listener():
    controller = _listen()
    yield controller
    controller.stop()


def _send(controller: Controller, raw: bytes, sender="marie.dupont@exemple.fr"):
    with smtplib.SMTP(controller.hostname, controller.port, timeout=10) as client:
        return client.sendmail(sender, [CARE], raw)


def test_mail_sent_over_smtp_is_stored_at_once_and_filed_on_the_customers_case(listener):
    customer = EmailFactory(value="marie.dupont@exemple.fr").customer
    raw = raw_mail(
        sender="Marie Dupont <Marie.Dupont@exemple.fr>",
        subject="Plus de fibre depuis lundi",
        body="Le voyant de la box clignote en rouge.",
        message_id="<smtp-1@exemple.fr>",
    )
    assert _send(listener, raw) == {}
    inbound = InboundMessage.objects.get()  # committed before the 250 came back
    assert (inbound.external_id, inbound.state) == ("smtp-1@exemple.fr", "received")
    stored = bytes(inbound.payload)  # as received, after a Return-Path trace header
    assert stored.startswith(b"Return-Path: <marie.dupont@exemple.fr>\n")
    assert raw.rstrip() in stored

    _run_tasks()
    inbound.refresh_from_db()
    assert inbound.state == InboundMessage.State.PROCESSED
    assert inbound.case.customer == customer
    assert inbound.case.subject == "Plus de fibre depuis lundi"
    message = inbound.case.events.get(kind=Event.Kind.MESSAGE_IN)
    assert message.data["body"] == "Le voyant de la box clignote en rouge."


def test_the_same_mail_relayed_twice_is_one_message(listener):
    raw = raw_mail(message_id="<smtp-dup@exemple.fr>")
    _send(listener, raw)
    _send(listener, raw)
    _run_tasks()
    assert InboundMessage.objects.count() == 1
    assert Event.objects.filter(kind=Event.Kind.MESSAGE_IN).count() == 1


def test_an_oversized_mail_is_refused_with_552_and_not_stored():
    controller = _listen(max_size=2000)
    try:
        # Refused at MAIL FROM (SIZE=) or at the end of DATA, whichever the client meets.
        with pytest.raises(smtplib.SMTPResponseException) as refused:
            _send(controller, raw_mail(body="x" * 5000))
    finally:
        controller.stop()
    assert refused.value.smtp_code == 552
    assert not InboundMessage.objects.exists()


def test_a_mail_without_a_sender_is_refused_with_a_reason(listener):
    with pytest.raises(smtplib.SMTPDataError) as refused:
        _send(listener, b"Subject: anonyme\r\n\r\nqui suis-je ?\r\n")
    assert refused.value.smtp_code == 550
    assert b"From" in refused.value.smtp_error
    assert not InboundMessage.objects.exists()


def test_a_bounce_over_smtp_is_ignored(listener):
    raw = raw_mail(sender="MAILER-DAEMON@mx.exemple.fr", subject="Undelivered Mail")
    with smtplib.SMTP(listener.hostname, listener.port, timeout=10) as client:
        client.sendmail("", [CARE], raw)  # the null sender of delivery reports
    _run_tasks()
    inbound = InboundMessage.objects.get()
    assert (inbound.state, inbound.reason) == (InboundMessage.State.IGNORED, "bounce")


def test_an_answer_reaches_the_customer_threaded_through_a_real_smtp_server(listener, settings):
    sink = Sink()
    server = _listen(sink)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = server.hostname, server.port
    try:
        EmailFactory(value="marie.dupont@exemple.fr")
        first = raw_mail(
            sender="Marie Dupont <marie.dupont@exemple.fr>",
            subject="Box en panne",
            message_id="<smtp-q@exemple.fr>",
            References="<older@x.fr>",
        )
        _send(listener, first)
        _run_tasks()
        case = InboundMessage.objects.get().case
        reply(case, by=AgentFactory(), channel=Channel.EMAIL, body="Un technicien passe jeudi.")
        _run_tasks()
    finally:
        server.stop()

    outbound = OutboundMessage.objects.get()
    assert outbound.state == OutboundMessage.State.SENT
    (envelope,) = sink.received
    assert envelope.rcpt_tos == ["marie.dupont@exemple.fr"]
    sent = message_from_bytes(envelope.original_content, policy=policy.default)
    assert sent["To"] == "marie.dupont@exemple.fr"
    assert sent["Subject"] == f"[{case.reference}] Re: Box en panne"
    assert sent["Message-ID"] == f"<{outbound.external_id}>"
    assert sent["In-Reply-To"] == "<smtp-q@exemple.fr>"
    assert sent["References"] == "<older@x.fr> <smtp-q@exemple.fr>"
    assert "Un technicien passe jeudi." in sent.get_content()

    # The customer answers our mail: it threads back onto the same case.
    answer = raw_mail(subject="Re: ok", In_Reply_To=sent["Message-ID"])
    _send(listener, answer)
    _run_tasks()
    assert InboundMessage.objects.filter(case=case).count() == 2


def test_a_recipient_refused_by_the_server_is_a_dead_letter_at_once(settings):
    server = _listen(Sink(refuse=True))
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = server.hostname, server.port
    try:
        customer = EmailFactory(value="ancien@exemple.fr").customer
        from filrouge.cases.tests.factories import make_case

        case = make_case(customer=customer)
        reply(case, by=AgentFactory(), channel=Channel.EMAIL, body="Bonjour")
        _run_tasks()
    finally:
        server.stop()
    outbound = OutboundMessage.objects.get()
    assert (outbound.state, outbound.attempts) == (OutboundMessage.State.DEAD, 1)
    assert "550" in outbound.last_error
