"""The signature of our phone webhooks: HMAC-SHA256 over the timestamp and the raw body.

Headers: `X-Filrouge-Timestamp: <Unix seconds>` and `X-Filrouge-Signature:
sha256=<hex of HMAC-SHA256(secret, "<timestamp>." + body)>`. The timestamp is
signed too and must be within `PHONE_SIGNATURE_TOLERANCE` seconds of our clock,
so a captured request cannot be replayed later (replaying it within the window
changes nothing either: events are idempotent).
"""

import hashlib
import hmac

PREFIX = "sha256="


def signature(body: bytes, *, timestamp: str, secret: str) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return PREFIX + digest.hexdigest()


def is_valid(
    body: bytes, *, timestamp: str, given: str, secret: str, now: float, tolerance: int
) -> bool:
    """Whether `given` signs `body` at `timestamp` under `secret`, and the timestamp is fresh."""
    if not secret or not given.startswith(PREFIX) or not timestamp.isdigit():
        return False
    if abs(now - int(timestamp)) > tolerance:
        return False
    expected = signature(body, timestamp=timestamp, secret=secret)
    return hmac.compare_digest(given.lower().encode(), expected.encode())


def headers(body: bytes, *, timestamp: int, secret: str) -> dict[str, str]:
    """The two headers for `body` (for our tests, the replay command and PBX integrators)."""
    stamp = str(timestamp)
    return {
        "X-Filrouge-Timestamp": stamp,
        "X-Filrouge-Signature": signature(body, timestamp=stamp, secret=secret),
    }
