"""Partner API keys: shown once, stored as a SHA-256 digest (a lookup, not a comparison)."""

import hashlib
import secrets
from datetime import timedelta

from django.db import connection
from django.db.models import QuerySet

from filrouge.core import compiled
from filrouge.core.clock import now
from filrouge.partners.models import Partner

LAST_USED_EVERY = timedelta(minutes=1)
KEY_PREFIX = "fp_"  # noqa: S105 (a public prefix, not a secret)


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


# Every partner call reads its key's row: one statement compiled once (`core.compiled`).
PARTNER_FIELDS = tuple(f.attname for f in Partner._meta.concrete_fields)
_LOOKUP = compiled.Shapes()


def _lookup(marked: dict[str, str]) -> QuerySet:
    found = Partner.objects.filter(key_digest=marked["digest"], is_active=True)
    return found.order_by("pk").values_list(*PARTNER_FIELDS)


def partner_for_key(raw: str) -> Partner | None:
    """The active partner owning `raw`, or None. Read on every call (never cached): a
    deactivated partner is refused at once."""
    if not raw.startswith(KEY_PREFIX):
        return None
    marker = {"digest": "\x00key digest\x00"}
    rows = _LOOKUP.run("key", marker, _lookup, {"digest": digest(raw)}, limit=1)
    if not rows:
        return None
    partner = Partner.from_db(connection.alias, PARTNER_FIELDS, rows[0])
    moment = now()
    # Once a minute at most: a partner calling 300 times a second writes one row, not 300.
    if partner.last_used_at is None or moment - partner.last_used_at > LAST_USED_EVERY:
        Partner.objects.filter(pk=partner.pk).update(last_used_at=moment)
    return partner
