"""Per-IP limits on the public self-care forms, kept in Django's cache.

A cancellation form answers "these details match no contract": tried in bulk,
it would tell which account numbers exist. Failed identifications are counted
per client address over a window; past the limit every attempt is refused
(even a right one) until the window ends. The count lives in the default cache:
per process with the local-memory cache of the demo, shared once the cache is
Redis or Memcached (production, several web processes).
"""

from dataclasses import dataclass

from django.core.cache import cache
from django.http import HttpRequest


@dataclass(frozen=True)
class Limit:
    name: str
    attempts: int
    window: int  # seconds

    def _key(self, request: HttpRequest) -> str:
        return f"selfcare:{self.name}:{client_address(request)}"

    def exceeded(self, request: HttpRequest) -> bool:
        return int(cache.get(self._key(request), 0)) >= self.attempts

    def hit(self, request: HttpRequest) -> None:
        key = self._key(request)
        # add() starts the window only if none is running; incr() keeps its expiry.
        if not cache.add(key, 1, timeout=self.window):
            try:
                cache.incr(key)
            except ValueError:  # expired between the two calls
                cache.add(key, 1, timeout=self.window)


def client_address(request: HttpRequest) -> str:
    """The peer address. A header the client writes itself (X-Forwarded-For) is never
    trusted here; behind a reverse proxy every client shares the proxy's address until a
    middleware that trusts that proxy puts the real one in REMOTE_ADDR."""
    return request.META.get("REMOTE_ADDR", "") or "unknown"


# Ten wrong contract/line/name combinations an hour from one address.
IDENTIFICATION_FAILURES = Limit("cancel-identify", attempts=10, window=3600)
