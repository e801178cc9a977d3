"""Rate limits of the public pages, counted in Django's cache (fixed windows).

A tracking token is 128 bits: guessing one is hopeless; the limits keep it so
and stop anyone from using the pages to test references or contact details in
bulk. Counted per client address and per case reference, so neither many
references from one address nor one reference from many addresses gets far.

| what | per client address | per reference |
|---|---|---|
| a tracking link that does not open (`/suivi/<ref>/`, `…/message/`) | 20 per 10 min | 30 per hour |
| a request for a new link (`/suivi/`) | 5 per hour | 3 per hour |
| a message from the page (`…/message/`) | 10 per 10 min | 10 per 10 min |

Once a limit is reached every request it covers answers 429 until the window
ends, without looking at the token: a right guess would not be told apart.
The counters live in the default cache: with several web processes it must be
a shared one (Redis, or Django's database cache), else each process counts
alone. The client address is `REMOTE_ADDR`: behind a reverse proxy, have the
proxy hand the real one over (e.g. gunicorn behind nginx with the real-IP module).
"""

from dataclasses import dataclass

from django.core.cache import cache
from django.http import HttpRequest


@dataclass(frozen=True)
class Limit:
    name: str
    per_client: int
    per_reference: int
    seconds: int


BAD_LINK = Limit("bad-link", per_client=20, per_reference=30, seconds=3600)
BAD_LINK_CLIENT_SECONDS = 600
NEW_LINK = Limit("new-link", per_client=5, per_reference=3, seconds=3600)
MESSAGE = Limit("message", per_client=10, per_reference=10, seconds=600)


def client_address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _keys(limit: Limit, request: HttpRequest, reference: str) -> list[tuple[str, int, int]]:
    client_seconds = BAD_LINK_CLIENT_SECONDS if limit is BAD_LINK else limit.seconds
    keys = [(f"portal:{limit.name}:ip:{client_address(request)}", limit.per_client, client_seconds)]
    if reference:
        keys.append((f"portal:{limit.name}:ref:{reference}", limit.per_reference, limit.seconds))
    return keys


def exceeded(limit: Limit, request: HttpRequest, *, reference: str = "") -> bool:
    """Whether this client, or this reference, already used up `limit`."""
    counts = cache.get_many([key for key, _most, _s in _keys(limit, request, reference)])
    return any(counts.get(key, 0) >= most for key, most, _s in _keys(limit, request, reference))


def count(limit: Limit, request: HttpRequest, *, reference: str = "") -> None:
    """Count one attempt against `limit`, for the client and the reference."""
    for key, _most, seconds in _keys(limit, request, reference):
        # add() starts the window if there is none; incr() never extends it.
        if not cache.add(key, 1, timeout=seconds):
            try:
                cache.incr(key)
            except ValueError:  # the window ended between add and incr
                cache.add(key, 1, timeout=seconds)
