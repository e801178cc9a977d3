"""Mastodon's REST API, on our instance, with our account's Bearer token.

- `fetch_mentions`: `GET /api/v1/notifications?types[]=mention&min_id=<cursor>&limit=40`
  (what the poller reads; see `poll.py`).
- `send`: an answer as a status, `POST /api/v1/statuses` (JSON) with `status`,
  `visibility` ("direct" for a private answer, "public" for an answer to a post)
  and `in_reply_to_id`, so it threads under the customer's post. A
  direct status reaches only the accounts it mentions: the text starts with the
  customer's `@user@host`.

Mastodon honours an `Idempotency-Key` header on `POST /api/v1/statuses` for an
hour: we send our delivery key (`filrouge-<id>`), so a retry after a timeout
cannot post the answer twice. HTTP 429, 5xx and timeouts are retried; any other
refusal (401 bad token, 404, 422 validation) is final.
"""

import json
from urllib.parse import urlencode, urlsplit

from django.conf import settings

from filrouge.cases.models import Event
from filrouge.channels import provider_http
from filrouge.channels.mastodon import parse
from filrouge.channels.message import DeliveryRefused
from filrouge.channels.models import OutboundMessage
from filrouge.channels.provider_http import ProviderUnavailable

PAGE_SIZE = 40  # Mastodon's default and our page; servers cap it at their own maximum


def instance() -> str:
    """Our instance's host, as status ids and cursors are keyed."""
    return (urlsplit(settings.MASTODON_BASE_URL).hostname or "").lower()


def fetch_mentions(*, base_url: str, token: str, min_id: str = "") -> list:
    """One page of mention notifications after `min_id` (the oldest first page after it),
    as Mastodon returns it: newest first. Raises `ProviderUnavailable` or `DeliveryRefused`."""
    query = [("types[]", "mention"), ("limit", str(PAGE_SIZE))]
    if min_id:
        query.append(("min_id", min_id))
    url = f"{base_url.rstrip('/')}/api/v1/notifications?{urlencode(query)}"
    status, body = _request("GET", url, token=token)
    if status == 429 or status >= 500:
        raise ProviderUnavailable(f"Mastodon HTTP {status}: {body[:200]!r}")
    if status >= 300:
        raise DeliveryRefused(f"Mastodon HTTP {status}: {_error(body)}")
    try:
        page = json.loads(body)
    except ValueError as exc:
        raise ProviderUnavailable(f"unreadable Mastodon answer: {body[:200]!r}") from exc
    if not isinstance(page, list):
        raise ProviderUnavailable(f"Mastodon answered something else than a list: {body[:200]!r}")
    return page


def request_body(outbound: OutboundMessage, text: str) -> dict:
    """The JSON Mastodon receives for this answer."""
    body = {
        "status": text,
        "visibility": "public" if outbound.is_public else "direct",
        "language": settings.LANGUAGE_CODE[:2],
    }
    prefix = f"{parse.NETWORK}:{instance()}:"
    if outbound.in_reply_to.startswith(prefix):  # a status of our instance: threadable
        body["in_reply_to_id"] = outbound.in_reply_to[len(prefix) :]
    return body


def send(outbound: OutboundMessage, event: Event, *, text: str) -> str:
    """Post the status; returns our external id for it (what the customer's replies name)."""
    if not settings.MASTODON_BASE_URL or not settings.MASTODON_ACCESS_TOKEN:
        raise DeliveryRefused("MASTODON_BASE_URL/MASTODON_ACCESS_TOKEN are not set")
    status, answer = _request(
        "POST",
        f"{settings.MASTODON_BASE_URL.rstrip('/')}/api/v1/statuses",
        token=settings.MASTODON_ACCESS_TOKEN,
        data=json.dumps(request_body(outbound, text)).encode(),
        headers={"Idempotency-Key": outbound.provider_key},
    )
    if status == 429 or status >= 500:
        raise ProviderUnavailable(f"Mastodon HTTP {status}: {answer[:200]!r}")
    if status >= 300:
        raise DeliveryRefused(f"Mastodon HTTP {status}: {_error(answer)}")
    try:
        status_id = json.loads(answer)["id"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ProviderUnavailable(f"unreadable Mastodon answer: {answer[:200]!r}") from exc
    return parse.external_id(instance(), str(status_id))


def _error(body: bytes) -> str:
    try:
        return str(json.loads(body).get("error", ""))[:500] or repr(body[:200])
    except (ValueError, AttributeError):
        return repr(body[:200])


def _request(
    method: str,
    url: str,
    *,
    token: str,
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, bytes]:
    return provider_http.call(
        method, url, provider="Mastodon", data=data, token=token, headers=headers
    )
