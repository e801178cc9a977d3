"""An unknown sender's weak signals: filed on their own file, suggested, asked about once."""

import pytest
from django.core import mail

from filrouge.accounts.tests.factories import AgentFactory
from filrouge.cases.models import Case, Event
from filrouge.cases.tests.factories import make_case
from filrouge.cases.timeline import describe
from filrouge.cases.tokens import make_tracking_token
from filrouge.channels.models import InboundMessage, OutboundMessage
from filrouge.channels.services import (
    IDENTITY_REQUEST,
    deliver_outbound,
    process_inbound,
    store_inbound,
)
from filrouge.channels.tests.builders import raw_mail
from filrouge.customers.merge import merge_prospect
from filrouge.customers.models import Channel, Customer
from filrouge.customers.tests.factories import CustomerFactory, EmailFactory, LineFactory

pytestmark = pytest.mark.django_db
SENDER = "Anne Lefevre <inconnue@exemple.fr>"


def _process(raw, external_id):
    inbound, _created = store_inbound(channel=Channel.EMAIL, external_id=external_id, payload=raw)
    process_inbound(inbound.pk)
    inbound.refresh_from_db()
    return inbound


def _questions(case):
    return case.events.filter(kind=Event.Kind.MESSAGE_OUT, data__auto=IDENTITY_REQUEST)


def test_a_guessed_reference_lands_on_the_prospects_case_suggests_and_asks_once(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    anne = EmailFactory(value="anne@exemple.fr").customer
    theirs = make_case(customer=anne, subject="Box en panne")
    first = _process(
        raw_mail(sender=SENDER, subject=f"Suite {theirs.reference}", message_id="<a1@exemple.fr>"),
        "a1@exemple.fr",
    )
    case = first.case
    assert case != theirs
    assert case.customer.is_prospect
    assert not theirs.events.filter(kind=Event.Kind.MESSAGE_IN).exists()  # Anne's untouched
    match = case.events.get(kind=Event.Kind.POSSIBLE_MATCH)
    assert match.visibility == Event.Visibility.INTERNAL
    assert (match.data["customer"], match.data["case"]) == (anne.pk, theirs.pk)
    assert theirs.reference in describe(match)
    (question,) = _questions(case)
    outbound = OutboundMessage.objects.get(event=question)
    assert outbound.recipient == "inconnue@exemple.fr"
    assert deliver_outbound(outbound.pk) == OutboundMessage.State.SENT
    (sent,) = mail.outbox
    assert "numéro de ligne" in sent.body
    assert "lien de suivi" in sent.body

    # The sender answers our question with another weak signal: no second question.
    line = LineFactory(customer=anne, number="FTTH00000042")
    second = _process(
        raw_mail(
            sender=SENDER,
            subject="Re: ma ligne",
            body="Ma ligne est FTTH00000042.",
            message_id="<a2@exemple.fr>",
            In_Reply_To=f"<{outbound.external_id}>",
        ),
        "a2@exemple.fr",
    )
    assert (second.case, second.route) == (case, "reply")
    assert _questions(case).count() == 1
    becauses = set(
        case.events.filter(kind=Event.Kind.POSSIBLE_MATCH).values_list("data__because", flat=True)
    )
    assert becauses == {"reference", "line"}
    assert line.customer == anne
    assert Case.objects.get(pk=theirs.pk).customer == anne  # nothing attached to Anne


def test_a_message_without_any_hint_asks_nothing():
    inbound = _process(raw_mail(sender="Zoé <zoe@exemple.fr>"), "z1@exemple.fr")
    assert not _questions(inbound.case).exists()
    assert not inbound.case.events.filter(kind=Event.Kind.POSSIBLE_MATCH).exists()


def test_a_valid_tracking_link_from_a_prospect_lands_on_the_case_and_suggests_the_merge():
    anne = EmailFactory(value="anne@exemple.fr").customer
    theirs = make_case(customer=anne, subject="Box en panne")
    first = _process(raw_mail(sender=SENDER, body="Bonjour"), "t1@exemple.fr")
    prospect_case = first.case
    link = f"https://filrouge.example/suivi/{theirs.reference}/?t={make_tracking_token(theirs)}"
    second = _process(raw_mail(sender=SENDER, body=f"Voici mon lien {link}"), "t2@exemple.fr")
    assert (second.case, second.route) == (theirs, "tracking_token")
    match = prospect_case.events.get(kind=Event.Kind.POSSIBLE_MATCH)
    assert (match.data["because"], match.data["customer"]) == ("tracking_token", anne.pk)
    assert not _questions(prospect_case).exists()  # proven: nothing to ask


def test_after_the_merge_the_next_message_from_that_sender_is_the_customers():
    anne = CustomerFactory(first_name="Anne", last_name="Martin")
    first = _process(raw_mail(sender=SENDER, subject="Facture"), "m1@exemple.fr")
    prospect = first.case.customer
    merge_prospect(prospect, into=anne, by=AgentFactory())
    second = _process(raw_mail(sender=SENDER, subject="Autre chose"), "m2@exemple.fr")
    assert second.customer_id == anne.pk
    assert second.case.customer == anne
    assert Customer.objects.filter(is_prospect=True, merged_into__isnull=True).count() == 0
    assert InboundMessage.objects.get(pk=first.pk).customer_id == anne.pk
