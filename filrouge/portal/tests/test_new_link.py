"""Asking for the tracking link again: sent only to a contact point on file, through a real
SMTP server or the SMS provider's HTTP edge; the page says the same thing either way."""

import re
import socket
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.test import Client
from django_tasks_db.models import DBTaskResult

from filrouge.cases.models import Event
from filrouge.cases.tests.factories import make_case
from filrouge.channels.models import OutboundMessage
from filrouge.channels.sms.tests.fakehttp import Answer, FakeProvider
from filrouge.customers.tests.factories import EmailFactory, PhoneFactory
from filrouge.portal import limits

pytestmark = pytest.mark.django_db(transaction=True)
SMS_SAMPLES = Path(__file__).parents[2] / "channels" / "sms" / "tests" / "samples"
NEUTRAL = "Si cette référence et ce contact correspondent à notre dossier"


class Sink:
    def __init__(self) -> None:
        self.received: list = []

    async def handle_DATA(self, server, session, envelope):
        self.received.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp(settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    yield sink
    controller.stop()


@pytest.fixture
def vonage(settings):
    fake = FakeProvider(default=Answer(200, (SMS_SAMPLES / "send_response.json").read_bytes()))
    fake.start()
    settings.SMS_VONAGE_BASE_URL = fake.url
    settings.SMS_VONAGE_API_KEY, settings.SMS_VONAGE_API_SECRET = "k", "s"
    yield fake
    fake.stop()


def _run_tasks() -> None:
    for _ in range(2):  # the link task, then the delivery it queued
        call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


def _ask(reference: str, contact: str, client=None):
    return (client or Client()).post("/suivi/", {"reference": reference, "contact": contact})


def _without_csrf(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def test_a_matching_email_receives_the_link_over_smtp_and_the_link_opens(smtp):
    customer = EmailFactory(value="anne.martin@exemple.fr").customer
    case = make_case(customer=customer)

    response = _ask(case.reference.lower(), "  Anne.Martin@Exemple.fr ")
    _run_tasks()

    assert response.status_code == 200
    assert NEUTRAL in response.content.decode()
    assert "?t=" not in response.content.decode()  # the link is never shown
    (envelope,) = smtp.received
    assert envelope.rcpt_tos == ["anne.martin@exemple.fr"]
    mail = message_from_bytes(envelope.original_content, policy=policy.default)
    assert mail["Subject"] == f"[{case.reference}] Votre lien de suivi"
    link = re.search(r"http://127\.0\.0\.1:8000(/suivi/\S+\?t=[0-9a-f]{32})", mail.get_content())
    assert link is not None
    assert Client().get(link.group(1)).status_code == 200
    event = case.events.get(kind=Event.Kind.MESSAGE_OUT)
    assert (event.data["purpose"], event.delivery.state) == ("tracking_link", "sent")


def test_a_matching_mobile_receives_the_link_by_sms_through_the_provider(vonage):
    customer = PhoneFactory(value="+33612345678").customer
    case = make_case(customer=customer)

    _ask(case.reference, "06 12 34 56 78")
    _run_tasks()

    (request,) = vonage.received
    assert request.form["to"] == "33612345678"
    assert f"/suivi/{case.reference}/?t=" in request.form["text"]


def test_no_match_sends_nothing_and_the_page_says_exactly_the_same(smtp):
    customer = EmailFactory(value="anne.martin@exemple.fr").customer
    case = make_case(customer=customer)
    EmailFactory(value="quelquun@exemple.fr")  # on file, but another customer's

    answers = [
        _ask(case.reference, "anne.martin@exemple.fr"),
        _ask(case.reference, "quelquun@exemple.fr"),
        _ask(case.reference, "inconnu@exemple.fr"),
        _ask("FR-2099-000001", "anne.martin@exemple.fr"),
    ]
    _run_tasks()

    assert {a.status_code for a in answers} == {200}
    assert len({_without_csrf(a) for a in answers}) == 1
    assert [e.rcpt_tos for e in smtp.received] == [["anne.martin@exemple.fr"]]
    assert OutboundMessage.objects.count() == 1


def test_malformed_input_is_refused_in_french_and_nothing_is_queued():
    response = _ask("12345", "pas un contact")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Une référence de dossier ressemble à FR-2026-000123" in html
    assert "Saisissez un numéro de téléphone" in html
    assert not DBTaskResult.objects.exists()


def test_requests_for_one_reference_are_limited(smtp):
    case = make_case(customer=EmailFactory(value="anne@exemple.fr").customer)
    for n in range(limits.NEW_LINK.per_reference):
        client = Client(REMOTE_ADDR=f"192.0.2.{n + 1}")
        assert _ask(case.reference, "anne@exemple.fr", client=client).status_code == 200
    limited = _ask(case.reference, "anne@exemple.fr", client=Client(REMOTE_ADDR="192.0.2.99"))
    assert limited.status_code == 429
    assert "Trop de tentatives" in limited.content.decode()
    assert DBTaskResult.objects.count() == limits.NEW_LINK.per_reference


def test_the_form_page_posts_with_an_origin_browsers_send():
    response = Client().get("/suivi/")
    assert response.status_code == 200
    assert response["Referrer-Policy"] == "strict-origin"
    assert "Recevoir un nouveau lien" in response.content.decode()
