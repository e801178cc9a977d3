"""Partner API keys: shown once, stored as a SHA-256 digest (a lookup, not a comparison)."""

import hashlib
import secrets

from filrouge.core.clock import now
from filrouge.partners.models import Partner

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
    if partner is not None:
        Partner.objects.filter(pk=partner.pk).update(last_used_at=now())
    return partner
