"""Answers on X through its v2 API, with our account's OAuth 2.0 user access token.

- A private answer is a DM: `POST /2/dm_conversations/with/<participant id>/messages`
  with `{"text": …}`; X answers 201 `{"data": {"dm_conversation_id", "dm_event_id"}}`.
- A public answer is a reply: `POST /2/tweets` with
  `{"text": …, "reply": {"in_reply_to_tweet_id": …}}`; X answers 201
  `{"data": {"id", "text"}}`.

X has no idempotency key. It refuses a post identical to a recent one (403
"duplicate content"): on a retry, that means our first attempt did get
through, so the delivery counts as sent (without X's id); on a first attempt it
is a refusal. HTTP 429, 5xx and timeouts are retried; other refusals are final.
"""

import json

from django.conf import settings

from filrouge.cases.models import Event
from filrouge.channels import provider_http
from filrouge.channels.message import DeliveryRefused
from filrouge.channels.models import OutboundMessage
from filrouge.channels.provider_http import ProviderUnavailable
from filrouge.channels.x import parse


def request(outbound: OutboundMessage, text: str) -> tuple[str, dict]:
    """(path, JSON body) of the call that delivers this answer."""
    if outbound.is_public:
        body: dict = {"text": text}
        if reply_to := parse.tweet_id(outbound.in_reply_to):
            body["reply"] = {"in_reply_to_tweet_id": reply_to}
        return "/2/tweets", body
    participant = outbound.recipient.removeprefix(f"{parse.NETWORK}:")
    if not participant.isdigit():
        raise DeliveryRefused(f"not an X user id: {outbound.recipient!r}")
    return f"/2/dm_conversations/with/{participant}/messages", {"text": text}


def send(outbound: OutboundMessage, event: Event, *, text: str) -> str:
    """Post the reply or the DM; returns our external id for it ("" if X did not say)."""
    if not settings.X_ACCESS_TOKEN:
        raise DeliveryRefused("X_ACCESS_TOKEN is not set")
    path, body = request(outbound, text)
    status, answer = _post(path, json.dumps(body).encode())
    return _accepted(status, answer, outbound=outbound)


def _accepted(status: int, raw: bytes, *, outbound: OutboundMessage) -> str:
    try:
        answer = json.loads(raw)
    except ValueError:
        answer = {}
    answer = answer if isinstance(answer, dict) else {}
    if 200 <= status < 300:
        data = answer.get("data") if isinstance(answer.get("data"), dict) else {}
        if data.get("dm_event_id"):
            return f"{parse.NETWORK}:dm:{data['dm_event_id']}"[:255]
        if data.get("id"):
            return f"{parse.NETWORK}:{data['id']}"[:255]
        raise ProviderUnavailable(f"unreadable X answer: {raw[:200]!r}")
    detail = str(answer.get("detail") or answer.get("title") or raw[:200])
    text = f"X HTTP {status}: {detail}"[:2000]
    if status == 429 or status >= 500:
        raise ProviderUnavailable(text)
    if status == 403 and "duplicate" in detail.lower() and outbound.attempts > 1:
        return ""  # our earlier attempt was posted: X refuses the same text twice
    raise DeliveryRefused(text)


def _post(path: str, data: bytes) -> tuple[int, bytes]:
    return provider_http.call(
        "POST",
        settings.X_API_BASE_URL.rstrip("/") + path,
        provider="X",
        data=data,
        token=settings.X_ACCESS_TOKEN,
    )
