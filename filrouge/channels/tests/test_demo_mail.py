"""What a new user tries after `make run`: a customer's real mail to the SMTP listener
(`replay_samples email`), filed on their case; the advisor's answer kept by `mailsink`."""

import io
import smtplib
from email import message_from_bytes, policy

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from filrouge.accounts.tests.factories import AgentFactory
from filrouge.cases.models import Event
from filrouge.cases.tests.factories import make_case
from filrouge.channels.email.smtpd import make_controller
from filrouge.channels.models import InboundMessage
from filrouge.channels.services import reply
from filrouge.customers.models import Channel
from filrouge.customers.tests.factories import EmailFactory
from filrouge.portal.links import tracking_url
from filrouge.testing import free_port

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def listener():
    controller = make_controller("127.0.0.1", free_port())
    controller.start()
    yield controller
    controller.stop()


@pytest.fixture
def sink(mail_sink):
    return mail_sink.folder, mail_sink.lines


def test_the_sample_mail_lands_on_the_case_and_the_answer_arrives_threaded_in_the_sink(
    listener, sink
):
    customer = EmailFactory(value="lucie.martin@exemple.fr").customer
    case = make_case(customer=customer, subject="Box qui redémarre")
    out = io.StringIO()
    call_command("replay_samples", "email", smtp=f"127.0.0.1:{listener.port}", stdout=out)
    assert case.reference in out.getvalue()
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    inbound = InboundMessage.objects.get(channel=Channel.EMAIL)
    assert (inbound.state, inbound.case_id) == (InboundMessage.State.PROCESSED, case.pk)
    [message] = case.events.filter(kind=Event.Kind.MESSAGE_IN)
    assert "Toujours rien" in message.data["body"]

    advisor = AgentFactory(first_name="Awa", last_name="Diallo")
    reply(case, body="Un technicien passe jeudi.", channel=Channel.EMAIL, by=advisor)
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    folder, lines = sink
    [kept] = list(folder.glob("*.eml"))
    answer = message_from_bytes(kept.read_bytes(), policy=policy.default)
    assert answer["To"] == "lucie.martin@exemple.fr"
    assert answer["In-Reply-To"] == f"<{inbound.external_id}>"
    assert case.reference in answer["Subject"]
    assert f"In-Reply-To: <{inbound.external_id}>" in lines[0]
    text = answer.get_content()
    assert f"Awa — {advisor.team.name}" in text
    assert "Diallo" not in text  # customers never read an advisor's surname
    assert tracking_url(case) in text


def test_the_sample_mail_needs_a_customer_with_an_open_case(listener):
    with pytest.raises(CommandError, match="open case"):
        call_command("replay_samples", "email", smtp=f"127.0.0.1:{listener.port}")


def test_the_sample_mail_says_when_the_listener_is_not_running():
    EmailFactory(value="lucie.martin@exemple.fr")
    make_case(customer=EmailFactory(value="paul@exemple.fr").customer)
    with pytest.raises(CommandError, match="smtpd"):
        call_command("replay_samples", "email", smtp=f"127.0.0.1:{free_port()}")


def test_the_sink_keeps_each_mail_as_received(sink, settings):
    folder, lines = sink
    raw = b"From: a@exemple.fr\r\nTo: b@exemple.fr\r\nSubject: Essai\r\n\r\nCorps\r\n"
    with smtplib.SMTP("127.0.0.1", settings.EMAIL_PORT, timeout=10) as client:
        client.sendmail("a@exemple.fr", ["b@exemple.fr"], raw)
    [kept] = list(folder.glob("*.eml"))
    assert kept.read_bytes() == raw
    assert "Subject: Essai" in lines[0]
