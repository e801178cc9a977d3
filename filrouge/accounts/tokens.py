"""Personal API tokens: shown once, stored as a digest, checked in constant time."""

import hashlib
import secrets
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import QuerySet

from filrouge.accounts.models import Agent, ApiToken
from filrouge.core import compiled
from filrouge.core.clock import now

TOKEN_PREFIX = "fr_"  # noqa: S105 (a public prefix, not a secret)
LAST_USED_EVERY = timedelta(minutes=1)


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def create_api_token(agent: Agent, *, name: str) -> tuple[ApiToken, str]:
    """Create a token for `agent`; returns the row and the raw token (shown once)."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        agent=agent, name=name.strip() or "API", digest=_digest(raw), prefix=raw[:8]
    )
    return token, raw


# The token's row and its agent's, read in one statement compiled once (`core.compiled`):
# every API call asks it, and building it through the ORM cost as much as running it.
AGENT_FIELDS = tuple(f.attname for f in Agent._meta.concrete_fields)
_LOOKUP = compiled.Shapes()


def _lookup(marked: dict[str, str]) -> QuerySet:
    return (
        ApiToken.objects.filter(
            digest=marked["digest"], revoked_at__isnull=True, agent__is_active=True
        )
        .order_by("pk")
        .values_list("pk", "last_used_at", *(f"agent__{name}" for name in AGENT_FIELDS))
    )


def agent_for_token(raw: str) -> Agent | None:
    """The active agent owning `raw`, or None. A digest lookup needs no timing-safe compare.
    Read on every call (never cached): a revoked token or a deactivated agent is refused
    at once."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    marker = {"digest": "\x00token digest\x00"}
    rows = _LOOKUP.run("token", marker, _lookup, {"digest": _digest(raw)}, limit=1)
    if not rows:
        return None
    token_pk, last_used_at, *agent = rows[0]
    moment = now()
    # Once a minute at most: a system calling 300 times a second writes one row, not 300.
    if last_used_at is None or moment - last_used_at > LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token_pk).update(last_used_at=moment)
    return Agent.from_db(connection.alias, AGENT_FIELDS, agent)
