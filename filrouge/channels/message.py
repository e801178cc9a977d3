"""The normalised message: what every channel's parser turns its payload into.

Identity resolution and threading read only this, never a provider's format,
so a new channel is one parser (and one sender) in its own folder.
"""

import json
import re
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from django.utils.translation import gettext_lazy as _


class _NoNul:
    """Strips NUL characters from every text field: no database stores them
    (PostgreSQL refuses them), and no customer ever typed one."""

    def __post_init__(self) -> None:
        for f in fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if isinstance(value, str) and "\x00" in value:
                object.__setattr__(self, f.name, value.replace("\x00", ""))
            elif isinstance(value, tuple) and any(
                isinstance(v, str) and "\x00" in v for v in value
            ):
                cleaned = tuple(v.replace("\x00", "") if isinstance(v, str) else v for v in value)
                object.__setattr__(self, f.name, cleaned)


class ParseError(ValueError):
    """A payload that cannot be read as a message. Permanent: retrying will not help."""


def load_json(raw: bytes | str, *, what: str = "malformed JSON") -> Any:
    """`json.loads` of what came from outside: bad syntax, bad encoding or nesting too
    deep for the parser (`RecursionError`: a webhook of 1 MB can nest 500,000 levels)
    are all a `ParseError` saying why, never a crash."""
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ParseError(f"{what}: {exc}") from exc
    except RecursionError as exc:
        raise ParseError(f"{what}: nested too deeply") from exc


def dump_json(data: Any) -> bytes:
    """The payload we store for a message cut out of a delivery (sorted keys, UTF-8)."""
    try:
        return json.dumps(data, ensure_ascii=False, sort_keys=True).encode()
    except RecursionError as exc:
        raise ParseError("nested too deeply to store") from exc


class DeliveryRefused(RuntimeError):
    """The provider refused an outbound message for good (unknown recipient...): no retry."""


@dataclass(frozen=True)
class Sender(_NoNul):
    """Who wrote, as the channel names them. Values are normalised by the parser."""

    email: str = ""
    phone: str = ""  # E.164
    handle: str = ""  # social handle, lower-case, with its network: "mastodon:@anne@exemple.fr"
    name: str = ""  # display name, for a prospect's file only: never used to match

    @property
    def address(self) -> str:
        return self.email or self.phone or self.handle


@dataclass(frozen=True)
class Attachment(_NoNul):
    filename: str
    content_type: str
    size: int
    accepted: bool = True
    refused_because: str = ""  # a key of REFUSALS


# Why an attachment was not kept, as the case timeline says it (in the reader's language).
REFUSALS = {
    "too_large": _("larger than the limit"),
    "type_not_allowed": _("file type not allowed"),
    "too_many": _("too many attachments in one message"),
    "content_mismatch": _("its content is not the type it claims to be"),
}


@dataclass(frozen=True)
class Message(_NoNul):
    channel: str
    external_id: str
    sender: Sender
    received_at: datetime
    subject: str = ""
    text: str = ""  # the customer's new words (quoted history removed when recognisable)
    html: str = ""
    attachments: tuple[Attachment, ...] = ()
    in_reply_to: str = ""
    references: tuple[str, ...] = ()
    case_reference: str = ""  # "FR-2026-000123" found in the subject or the body
    # From a tracking link `/suivi/<reference>/?t=<token>` anywhere in the body, quotes included.
    tracking_reference: str = ""
    tracking_token: str = ""
    is_public: bool = False  # a public post (social) rather than a private message
    is_auto_reply: bool = False
    is_bounce: bool = False
    bounced_ids: tuple[str, ...] = field(default=())  # our messages a bounce reports on

    @property
    def thread_ids(self) -> tuple[str, ...]:
        """Ids of earlier messages this one answers, nearest first."""
        ids = [self.in_reply_to, *reversed(self.references)]
        return tuple(dict.fromkeys(i for i in ids if i))


_REFERENCE = re.compile(r"\bFR-(\d{4})-(\d{6,9})\b", re.IGNORECASE)
_TRACKING_LINK = re.compile(r"/suivi/(FR-\d{4}-\d{6,9})/?\?t=([0-9a-f]{32})\b", re.IGNORECASE)


def find_case_reference(*texts: str) -> str:
    """The first case reference ("FR-2026-000123") in the texts, in order, or ""."""
    for text in texts:
        if match := _REFERENCE.search(text or ""):
            return f"FR-{match[1]}-{match[2]}"
    return ""


def find_tracking_link(text: str) -> tuple[str, str]:
    """(reference, token) of a tracking link `/suivi/<reference>/?t=<token>` in the text."""
    match = _TRACKING_LINK.search(text or "")
    return (match[1].upper(), match[2].lower()) if match else ("", "")
