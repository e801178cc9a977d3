"""Mastodon notifications → stored payloads → normalised `Message`s (channel "social").

The poller reads `GET /api/v1/notifications?types[]=mention` on our instance:
a JSON array of Notification entities, each with the Status that mentions us.
A direct message is such a status with `visibility: "direct"`; any other
visibility (public, unlisted, followers-only) is a post others can read.

`stored` checks one notification and cuts what we keep: the instance it came
through (status ids are that instance's) and the notification as received,
under the external id `mastodon:<instance>:<status id>`. Nothing here raises
anything but `ParseError`.
"""

import json
import re
from datetime import datetime
from typing import Any

from filrouge.channels.email.parse import html_to_text
from filrouge.channels.message import (
    Attachment,
    Message,
    ParseError,
    Sender,
    find_case_reference,
    find_tracking_link,
)
from filrouge.customers.models import Channel

NETWORK = "mastodon"
PRIVATE = "direct"
VISIBILITIES = frozenset({"public", "unlisted", "private", "direct"})
MAX_TEXT = 10_000
_ID = re.compile(r"^[0-9A-Za-z]{1,64}$")  # Mastodon: digits; Pleroma/Akkoma: flake ids
_ACCT = re.compile(r"^[\w.-]{1,64}(?:@[\w.-]{1,253})?$")
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_LEADING_MENTIONS = re.compile(r"^(?:\s*@[\w.-]+(?:@[\w.-]+)?)+[\s,:]*")


def external_id(instance: str, status_id: str) -> str:
    """Our key for a status: its id is only unique on the instance we read it through."""
    return f"{NETWORK}:{instance}:{status_id}"


def handle_of(acct: str, *, instance: str) -> str:
    """The normalised handle, `@user@host`: a local account's `acct` has no host."""
    acct = acct.strip().lstrip("@").lower()
    if "@" not in acct:
        acct = f"{acct}@{instance.lower()}"
    return f"@{acct}"


def stored(notification: Any, *, instance: str) -> tuple[str, bytes] | None:
    """(external id, payload to store) for a mention; None for anything else (a follow...)."""
    if not isinstance(notification, dict):
        raise ParseError("a notification is not an object")
    if not _is_id(notification.get("id")):
        raise ParseError("a notification without a valid id")
    if notification.get("type") != "mention":
        return None  # an older server that ignores types[]: not ours to file
    status = notification.get("status")
    if status is None:
        return None  # the status was deleted meanwhile
    _check_status(status)
    payload = {"network": NETWORK, "instance": instance, "notification": notification}
    return (
        external_id(instance, status["id"]),
        json.dumps(payload, ensure_ascii=False, sort_keys=True).encode(),
    )


def _is_id(value: Any) -> bool:
    return isinstance(value, str) and bool(_ID.match(value))


def _check_status(status: Any) -> None:
    if not isinstance(status, dict) or not _is_id(status.get("id")):
        raise ParseError("a mention without a valid status")
    if status.get("visibility") not in VISIBILITIES:
        raise ParseError(f"status {status['id']} has no known visibility")
    account = status.get("account")
    if not isinstance(account, dict) or not _ACCT.match(str(account.get("acct", ""))):
        raise ParseError(f"status {status['id']} has no valid author")
    if not isinstance(status.get("content", ""), str):
        raise ParseError(f"status {status['id']} has no readable content")


def parse(raw: bytes, *, external_id: str, received_at: datetime) -> Message:
    try:
        data = json.loads(raw)
        instance = str(data["instance"])
        status = data["notification"]["status"]
        _check_status(status)
        text = text_of(status)
        attachments = _attachments(status.get("media_attachments") or [])
    except ParseError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ParseError(f"unreadable Mastodon notification: {type(exc).__name__}: {exc}") from exc
    account = status["account"]
    link_reference, token = find_tracking_link(text)
    reply_to = status.get("in_reply_to_id")
    return Message(
        channel=Channel.SOCIAL,
        external_id=external_id,
        sender=Sender(
            handle=handle_of(account["acct"], instance=instance),
            name=str(account.get("display_name") or account.get("username") or "")[:160],
        ),
        received_at=received_at,
        subject=str(status.get("spoiler_text") or "")[:200],
        text=text,
        attachments=attachments,
        in_reply_to=_reference(instance, reply_to) if _is_id(reply_to) else "",
        case_reference=find_case_reference(text) or link_reference,
        tracking_reference=link_reference,
        tracking_token=token,
        is_public=status["visibility"] != PRIVATE,
    )


def _reference(instance: str, status_id: str) -> str:
    return external_id(instance, status_id)[:255]


def text_of(status: dict) -> str:
    """The words of a status: HTML to text, the mentions that open it (ours) removed."""
    html = _BREAK.sub("\n", status.get("content") or "")  # one line break, not two
    text = html_to_text(html)
    return _LEADING_MENTIONS.sub("", text, count=1).strip()[:MAX_TEXT]


def _attachments(media: Any) -> tuple[Attachment, ...]:
    if not isinstance(media, list):
        raise ParseError("media_attachments is not a list")
    found = []
    for item in media[:10]:
        if not isinstance(item, dict):
            continue
        kind = str(item.get("type", "unknown"))[:20]
        name = str(item.get("description") or f"{kind}-{item.get('id', '')}")[:200]
        found.append(Attachment(filename=name, content_type=kind, size=0))
    return tuple(found)
