"""What the customer receives: a real e-mail read from a local SMTP server, and the exact
requests Vonage (SMS) and Meta (WhatsApp) receive at their HTTP edge."""

import datetime as dt
from email import message_from_bytes, policy
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.urls import resolve

from filrouge.cases.tokens import check_tracking_token
from filrouge.channels.models import OutboundMessage
from filrouge.channels.services import deliver_outbound
from filrouge.channels.sms.encoding import segments
from filrouge.channels.sms.tests.fakehttp import Answer, FakeProvider
from filrouge.customers.models import Channel
from filrouge.notifications import links
from filrouge.notifications.models import Notification
from filrouge.notifications.services import send_notification
from filrouge.notifications.tests.helpers import case_for, customer_with, three_changes

PARIS = ZoneInfo("Europe/Paris")
NOON = dt.datetime(2026, 3, 10, 12, 0, tzinfo=PARIS)
CHANNEL_SAMPLES = Path(__file__).parents[2] / "channels"


@pytest.fixture
def sink(mail_sink, settings):
    settings.FILROUGE_PUBLIC_URL = "https://suivi.operateur.example"
    return mail_sink.folder


def _links(text: str) -> list[str]:
    return [word for word in text.split() if word.startswith("https://")]


def _work() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


@pytest.mark.django_db(transaction=True)  # the worker runs the committed tasks
def test_three_changes_arrive_as_one_french_email_with_a_working_tracking_link(sink):
    customer = customer_with(email="lucie.martin@exemple.fr")
    with time_machine.travel(NOON, tick=False):
        case, agent = case_for(customer)
        three_changes(case, agent)
        _work()  # not due yet: nothing is sent within the minute
    assert not list(sink.glob("*.eml"))
    with time_machine.travel(NOON + dt.timedelta(minutes=1, seconds=1), tick=False):
        _work()  # the notification, then its delivery
        _work()
    (kept,) = list(sink.glob("*.eml"))
    mail = message_from_bytes(kept.read_bytes(), policy=policy.default)
    assert mail["To"] == "lucie.martin@exemple.fr"
    assert mail["Subject"].strip() == (  # folded: a space before the encoded words
        f"[{case.reference}] Du nouveau sur votre dossier « Plus d'internet depuis lundi »"
    )
    body = mail.get_content().replace("\xa0", " ")  # French typography: no-break spaces
    assert body.startswith("Bonjour Lucie,")
    for said in (
        "Statut : Pris en compte → En cours",
        "Promesse : Rappel par un technicien",
        "Prochaine étape : Test de la ligne à distance",
    ):
        assert said in body
    tracking, unsubscribe = _links(body)
    parts = urlsplit(tracking)
    assert (parts.netloc, parts.path) == ("suivi.operateur.example", f"/suivi/{case.reference}/")
    assert check_tracking_token(case, parse_qs(parts.query)["t"][0])
    match = resolve(urlsplit(unsubscribe).path)
    assert match.view_name == "notifications:unsubscribe"
    assert links.customer_for(match.kwargs["token"]) == customer
    assert OutboundMessage.objects.get().state == OutboundMessage.State.SENT


@pytest.fixture
def vonage(settings):
    samples = CHANNEL_SAMPLES / "sms" / "tests" / "samples"
    fake = FakeProvider(default=Answer(200, (samples / "send_response.json").read_bytes()))
    fake.start()
    settings.SMS_VONAGE_BASE_URL = fake.url
    settings.SMS_VONAGE_API_KEY, settings.SMS_VONAGE_API_SECRET = "abcd1234", "api-s3cret"
    settings.SMS_VONAGE_FROM = "33644630000"
    settings.SMS_VONAGE_STATUS_URL = ""
    settings.FILROUGE_PUBLIC_URL = "https://suivi.operateur.example"
    yield fake
    fake.stop()


@pytest.mark.django_db
@time_machine.travel(NOON, tick=False)
def test_an_sms_notice_fits_two_gsm_parts_with_the_tracking_link(vonage):
    customer = customer_with(phone="+33612345678", preferred=Channel.SMS)
    case, agent = case_for(customer)
    three_changes(case, agent)
    notification = Notification.objects.get(case=case)
    with time_machine.travel(notification.due_at, tick=False):
        assert send_notification(notification.pk) == "sent"
        assert deliver_outbound(OutboundMessage.objects.get().pk) == "sent"
    (request,) = vonage.received
    form = request.form
    assert form["to"] == "33612345678"
    assert form["type"] == "text"  # GSM-7: 153 characters a part, not 67
    assert len(segments(form["text"])) <= 2
    text = form["text"]
    # The newest change first; the others are counted (the tracking page shows them all).
    assert text.startswith("Du nouveau : Prochaine étape : Test de la ligne à distance (et 3 ")
    assert text.endswith(f"Votre dossier : {case.reference}")
    tracking = next(link for link in _links(text) if "/suivi/" in link)
    assert check_tracking_token(case, parse_qs(urlsplit(tracking).query)["t"][0])
    assert "/notifications/desabonnement/" in text


@pytest.fixture
def meta(settings):
    samples = CHANNEL_SAMPLES / "whatsapp" / "tests" / "samples"
    fake = FakeProvider(default=Answer(200, (samples / "send_response.json").read_bytes()))
    fake.start()
    settings.WHATSAPP_GRAPH_BASE_URL = fake.url
    settings.WHATSAPP_GRAPH_VERSION = "v21.0"
    settings.WHATSAPP_PHONE_NUMBER_ID = "106540352242922"
    settings.WHATSAPP_ACCESS_TOKEN = "EAAG-test-token"
    settings.FILROUGE_PUBLIC_URL = "https://suivi.operateur.example"
    yield fake
    fake.stop()


@pytest.mark.django_db
@time_machine.travel(NOON, tick=False)
def test_a_whatsapp_notice_is_an_approved_template_with_the_tracking_link(meta):
    customer = customer_with(phone="+33612345678", preferred=Channel.WHATSAPP)
    case, _agent = case_for(customer)
    notification = Notification.objects.get(case=case)
    with time_machine.travel(notification.due_at, tick=False):
        send_notification(notification.pk)
        assert deliver_outbound(OutboundMessage.objects.get().pk) == "sent"
    (request,) = meta.received
    assert request.path == "/v21.0/106540352242922/messages"
    body = request.json
    assert (body["to"], body["type"]) == ("33612345678", "template")
    template = body["template"]
    assert (template["name"], template["language"]) == ("filrouge_case_news", {"code": "fr"})
    reference, update, tracking, unsubscribe = [
        p["text"] for p in template["components"][0]["parameters"]
    ]
    assert reference == case.reference
    assert update.startswith("Dossier ouvert par Téléphone")
    assert check_tracking_token(case, parse_qs(urlsplit(tracking).query)["t"][0])
    assert links.customer_for(resolve(urlsplit(unsubscribe).path).kwargs["token"]) == customer
