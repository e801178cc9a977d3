"""Answers by e-mail: recorded with their delivery, sent once, retried, then dead-lettered."""

import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from filrouge.accounts.tests.factories import AgentFactory
from filrouge.cases.models import Event
from filrouge.cases.services import CaseError
from filrouge.cases.tests.factories import make_case
from filrouge.channels import services
from filrouge.channels.message import DeliveryRefused
from filrouge.channels.models import InboundMessage, OutboundMessage
from filrouge.channels.services import (
    MAX_DELIVERY_ATTEMPTS,
    deliver_outbound,
    process_inbound,
    reply,
    retry_deliveries,
    store_inbound,
)
from filrouge.channels.tests.builders import raw_mail
from filrouge.customers.models import Channel
from filrouge.customers.tests.factories import CustomerFactory, EmailFactory

pytestmark = pytest.mark.django_db


def _case_from_mail():
    """A case opened by the customer's e-mail, as the SMTP listener would have filed it."""
    EmailFactory(value="anne@exemple.fr")
    raw = raw_mail(subject="Box en panne", message_id="<theirs-1@exemple.fr>", References="<x@y>")
    inbound, _ = store_inbound(channel="email", external_id="theirs-1@exemple.fr", payload=raw)
    process_inbound(inbound.pk)
    inbound.refresh_from_db()
    return inbound.case


def _failing(exc):
    prepare, _send = services.SENDERS[Channel.EMAIL]

    def send(outbound, event):
        raise exc

    return prepare, send


def test_a_reply_is_recorded_with_its_delivery_and_sent_threaded(
    django_capture_on_commit_callbacks,
):
    case = _case_from_mail()
    agent = AgentFactory(first_name="Léa", last_name="Martin")
    with django_capture_on_commit_callbacks() as callbacks:
        event = reply(case, by=agent, channel=Channel.EMAIL, body="Un technicien passe jeudi.")
    assert len(callbacks) == 1  # the delivery task, enqueued once committed
    outbound = event.delivery
    assert (outbound.recipient, outbound.in_reply_to) == ("anne@exemple.fr", "theirs-1@exemple.fr")
    assert outbound.references == "x@y theirs-1@exemple.fr"
    assert outbound.subject == f"[{case.reference}] Re: Box en panne"

    assert deliver_outbound(outbound.pk) == OutboundMessage.State.SENT
    (sent,) = mail.outbox
    message = sent.message()
    assert sent.to == ["anne@exemple.fr"]
    assert message["Message-ID"] == f"<{outbound.external_id}>"
    assert message["In-Reply-To"] == "<theirs-1@exemple.fr>"
    assert message["References"] == "<x@y> <theirs-1@exemple.fr>"
    assert "Un technicien passe jeudi." in sent.body
    assert case.reference in sent.body
    assert f"Léa — {agent.team.name}" in sent.body  # first name and team, never the surname
    assert "Martin" not in sent.body


def test_delivering_twice_sends_once():
    case = _case_from_mail()
    event = reply(case, by=AgentFactory(), channel=Channel.EMAIL, body="Réponse")
    deliver_outbound(event.delivery.pk)
    assert deliver_outbound(event.delivery.pk) == "skipped"
    assert len(mail.outbox) == 1


def test_a_reply_to_a_customer_without_email_is_refused_and_nothing_is_recorded():
    case = make_case(customer=CustomerFactory())
    with pytest.raises(CaseError):
        reply(case, by=AgentFactory(), channel=Channel.EMAIL, body="Bonjour")
    assert not case.events.filter(kind=Event.Kind.MESSAGE_OUT).exists()
    assert not OutboundMessage.objects.exists()


def test_a_reply_without_an_email_thread_goes_to_the_customers_address():
    customer = EmailFactory(value="paul@exemple.fr").customer
    case = make_case(customer=customer, subject="Facture de mars")
    outbound = reply(case, by=AgentFactory(), channel=Channel.EMAIL, body="Vu.").delivery
    assert (outbound.recipient, outbound.in_reply_to, outbound.references) == (
        "paul@exemple.fr",
        "",
        "",
    )
    assert outbound.subject == f"[{case.reference}] Facture de mars"


def test_a_reply_on_a_channel_without_a_sender_is_only_recorded():
    case = make_case(customer=CustomerFactory())
    event = reply(case, by=AgentFactory(), channel=Channel.PHONE, body="Rappelé au 06…")
    assert event.kind == Event.Kind.MESSAGE_OUT
    assert not OutboundMessage.objects.exists()


def test_a_failed_delivery_is_retried_later_with_back_off(monkeypatch):
    case = _case_from_mail()
    outbound = reply(case, by=AgentFactory(), channel=Channel.EMAIL, body="Réponse").delivery
    monkeypatch.setitem(
        services.SENDERS, Channel.EMAIL, _failing(smtplib.SMTPServerDisconnected("gone"))
    )
    before = timezone.now()
    assert deliver_outbound(outbound.pk) == OutboundMessage.State.PENDING
    outbound.refresh_from_db()
    assert outbound.attempts == 1
    assert outbound.next_attempt_at >= before + timedelta(minutes=1)
    assert "gone" in outbound.last_error
    assert deliver_outbound(outbound.pk) == "skipped"  # not due yet


def test_after_the_last_attempt_the_answer_is_a_dead_letter_and_can_be_revived(monkeypatch):
    case = _case_from_mail()
    outbound = reply(case, by=AgentFactory(), channel=Channel.EMAIL, body="Réponse").delivery
    monkeypatch.setitem(services.SENDERS, Channel.EMAIL, _failing(OSError("refused")))
    for _attempt in range(MAX_DELIVERY_ATTEMPTS):
        OutboundMessage.objects.filter(pk=outbound.pk).update(next_attempt_at=timezone.now())
        state = deliver_outbound(outbound.pk)
    assert state == OutboundMessage.State.DEAD
    monkeypatch.undo()
    assert retry_deliveries([outbound.pk]) == 1
    assert deliver_outbound(outbound.pk) == OutboundMessage.State.SENT


def test_a_permanent_refusal_is_dead_at_once(monkeypatch):
    case = _case_from_mail()
    outbound = reply(case, by=AgentFactory(), channel=Channel.EMAIL, body="Réponse").delivery
    monkeypatch.setitem(services.SENDERS, Channel.EMAIL, _failing(DeliveryRefused("550")))
    assert deliver_outbound(outbound.pk) == OutboundMessage.State.DEAD


def test_the_customers_answer_to_our_reply_threads_back_onto_the_case():
    case = _case_from_mail()
    outbound = reply(case, by=AgentFactory(), channel=Channel.EMAIL, body="Réponse").delivery
    answer = raw_mail(
        sender="Anne <anne.autre@exemple.fr>",  # even from another address
        subject="Re: réponse",
        In_Reply_To=f"<{outbound.external_id}>",
    )
    inbound, _ = store_inbound(channel="email", external_id="theirs-2@exemple.fr", payload=answer)
    process_inbound(inbound.pk)
    inbound.refresh_from_db()
    assert (inbound.case, inbound.route) == (case, "reply")
    assert InboundMessage.objects.filter(case=case).count() == 2
