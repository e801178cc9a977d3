"""Mastodon's Notification entities (recorded in its documented format) read as messages."""

import json
from pathlib import Path

import pytest
from django.utils import timezone

from filrouge.channels.mastodon import parse
from filrouge.channels.message import ParseError

SAMPLES = Path(__file__).parent / "samples"
INSTANCE = "mastodon.example"


def _notifications(name: str) -> list:
    return json.loads((SAMPLES / name).read_text())


def _message(notification: dict):
    external_id, payload = parse.stored(notification, instance=INSTANCE)
    return parse.parse(payload, external_id=external_id, received_at=timezone.now())


def test_a_public_mention_from_another_instance_is_a_public_post_by_its_full_handle():
    _local, remote = _notifications("notifications.json")
    message = _message(remote)
    assert message.external_id == "mastodon:mastodon.example:113049485712345678"
    assert (message.channel, message.is_public) == ("social", True)
    assert message.sender.handle == "@marie@piaille.fr"  # acct "Marie@piaille.fr", lower-cased
    assert message.sender.name == "Marie Lefèvre"
    assert message.text.startswith("Trois semaines sans fibre au 8 rue Paul Bert")
    assert "c'est urgent" in message.text  # HTML entities decoded, our @mention removed
    assert message.in_reply_to == ""


def test_a_local_accounts_handle_gets_our_instance():
    local, _remote = _notifications("notifications.json")
    message = _message(local)
    assert message.sender.handle == "@jeanne@mastodon.example"
    assert message.is_public  # "unlisted" is still readable by anyone


def test_a_direct_message_is_private_threaded_to_the_status_it_answers_with_its_media():
    (direct,) = _notifications("direct.json")
    message = _message(direct)
    assert message.is_public is False
    assert message.in_reply_to == "mastodon:mastodon.example:113049700000000001"
    assert (
        message.text
        == "Merci. Ma ligne : FTTH00001234\nJe suis joignable au 06 12 34 56 78 après 18h."
    )
    (photo,) = message.attachments
    assert (photo.filename, photo.content_type) == ("Photo de la box, voyant rouge", "image")


def test_a_followers_only_post_counts_as_public():
    (direct,) = _notifications("direct.json")
    direct["status"]["visibility"] = "private"
    assert _message(direct).is_public


def test_a_tracking_link_and_a_case_reference_are_found_in_the_html():
    (direct,) = _notifications("direct.json")
    direct["status"]["content"] = (
        '<p>Suivi : <a href="https://filrouge.example/suivi/FR-2026-000123/?t='
        '0123456789abcdef0123456789abcdef"><span class="invisible">https://</span>'
        '<span class="ellipsis">filrouge.example/suivi/FR-2026-</span><span class="invisible">'
        "000123/?t=0123456789abcdef0123456789abcdef</span></a></p>"
    )
    message = _message(direct)
    assert (message.case_reference, message.tracking_reference) == ("FR-2026-000123",) * 2
    assert message.tracking_token == "0123456789abcdef0123456789abcdef"


def test_notifications_that_are_not_mentions_or_lost_their_status_are_not_stored():
    local, _remote = _notifications("notifications.json")
    assert parse.stored({**local, "type": "favourite"}, instance=INSTANCE) is None
    assert parse.stored({**local, "status": None}, instance=INSTANCE) is None


@pytest.mark.parametrize(
    "breakage",
    [
        lambda n: n.update(id=None),
        lambda n: n.update(id="12 34"),
        lambda n: n.update(status="x"),
        lambda n: n["status"].update(id=""),
        lambda n: n["status"].update(visibility="secret"),
        lambda n: n["status"].update(account={"acct": "not a handle"}),
        lambda n: n["status"].update(content=["<p>"]),
    ],
)
def test_a_malformed_notification_is_refused_with_a_reason(breakage):
    local, _remote = _notifications("notifications.json")
    breakage(local)
    with pytest.raises(ParseError):
        parse.stored(local, instance=INSTANCE)


@pytest.mark.parametrize(
    "raw", [b"", b"{", b"[]", b'{"instance": "x"}', b"\xff", b'{"notification": 1}']
)
def test_an_unreadable_stored_payload_is_a_parse_error(raw):
    with pytest.raises(ParseError):
        parse.parse(raw, external_id="mastodon:x:1", received_at=timezone.now())
