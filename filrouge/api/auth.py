"""Who is calling: a personal token (`Authorization: Bearer fr_…`) or the agent's session.

A request carrying an `Authorization` header is judged on that header alone:
a wrong, revoked or malformed token is a 401 even if a session cookie rides
along, so a script never silently acts under someone else's browser session.
The session is for the console's own pages calling the API; it needs the CSRF
token on unsafe methods, checked only once the session is known to be an
agent's (an anonymous caller gets a 401, not a CSRF 403).
"""

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.errors import AuthenticationError
from ninja.security import APIKeyCookie, HttpBearer

from filrouge.accounts.models import Agent
from filrouge.accounts.tokens import agent_for_token


class PersonalToken(HttpBearer):
    """`Authorization: Bearer fr_…`, created in the console or by `filrouge token create`."""

    def __call__(self, request: HttpRequest) -> Agent | None:
        header = request.headers.get(self.header)
        if header is None:
            return None  # not this scheme's business: let the session try
        scheme, _space, raw = header.partition(" ")
        agent = None
        if scheme.lower() == self.openapi_scheme and raw.strip():
            agent = self.authenticate(request, raw.strip())
        if agent is None:
            raise AuthenticationError()
        return agent

    def authenticate(self, request: HttpRequest, token: str) -> Agent | None:
        return agent_for_token(token)


class AgentSession(APIKeyCookie):
    """The agent's Django session, with Django's CSRF check on unsafe methods."""

    param_name = settings.SESSION_COOKIE_NAME

    def __call__(self, request: HttpRequest) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        return super().__call__(request)  # the CSRF check, then `authenticate`

    def authenticate(self, request: HttpRequest, key: str | None) -> Agent:
        return request.user  # type: ignore[return-value]


def agent_of(request: HttpRequest) -> Agent:
    """The authenticated agent of an API request (set by ninja from the classes above)."""
    return request.auth  # type: ignore[attr-defined,no-any-return]
