"""X's Account Activity API → stored payloads → normalised `Message`s (channel "social").

X POSTs one JSON object per delivery to our webhook: `for_user_id` (the
subscribed account: ours) and one array of events, `tweet_create_events`
(posts by, mentioning or replying to us: public) or `direct_message_events`
(private), the latter with a `users` map. Events of other kinds (likes,
follows, typing...) are not messages. The events of our own account (our
replies, our DMs, which X echoes back) are left out: what we send is already
recorded.

`read_webhook` checks the whole delivery, then cuts it into one stored payload
per message under the external id `x:<tweet id>` or `x:dm:<event id>` (X may
deliver an event twice). Nothing here raises anything but `ParseError`.
"""

import base64
import hashlib
import hmac
import html
import json
import re
from datetime import datetime
from typing import Any

from filrouge.channels.message import (
    Message,
    ParseError,
    Sender,
    dump_json,
    find_case_reference,
    find_tracking_link,
    load_json,
)
from filrouge.customers.models import Channel

NETWORK = "x"
TWEET, DM = "tweet", "dm"
MAX_TEXT = 10_000
_ID = re.compile(r"^\d{1,25}$")
_LEADING_MENTIONS = re.compile(r"^(?:\s*@\w{1,15})+[\s,:]*")


def sign(raw: bytes, *, secret: str) -> str:
    """`sha256=` + base64 of the HMAC-SHA256 of `raw` keyed by the consumer secret: the
    `x-twitter-webhooks-signature` of a POST, and the CRC `response_token` of a GET."""
    digest = hmac.new(secret.encode(), raw, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode()


def signature_is_valid(raw: bytes, header: str, *, secret: str) -> bool:
    if not secret or not header.startswith("sha256="):
        return False
    return hmac.compare_digest(header.strip().encode(), sign(raw, secret=secret).encode())


def handle_of(user_id: str) -> str:
    """X users are known by their numeric id: screen names change, ids do not."""
    return f"{NETWORK}:{user_id}"


def tweet_id(external_id: str) -> str:
    """The tweet id in one of our external ids ("x:<id>"), or ""."""
    rest = external_id.removeprefix(f"{NETWORK}:")
    return rest if rest != external_id and _ID.match(rest) else ""


def read_webhook(raw: bytes) -> list[tuple[str, bytes]]:
    """(external id, payload to store) for each customer message in a delivery."""
    data = load_json(raw)
    if not isinstance(data, dict) or not _is_id(data.get("for_user_id")):
        raise ParseError("not an Account Activity event (no for_user_id)")
    ours = data["for_user_id"]
    items: list[tuple[str, bytes]] = []
    for tweet in _list(data, "tweet_create_events"):
        _check_tweet(tweet)
        if tweet["user"]["id_str"] == ours or isinstance(tweet.get("retweeted_status"), dict):
            continue  # our own post, or a retweet: no one wrote to us
        payload = {
            "network": NETWORK,
            "kind": TWEET,
            "for_user_id": ours,
            "user_has_blocked": str(data.get("user_has_blocked", "false")).lower() == "true",
            "event": tweet,
        }
        items.append((f"{NETWORK}:{tweet['id_str']}", _dump(payload)))
    users = data.get("users") if isinstance(data.get("users"), dict) else {}
    for event in _list(data, "direct_message_events"):
        _check_dm(event)
        if event["type"] != "message_create":
            continue
        sender = event["message_create"]["sender_id"]
        if sender == ours:
            continue  # our own DM, echoed back
        user = users.get(sender) if isinstance(users.get(sender), dict) else {}
        payload = {
            "network": NETWORK,
            "kind": DM,
            "for_user_id": ours,
            "event": event,
            "user": user,
        }
        items.append((f"{NETWORK}:dm:{event['id']}", _dump(payload)))
    return items


def _dump(payload: dict) -> bytes:
    return dump_json(payload)


def _is_id(value: Any) -> bool:
    return isinstance(value, str) and bool(_ID.match(value))


def _list(data: dict, key: str) -> list:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise ParseError(f"{key} is not a list")
    return value


def _check_tweet(tweet: Any) -> None:
    if not isinstance(tweet, dict) or not _is_id(tweet.get("id_str")):
        raise ParseError("a tweet without a valid id_str")
    user = tweet.get("user")
    if not isinstance(user, dict) or not _is_id(user.get("id_str")):
        raise ParseError(f"tweet {tweet['id_str']} has no valid author")
    if not isinstance(tweet.get("text", ""), str):
        raise ParseError(f"tweet {tweet['id_str']} has no readable text")


def _check_dm(event: Any) -> None:
    if not isinstance(event, dict) or not _is_id(event.get("id")):
        raise ParseError("a direct message event without a valid id")
    if event.get("type") != "message_create":
        return
    create = event.get("message_create")
    if not isinstance(create, dict) or not _is_id(create.get("sender_id")):
        raise ParseError(f"direct message {event['id']} has no valid sender")
    data = create.get("message_data")
    if not isinstance(data, dict) or not isinstance(data.get("text", ""), str):
        raise ParseError(f"direct message {event['id']} has no readable text")


def parse(raw: bytes, *, external_id: str, received_at: datetime) -> Message:
    try:
        stored = json.loads(raw)
        kind, event = stored["kind"], stored["event"]
        if kind == TWEET:
            _check_tweet(event)
            return _tweet(event, external_id=external_id, received_at=received_at)
        if kind == DM:
            _check_dm(event)
            return _dm(event, stored.get("user") or {}, external_id, received_at)
    except ParseError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise ParseError(f"unreadable X event: {type(exc).__name__}: {exc}") from exc
    raise ParseError(f"unknown X event kind {str(kind)[:20]!r}")


def _tweet(tweet: dict, *, external_id: str, received_at: datetime) -> Message:
    extended = tweet.get("extended_tweet") if isinstance(tweet.get("extended_tweet"), dict) else {}
    text = str(extended.get("full_text") or tweet.get("text") or "")
    entities = extended.get("entities") or tweet.get("entities") or {}
    text = _LEADING_MENTIONS.sub("", _expand(html.unescape(text), entities), count=1)
    user = tweet["user"]
    reply_to = tweet.get("in_reply_to_status_id_str")
    return _message(
        text,
        external_id=external_id,
        received_at=received_at,
        sender=Sender(handle=handle_of(user["id_str"]), name=_name(user)),
        in_reply_to=f"{NETWORK}:{reply_to}" if _is_id(reply_to) else "",
        is_public=True,
    )


def _dm(event: dict, user: dict, external_id: str, received_at: datetime) -> Message:
    create = event["message_create"]
    data = create["message_data"]
    text = _expand(str(data.get("text") or ""), data.get("entities") or {})
    # A DM started from a "send us a private message" prompt in one of our posts names it.
    via = event.get("initiated_via") if isinstance(event.get("initiated_via"), dict) else {}
    prompt = via.get("tweet_id")
    attachment = data.get("attachment") if isinstance(data.get("attachment"), dict) else {}
    if not text.strip() and attachment:
        text = "[" + str(attachment.get("type") or "media")[:20] + "]"
    return _message(
        text,
        external_id=external_id,
        received_at=received_at,
        sender=Sender(handle=handle_of(create["sender_id"]), name=_name(user)),
        in_reply_to=f"{NETWORK}:{prompt}" if _is_id(prompt) else "",
        is_public=False,
    )


def _message(text: str, *, external_id: str, received_at: datetime, **fields) -> Message:
    text = text.replace("\r\n", "\n").strip()[:MAX_TEXT]
    link_reference, token = find_tracking_link(text)
    return Message(
        channel=Channel.SOCIAL,
        external_id=external_id,
        received_at=received_at,
        text=text,
        case_reference=find_case_reference(text) or link_reference,
        tracking_reference=link_reference,
        tracking_token=token,
        **fields,
    )


def _expand(text: str, entities: Any) -> str:
    """X shortens every link to t.co; the real one (a tracking link...) is in the entities."""
    urls = entities.get("urls") if isinstance(entities, dict) else None
    for url in urls if isinstance(urls, list) else []:
        if isinstance(url, dict) and url.get("url") and url.get("expanded_url"):
            text = text.replace(str(url["url"]), str(url["expanded_url"]))
    return text


def _name(user: dict) -> str:
    if not isinstance(user, dict):
        return ""
    return str(user.get("name") or user.get("screen_name") or "")[:160]


def screen_name(raw: bytes) -> str:
    """The author's @screen_name in a stored payload ("" if unknown): how a reply opens."""
    try:
        stored = json.loads(raw)
        user = stored["event"]["user"] if stored["kind"] == TWEET else stored.get("user") or {}
        name = str(user.get("screen_name") or "")
    except (ValueError, KeyError, TypeError, AttributeError):
        return ""
    return name if re.fullmatch(r"\w{1,15}", name) else ""
