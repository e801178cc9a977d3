"""The resolution notice carries the survey link: a real e-mail read from a local SMTP
server, and the SMS text as the provider would receive it."""

import datetime as dt
from email import message_from_bytes, policy
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.urls import resolve

from filrouge.cases.models import Event, Status
from filrouge.cases.services import change_status
from filrouge.cases.tests.factories import make_case
from filrouge.cases.tokens import check_tracking_token
from filrouge.channels.sms.encoding import segments
from filrouge.channels.sms.transport import compose as sms_as_sent
from filrouge.customers.models import Channel
from filrouge.notifications import compose
from filrouge.notifications.tests.helpers import customer_with
from filrouge.surveys.models import SurveyAnswer
from filrouge.surveys.services import answer_survey
from filrouge.surveys.tests.helpers import team_with_lead

PARIS = ZoneInfo("Europe/Paris")
NOON = dt.datetime(2026, 3, 10, 12, 0, tzinfo=PARIS)


@pytest.fixture
def sink(mail_sink, settings):
    settings.FILROUGE_PUBLIC_URL = "https://suivi.operateur.example"
    return mail_sink.folder


def _work() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


def _resolved(customer):
    _team, _lead, owner = team_with_lead()

    case = change_status(make_case(customer=customer, owner=owner), to="inProgress", by=owner)
    return change_status(case, to=Status.RESOLVED, by=owner, reason="fixed")


@pytest.mark.django_db(transaction=True)  # the worker runs the committed tasks
def test_the_resolution_email_carries_a_working_survey_link(sink):
    customer = customer_with(email="lucie.martin@exemple.fr")
    with time_machine.travel(NOON, tick=False):
        case = _resolved(customer)
    with time_machine.travel(NOON + dt.timedelta(minutes=1, seconds=1), tick=False):
        _work()  # the notification, then its delivery
        _work()
    (kept,) = list(sink.glob("*.eml"))
    mail = message_from_bytes(kept.read_bytes(), policy=policy.default)
    assert mail["To"] == "lucie.martin@exemple.fr"
    body = mail.get_content().replace("\xa0", " ")
    assert "Statut : En cours → Résolu" in body
    assert "Votre dossier est résolu : donnez-nous votre avis en quatre questions :" in body
    survey = next(w for w in body.split() if "/avis/" in w)
    parts = urlsplit(survey)
    assert (parts.netloc, parts.path) == (
        "suivi.operateur.example",
        f"/suivi/{case.reference}/avis/",
    )
    assert resolve(parts.path).view_name == "surveys:answer"
    assert check_tracking_token(case, parse_qs(parts.query)["t"][0])
    page = Client().get(f"{parts.path}?{parts.query}")
    assert page.status_code == 200
    assert "Êtes-vous satisfait de la résolution de votre problème ?" in page.content.decode()


@pytest.mark.django_db
def test_no_survey_link_in_other_news_or_once_answered():
    customer = customer_with(email="lucie.martin@exemple.fr")
    case = _resolved(customer)
    resolved = case.events.filter(kind=Event.Kind.STATUS_CHANGED).last()
    opened = case.events.get(kind=Event.Kind.CASE_OPENED)
    _subject, body = compose.email(case, [opened], tracking="https://t", unsubscribe="")
    assert "/avis/" not in body
    _subject, body = compose.email(case, [resolved], tracking="https://t", unsubscribe="")
    assert "/avis/" in body
    answer_survey(case, csat=5, ces=7)
    assert SurveyAnswer.objects.filter(case=case).exists()
    _subject, body = compose.email(case, [resolved], tracking="https://t", unsubscribe="")
    assert "/avis/" not in body


@pytest.mark.django_db
def test_the_resolution_sms_carries_the_survey_link_in_two_parts(settings):
    settings.FILROUGE_PUBLIC_URL = "https://suivi.operateur.example"
    customer = customer_with(phone="+33612345678", preferred=Channel.SMS)
    case = _resolved(customer)
    resolved = case.events.filter(kind=Event.Kind.STATUS_CHANGED).last()
    tracking = f"https://suivi.operateur.example/suivi/{case.reference}/?t=abc"
    text = compose.sms(case, [resolved], tracking=tracking, unsubscribe="")
    assert f"/suivi/{case.reference}/avis/?t=" in text
    sent = sms_as_sent(case, Event(data={"body": text}))
    assert len(segments(sent)) <= compose.SMS_MAX_PARTS
