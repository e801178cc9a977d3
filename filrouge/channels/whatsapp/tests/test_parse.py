"""Contract tests on Meta's documented webhook format: signature, messages, media, statuses."""

import contextlib
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from filrouge.channels.message import ParseError
from filrouge.channels.whatsapp.parse import parse, read_webhook, sign, signature_is_valid

SAMPLES = Path(__file__).parent / "samples"
AT = datetime(2026, 3, 2, 8, 15, tzinfo=UTC)


def _raw(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def _message(name: str):
    (wamid, payload), *_rest = read_webhook(_raw(name)).messages
    return parse(payload, external_id=wamid, received_at=AT)


def test_the_signature_is_an_hmac_sha256_of_the_raw_body_with_the_app_secret():
    raw = _raw("text.json")
    header = sign(raw, secret="app-secret")
    assert header.startswith("sha256=")
    assert len(header) == 7 + 64
    assert signature_is_valid(raw, header, secret="app-secret")
    assert signature_is_valid(
        raw, header.upper().replace("SHA256=", "sha256="), secret="app-secret"
    )
    assert not signature_is_valid(raw + b" ", header, secret="app-secret")
    assert not signature_is_valid(raw, header, secret="another")
    assert not signature_is_valid(raw, header[7:], secret="app-secret")  # no "sha256=" prefix
    assert not signature_is_valid(raw, header, secret="")


def test_a_text_message_reads_with_its_sender_and_name():
    message = _message("text.json")
    assert message.channel == "whatsapp"
    assert message.external_id.startswith("wamid.")
    assert (message.sender.phone, message.sender.name) == ("+33612345678", "Marie Dupont")
    assert message.text.startswith("Bonjour, toujours pas de fibre depuis lundi")


def test_media_are_kept_as_attachment_metadata_with_their_caption():
    image = _message("image.json")
    assert image.text == "Voici la photo de la box"
    (photo,) = image.attachments
    assert (photo.filename, photo.content_type) == ("image-1003383421387256", "image/jpeg")
    (invoice,) = _message("document.json").attachments
    assert (invoice.filename, invoice.content_type) == ("facture-mars.pdf", "application/pdf")


def test_a_reply_to_one_of_our_messages_names_it():
    data = json.loads(_raw("text.json"))
    message = data["entry"][0]["changes"][0]["value"]["messages"][0]
    message["context"] = {"from": "33644630000", "id": "wamid.OURS"}
    ((_wamid, payload),) = read_webhook(json.dumps(data).encode()).messages
    assert parse(payload, external_id="x", received_at=AT).in_reply_to == "wamid.OURS"


def test_statuses_carry_our_key_and_the_error_of_a_failure():
    (delivered,) = read_webhook(_raw("status_delivered.json")).statuses
    assert (delivered.status, delivered.key) == ("delivered", "filrouge-1")
    (failed,) = read_webhook(_raw("status_failed.json")).statuses
    assert failed.status == "failed"
    assert "131047" in failed.error
    assert "24 hours" in failed.error


def test_other_fields_than_messages_are_ignored():
    data = {
        "object": "whatsapp_business_account",
        "entry": [
            {"id": "1", "changes": [{"field": "message_template_status_update", "value": {}}]}
        ],
    }
    notification = read_webhook(json.dumps(data).encode())
    assert notification.messages == ()
    assert notification.statuses == ()


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"{", "malformed JSON"),
        (b'{"object": "page", "entry": []}', "not a WhatsApp"),
        (b'{"object": "whatsapp_business_account", "entry": {}}', "entry is not a list"),
        (b'{"object": "whatsapp_business_account", "entry": [1]}', "entry is not an object"),
        (
            b'{"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages",'
            b' "value": {"messages": [{"from": "33612345678", "type": "text"}]}}]}]}',
            "valid id",
        ),
        (
            b'{"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages",'
            b' "value": {"messages": [{"id": "wamid.1", "from": "abc", "type": "text"}]}}]}]}',
            "valid sender",
        ),
        (
            b'{"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages",'
            b' "value": {"statuses": [{"id": "wamid.1", "status": "exploded"}]}}]}]}',
            "status",
        ),
    ],
)
def test_malformed_notifications_are_refused_with_a_reason(raw, reason):
    with pytest.raises(ParseError, match=reason):
        read_webhook(raw)


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(),
        lambda c: st.lists(c) | st.dictionaries(st.text(), c),
        max_leaves=30,
    )
)
def test_random_json_is_a_notification_or_a_reason_never_a_crash(data):
    wrapped = {"field": "messages", "value": {"messages": data, "statuses": data}}
    message = {"id": "wamid.1", "from": "33612345678", "type": "text", "text": data}
    for doc in (
        data,
        {"object": "whatsapp_business_account", "entry": data},
        {"object": "whatsapp_business_account", "entry": [{"changes": [wrapped]}]},
        {
            "object": "whatsapp_business_account",
            "entry": [{"changes": [{"field": "messages", "value": {"messages": [message]}}]}],
        },
    ):
        try:
            notification = read_webhook(json.dumps(doc).encode())
        except ParseError:
            continue
        for wamid, payload in notification.messages:
            with contextlib.suppress(ParseError):
                parse(payload, external_id=wamid, received_at=AT)
