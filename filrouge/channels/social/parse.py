"""One parser for the "social" channel: a stored payload names its network."""

import json
import re
from collections.abc import Callable
from datetime import datetime

from filrouge.channels.mastodon import parse as mastodon
from filrouge.channels.message import Message, ParseError
from filrouge.channels.models import InboundMessage
from filrouge.channels.x import parse as x

NETWORKS: dict[str, Callable[..., Message]] = {
    mastodon.NETWORK: mastodon.parse,
    x.NETWORK: x.parse,
}
_MASTODON_HANDLE = re.compile(r"^@[^@\s]+@[^@\s]+$")


def network_of_payload(raw: bytes) -> str:
    try:
        network = json.loads(raw).get("network", "")
    except (ValueError, AttributeError):
        return ""
    return network if network in NETWORKS else ""


def network_of(handle: str) -> str:
    """Which network a normalised handle belongs to: `x:<id>`, `@user@host`, or ""."""
    if handle.startswith(f"{x.NETWORK}:") and handle[2:].isdigit():
        return x.NETWORK
    if _MASTODON_HANDLE.match(handle):
        return mastodon.NETWORK
    return ""


def parse(raw: bytes, *, external_id: str, received_at: datetime) -> Message:
    network = network_of_payload(raw)
    if not network:
        raise ParseError("a social message of no known network")
    return NETWORKS[network](raw, external_id=external_id, received_at=received_at)


def screen(inbound: InboundMessage, message: Message) -> str:
    """Why this social message makes no case ("blocked", "empty"), or ""."""
    try:
        blocked = json.loads(bytes(inbound.payload)).get("user_has_blocked") is True
    except (ValueError, AttributeError):
        blocked = False
    if blocked:
        return "blocked"  # X: someone our account blocked mentioned us
    if not message.text and not message.attachments:
        return "empty"
    return ""
