"""The supervision page: leads see failed messages and dead letters and try them again."""

import pytest
from django.urls import reverse

from filrouge.accounts.models import Agent
from filrouge.accounts.tests.factories import AgentFactory
from filrouge.cases.tests.factories import make_case
from filrouge.channels.models import InboundMessage, OutboundMessage
from filrouge.core.clock import now

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead_client(client):
    client.force_login(AgentFactory(role=Agent.Role.LEAD))
    return client


def _failed(sender="+33611111111"):
    return InboundMessage.objects.create(
        channel="sms",
        external_id=f"failed-{sender}",
        payload=b"{}",
        received_at=now(),
        state=InboundMessage.State.FAILED,
        reason="unparsable",
        last_error="Le champ « text » manque.",
        attempts=1,
        sender=sender,
    )


def _dead():
    case = make_case()
    return OutboundMessage.objects.create(
        event=case.events.first(),
        case=case,
        channel="email",
        recipient="anne@exemple.fr",
        external_id="dead-0001@filrouge.example",
        created_at=now(),
        state=OutboundMessage.State.DEAD,
        attempts=8,
        last_error="SMTP 451 try again later",
    )


def test_an_advisor_cannot_open_the_supervision_page(logged_in):
    assert logged_in.get(reverse("agent:supervision")).status_code == 403
    assert logged_in.post(reverse("agent:retry_inbound"), {"ids": [1]}).status_code == 403


def test_a_lead_sees_the_backlog_failed_messages_and_dead_letters(lead_client):
    failed, dead = _failed(), _dead()
    InboundMessage.objects.create(
        channel="sms", external_id="w1", payload=b"{}", received_at=now(), sender="+33622222222"
    )
    page = lead_client.get(reverse("agent:supervision"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Supervision des canaux" in html
    assert failed.sender in html
    assert "unparsable" in html
    assert "manque" in html
    assert dead.case.reference in html
    assert "SMTP 451" in html
    assert page.context["backlog"]["inbound_waiting"] == 1
    assert page.context["backlog"]["inbound_failed"] == 1
    assert page.context["backlog"]["outbound_dead"] == 1
    assert b"payload" not in page.content


def test_a_lead_sends_a_dead_letter_again(lead_client):
    dead = _dead()
    page = lead_client.post(reverse("agent:retry_outbound"), {"ids": [dead.pk]}, follow=True)
    dead.refresh_from_db()
    assert dead.state == OutboundMessage.State.PENDING
    assert dead.attempts == 0
    assert "1 réponse remise en envoi" in page.content.decode()


def test_a_lead_processes_a_failed_message_again(lead_client, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    failed = _failed()
    page = lead_client.post(reverse("agent:retry_inbound"), {"ids": [failed.pk]}, follow=True)
    failed.refresh_from_db()
    # Processed again for real: still unparsable ("{}" has no SMS fields), counted once more.
    assert failed.attempts == 2
    assert "1 message remis en traitement" in page.content.decode()


def test_retrying_with_nothing_ticked_says_so_and_changes_nothing(lead_client):
    dead = _dead()
    page = lead_client.post(reverse("agent:retry_outbound"), {}, follow=True)
    dead.refresh_from_db()
    assert dead.state == OutboundMessage.State.DEAD
    assert "Cochez au moins un message" in page.content.decode()
