"""Story E5 on the case: a public post's personal data flagged by kind, a warning on the
timeline with the suggested public answer, which never repeats the data."""

import json
from pathlib import Path

import pytest
from django.utils import translation

from filrouge.accounts.tests.factories import AgentFactory
from filrouge.cases import timeline
from filrouge.channels.models import InboundMessage
from filrouge.channels.services import process_inbound, store_inbound
from filrouge.channels.social import privacy
from filrouge.channels.social.flags import PERSONAL_DATA_EXPOSED, suggested_public_answer
from filrouge.channels.x.parse import read_webhook

pytestmark = pytest.mark.django_db
X_SAMPLES = Path(__file__).parents[2] / "x" / "tests" / "samples"


def _lands(sample: str, **changes) -> InboundMessage:
    data = json.loads((X_SAMPLES / sample).read_text())
    if changes:
        data["tweet_create_events"][0].update(changes)
    ((external_id, payload),) = read_webhook(json.dumps(data).encode())
    inbound, _new = store_inbound(channel="social", external_id=external_id, payload=payload)
    process_inbound(inbound.pk)
    inbound.refresh_from_db()
    return inbound


def test_the_warning_names_the_kinds_and_suggests_an_answer_that_repeats_nothing():
    inbound = _lands("mention.json")
    event = inbound.case.events.get(kind=PERSONAL_DATA_EXPOSED)
    assert event.data == {
        "kinds": ["phone", "address", "contract"],
        "network": "x",
        "inbound": inbound.external_id,
        "account": "1556283749",
    }
    with translation.override("en"):
        text = timeline.describe(event)
    assert "phone number, postal address, contract or line number" in text
    assert "https://x.com/messages/compose?recipient_id=1556283749" in text
    for value in ("06 12 34 56 78", "Paul Bert", "69003", "FTTH00001234"):
        assert value not in text


def test_the_suggested_answer_is_in_the_customers_language_whoever_reads_it(settings):
    settings.LANGUAGE_CODE = "fr"
    with translation.override("en"):
        answer = suggested_public_answer()
    with translation.override("fr"):
        assert answer == suggested_public_answer()
    assert privacy.kinds(answer) == []


def test_a_public_post_without_personal_data_is_not_flagged():
    inbound = _lands("mention.json", text="@FilRougeTelecom toujours pas de fibre à Lyon !")
    assert (inbound.is_public, inbound.personal_data) == (True, [])
    assert not inbound.case.events.filter(kind=PERSONAL_DATA_EXPOSED).exists()


def test_a_private_message_is_never_flagged_even_with_personal_data():
    data = json.loads((X_SAMPLES / "dm.json").read_text())
    message = data["direct_message_events"][0]["message_create"]["message_data"]
    message["text"], message["entities"] = "Mon numéro : 06 12 34 56 78", {}
    ((external_id, payload),) = read_webhook(json.dumps(data).encode())
    inbound, _new = store_inbound(channel="social", external_id=external_id, payload=payload)
    process_inbound(inbound.pk)
    inbound.refresh_from_db()
    assert (inbound.is_public, inbound.personal_data) == (False, [])
    assert not inbound.case.events.filter(kind=PERSONAL_DATA_EXPOSED).exists()


def test_the_warning_is_internal_and_shown_on_the_agents_timeline(client):
    inbound = _lands("mention.json")
    client.force_login(AgentFactory())
    event = inbound.case.events.get(kind=PERSONAL_DATA_EXPOSED)
    assert event.visibility == "internal"
    page = client.get(f"/agent/dossiers/{inbound.case.reference}/")
    assert page.status_code == 200
    assert "recipient_id=1556283749" in page.content.decode()


def test_an_unreadable_social_payload_fails_with_a_reason_and_files_nothing():
    for raw in (b"{}", b'{"network": "myspace"}', b'{"network": "x", "kind": "dm"}', b"\xff"):
        inbound, _new = store_inbound(channel="social", external_id=f"bad:{raw!r}", payload=raw)
        assert process_inbound(inbound.pk) == InboundMessage.State.FAILED
        inbound.refresh_from_db()
        assert (inbound.reason, inbound.case) == ("unparsable", None)
