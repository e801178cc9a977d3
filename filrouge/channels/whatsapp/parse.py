"""Meta's WhatsApp Cloud API webhooks → stored messages, normalised `Message`s and statuses.

One POST carries `entry[].changes[].value` objects; a value of the `messages`
field holds the customer's `messages[]` (with `contacts[]` and `metadata`) and
the `statuses[]` of messages we sent. `read_webhook` checks the whole shape
first, then cuts it into one stored payload per message (keyed by its `wamid`,
so a redelivery is one message) and a list of statuses. Nothing here raises
anything but `ParseError`.
"""

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from filrouge.channels.message import (
    Attachment,
    Message,
    ParseError,
    Sender,
    dump_json,
    find_case_reference,
    find_tracking_link,
    load_json,
)
from filrouge.channels.models import InboundMessage
from filrouge.customers.models import Channel
from filrouge.customers.normalise import InvalidContact, normalise_phone

MEDIA_TYPES = ("image", "video", "audio", "document", "sticker")
IGNORED_TYPES = frozenset({"reaction", "unsupported", "system", "ephemeral", "request_welcome"})
STATUSES = frozenset({"sent", "delivered", "read", "failed", "deleted", "warning"})
MAX_TEXT = 10_000


@dataclass(frozen=True)
class Status:
    """What Meta reports about a message we sent."""

    message_id: str  # the wamid Meta gave when it accepted our message
    status: str  # sent, delivered, read, failed (deleted, warning: ignored)
    key: str = ""  # our `biz_opaque_callback_data`, echoed back
    error: str = ""


@dataclass(frozen=True)
class Webhook:
    messages: tuple[tuple[str, bytes], ...]  # (wamid, payload to store)
    statuses: tuple[Status, ...]


def signature_is_valid(raw: bytes, header: str, *, secret: str) -> bool:
    """`X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body, keyed by the app secret>`."""
    if not secret or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    return hmac.compare_digest(header[len("sha256=") :].strip().lower().encode(), expected.encode())


def sign(raw: bytes, *, secret: str) -> str:
    """The header value Meta would send (for tests and `replay_samples`)."""
    return "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


def read_webhook(raw: bytes) -> Webhook:
    data = load_json(raw)
    if not isinstance(data, dict) or data.get("object") != "whatsapp_business_account":
        raise ParseError("not a WhatsApp Business Account notification")
    messages: list[tuple[str, bytes]] = []
    statuses: list[Status] = []
    for entry in _list(data, "entry"):
        for change in _list(_dict(entry, "entry"), "changes"):
            change = _dict(change, "change")
            if change.get("field") != "messages":
                continue  # template reviews, quality updates...: nothing to file
            value = _dict(change.get("value"), "value")
            contacts = {
                str(_dict(c, "contact").get("wa_id", "")): c for c in _list(value, "contacts")
            }
            for item in _list(value, "messages"):
                messages.append(_stored(_dict(item, "message"), value, contacts))
            statuses.extend(_status(_dict(s, "status")) for s in _list(value, "statuses"))
    return Webhook(messages=tuple(messages), statuses=tuple(statuses))


def _list(data: dict, key: str) -> list:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise ParseError(f"{key} is not a list")
    return value


def _dict(value: Any, what: str) -> dict:
    if not isinstance(value, dict):
        raise ParseError(f"{what} is not an object")
    return value


def _stored(message: dict, value: dict, contacts: dict) -> tuple[str, bytes]:
    wamid = message.get("id")
    if not isinstance(wamid, str) or not wamid or len(wamid) > 255:
        raise ParseError("a message without a valid id")
    if not isinstance(message.get("type"), str):
        raise ParseError(f"message {wamid} has no type")
    _sender(message, contacts.get(str(message.get("from", ""))))
    payload = {
        "metadata": value.get("metadata", {}),
        "contact": contacts.get(str(message.get("from")), {}),
        "message": message,
    }
    return wamid, dump_json(payload)


def _status(status: dict) -> Status:
    wamid, kind = status.get("id"), status.get("status")
    if not isinstance(wamid, str) or not wamid or len(wamid) > 255 or kind not in STATUSES:
        raise ParseError("a status without a valid id or status")
    errors = status.get("errors") if isinstance(status.get("errors"), list) else []
    error = "; ".join(_error_text(e) for e in errors if isinstance(e, dict))
    key = status.get("biz_opaque_callback_data", "")
    return Status(message_id=wamid, status=kind, key=str(key)[:64], error=error[:2000])


def _error_text(error: dict) -> str:
    data = error.get("error_data") if isinstance(error.get("error_data"), dict) else {}
    return f"{error.get('code', '')} {error.get('title', '')}: {data.get('details', '')}"


def _sender(message: dict, contact: dict | None) -> Sender:
    wa_id = str(message.get("from", "")).strip()
    if not wa_id.isdigit():
        raise ParseError("a message without a valid sender")
    try:
        phone = normalise_phone(f"+{wa_id}")
    except InvalidContact as exc:
        raise ParseError(f"invalid sender {wa_id[:20]!r}") from exc
    profile = (contact or {}).get("profile")
    name = profile.get("name", "") if isinstance(profile, dict) else ""
    return Sender(phone=phone, name=str(name)[:160])


def parse(raw: bytes, *, external_id: str, received_at: datetime) -> Message:
    try:
        stored = json.loads(raw)
        message, contact = stored["message"], stored.get("contact") or {}
        text, attachments = _content(message)
    except ParseError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise ParseError(f"unreadable WhatsApp message: {type(exc).__name__}: {exc}") from exc
    text = text.replace("\r\n", "\n").strip()[:MAX_TEXT]
    link_reference, token = find_tracking_link(text)
    context = message.get("context") if isinstance(message.get("context"), dict) else {}
    return Message(
        channel=Channel.WHATSAPP,
        external_id=external_id,
        sender=_sender(message, contact),
        received_at=received_at,
        text=text,
        attachments=attachments,
        in_reply_to=str(context.get("id", ""))[:255],
        case_reference=find_case_reference(text) or link_reference,
        tracking_reference=link_reference,
        tracking_token=token,
    )


def _content(message: dict) -> tuple[str, tuple[Attachment, ...]]:
    """The words and the media (kept as metadata: Meta's media id, type, name) of a message."""
    kind = message["type"]
    body = message.get(kind) if isinstance(message.get(kind), dict) else {}
    if kind == "text":
        return str(body.get("body", "")), ()
    if kind in MEDIA_TYPES:
        name = str(body.get("filename") or f"{kind}-{body.get('id', '')}")[:200]
        media = Attachment(filename=name, content_type=str(body.get("mime_type", ""))[:100], size=0)
        return str(body.get("caption", "")), (media,)
    if kind == "button":
        return str(body.get("text", "")), ()
    if kind == "interactive":
        reply = body.get("button_reply") or body.get("list_reply") or {}
        return str(reply.get("title", "")), ()
    if kind == "location":
        place = " ".join(str(body.get(k, "")) for k in ("name", "address") if body.get(k))
        return f"{place} ({body.get('latitude')}, {body.get('longitude')})".strip(), ()
    if kind == "contacts":
        cards = message.get("contacts") if isinstance(message.get("contacts"), list) else []
        names = [str((c.get("name") or {}).get("formatted_name", "")) for c in cards]
        return ", ".join(n for n in names if n), ()
    return "", ()


def screen(inbound: InboundMessage, message: Message) -> str:
    """Why this WhatsApp message makes no case (a reaction, an unsupported type...), or ""."""
    try:
        kind = json.loads(bytes(inbound.payload))["message"]["type"]
    except (ValueError, KeyError, TypeError):
        kind = ""
    if kind in IGNORED_TYPES:
        return kind[:32]
    if not message.text and not message.attachments:
        return "empty"
    return ""
