"""Partner API keys: shown once, stored as a SHA-256 digest (a lookup, not a comparison)."""

import hashlib
import secrets
from datetime import timedelta

from filrouge.core.clock import now
from filrouge.partners.models import Partner

LAST_USED_EVERY = timedelta(minutes=1)
KEY_PREFIX = "fp_"  # noqa: S105 (a public prefix, not a secret)


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def partner_for_key(raw: str) -> Partner | None:
    """The active partner owning `raw`, or None."""
    if not raw.startswith(KEY_PREFIX):
        return None
    partner = Partner.objects.filter(key_digest=digest(raw), is_active=True).first()
    moment = now()
    # Once a minute at most: a partner calling 300 times a second writes one row, not 300.
    if partner is not None and (
        partner.last_used_at is None or moment - partner.last_used_at > LAST_USED_EVERY
    ):
        Partner.objects.filter(pk=partner.pk).update(last_used_at=moment)
    return partner
