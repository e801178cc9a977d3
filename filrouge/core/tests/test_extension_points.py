"""The places where other apps plug in: case-opened hooks, filing hooks, page slots."""

import pytest
from django.test import Client
from django.utils import timezone

from filrouge.accounts.tests.factories import AgentFactory
from filrouge.cases import hooks
from filrouge.cases.tests.factories import make_case
from filrouge.channels import filing
from filrouge.channels.message import Message, Sender
from filrouge.channels.models import InboundMessage
from filrouge.channels.services import _land
from filrouge.core import slots
from filrouge.portal.links import tracking_path

pytestmark = pytest.mark.django_db


@pytest.fixture
def restore(monkeypatch):
    monkeypatch.setattr(hooks, "_on_opened", list(hooks._on_opened))
    monkeypatch.setattr(filing, "_hooks", list(filing._hooks))
    monkeypatch.setattr(slots, "_slots", {k: list(v) for k, v in slots._slots.items()})


def test_a_case_opened_hook_sees_every_new_case_once(restore):
    seen = []
    hooks.on_case_opened(seen.extend)
    hooks.on_case_opened(seen.extend)  # registering twice does not call twice

    case = make_case()

    assert seen == [case]


def test_a_hook_that_raises_rolls_the_opening_back(restore):
    from filrouge.cases.models import Case

    def refuse(cases):
        raise RuntimeError("no")

    hooks.on_case_opened(refuse)
    with pytest.raises(RuntimeError):
        make_case()
    assert not Case.objects.exists()


def test_a_filing_hook_gets_the_message_its_case_and_whether_the_case_is_new(restore):
    seen: list[filing.Filed] = []
    filing.register(seen.extend)
    message = Message(
        channel="sms",
        external_id="sms-1",
        sender=Sender(phone="+33612345678"),
        received_at=timezone.now(),
        text="Plus d'internet depuis ce matin",
    )
    inbound = InboundMessage.objects.create(
        channel="sms", external_id="sms-1", payload=b"{}", received_at=message.received_at
    )

    _land(inbound, message)

    (item,) = seen
    assert item.new_case is True
    assert item.text == "Plus d'internet depuis ce matin"
    assert item.channel == "sms"
    assert item.case.pk == inbound.case_id
    assert item.event.data["body"] == "Plus d'internet depuis ce matin"


def test_a_slot_shows_an_app_panel_on_the_agent_and_tracking_pages(restore, settings, tmp_path):
    (tmp_path / "panel.html").write_text("<p class='panel'>Panneau {{ ref }}</p>")
    engine = {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], tmp_path]}
    settings.TEMPLATES = [engine, *settings.TEMPLATES[1:]]  # assigned: the engines reload
    slots.fill("case.banner", "panel.html", lambda case: {"ref": case.reference})
    slots.fill("track.cards", "panel.html", lambda case: {"ref": case.reference})
    slots.fill("case.side", "panel.html", lambda case: None)  # None: nothing shown
    agent = AgentFactory()
    case = make_case(owner=agent)
    client = Client()
    client.force_login(agent)

    agent_html = client.get(f"/agent/dossiers/{case.reference}/").content.decode()
    track_html = Client().get(tracking_path(case)).content.decode()

    assert agent_html.count(f"Panneau {case.reference}") == 1
    assert f"Panneau {case.reference}" in track_html
