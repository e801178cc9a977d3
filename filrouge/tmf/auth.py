"""Who calls the TMF API, and how often.

`Authorization: Bearer fp_…` is a partner's key (`filrouge partner add`): it sees
only the tickets entrusted to it, and is rate-limited. `Bearer fr_…` is an
agent's personal token, for the operator's own systems: every ticket.

401: no header, another scheme, or a key nobody holds. 403: the key is right but
its partner was deactivated (or the agent's account). 429: too many calls this
minute (`TMF_RATE_LIMIT_PER_MINUTE`, per partner, in Django's cache).
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer

from filrouge.accounts.models import ApiToken
from filrouge.accounts.tokens import TOKEN_PREFIX, agent_for_token
from filrouge.core.clock import now
from filrouge.partners.keys import KEY_PREFIX, digest, partner_for_key
from filrouge.partners.models import Partner
from filrouge.tmf.resource import Caller
from filrouge.tmf.services import TmfError


class TmfBearer(HttpBearer):
    def __call__(self, request: HttpRequest) -> Caller:
        scheme, _space, raw = request.headers.get(self.header, "").partition(" ")
        raw = raw.strip()
        if scheme.lower() != self.openapi_scheme or not raw:
            raise AuthenticationError()
        caller = self.authenticate(request, raw)
        if caller is None:
            raise AuthenticationError()
        request.tmf_secret = hashlib.sha256(raw.encode()).hexdigest()  # type: ignore[attr-defined]
        return caller

    def authenticate(self, request: HttpRequest, token: str) -> Caller | None:
        if token.startswith(KEY_PREFIX):
            partner = partner_for_key(token)
            if partner is None:
                _refuse_inactive_partner(request, token)
                return None
            request.tmf_partner = partner  # type: ignore[attr-defined]  (for the audit)
            _count(partner)
            return Caller(partner=partner)
        if token.startswith(TOKEN_PREFIX):
            agent = agent_for_token(token)
            if agent is None:
                _refuse_inactive_agent(token)
                return None
            return Caller(agent=agent)
        return None


def _refuse_inactive_partner(request: HttpRequest, token: str) -> None:
    partner = Partner.objects.filter(key_digest=digest(token), is_active=False).first()
    if partner is not None:
        request.tmf_partner = partner  # type: ignore[attr-defined]
        raise TmfError(403, "forbidden", _("This partner's access was deactivated."))


def _refuse_inactive_agent(token: str) -> None:
    known = ApiToken.objects.filter(
        digest=hashlib.sha256(token.encode()).hexdigest(), agent__is_active=False
    )
    if known.exists():
        raise TmfError(403, "forbidden", _("This account was deactivated."))


def _count(partner: Partner) -> None:
    """A fixed one-minute window per partner: the call past the limit is refused."""
    limit = settings.TMF_RATE_LIMIT_PER_MINUTE
    window = int(now().timestamp() // 60)
    key = f"tmf-rate:{partner.pk}:{window}"
    cache.add(key, 0, timeout=70)
    try:
        calls = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=70)
        calls = 1
    if calls > limit:
        raise TmfError(
            429,
            "tooManyRequests",
            _("More than %(n)d calls this minute: wait for the next one.") % {"n": limit},
        )
