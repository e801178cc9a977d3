"""Personal API tokens: shown once, stored as a digest, checked in constant time."""

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction

from filrouge.accounts.models import Agent, ApiToken
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


def agent_for_token(raw: str) -> Agent | None:
    """The active agent owning `raw`, or None. A digest lookup needs no timing-safe compare."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("agent")
        .filter(digest=_digest(raw), revoked_at__isnull=True, agent__is_active=True)
        .first()
    )
    if token is None:
        return None
    moment = now()
    # Once a minute at most: a system calling 300 times a second writes one row, not 300.
    if token.last_used_at is None or moment - token.last_used_at > LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=moment)
    return token.agent
