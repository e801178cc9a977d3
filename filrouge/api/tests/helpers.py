"""Small explicit helpers for API tests: a client holding a token, a snapshot of the DB."""

from django.test import Client

from filrouge.accounts.tokens import create_api_token
from filrouge.cases.models import Case, Event, Promise

API = "/api/v1"


def client_for(agent, *, language: str = "en") -> Client:
    """A client that authenticates with a fresh personal token of `agent`."""
    _token, raw = create_api_token(agent, name="tests")
    return Client(headers={"Authorization": f"Bearer {raw}", "Accept-Language": language})


def post(client: Client, path: str, data=None, **extra):
    return client.post(f"{API}{path}", data or {}, content_type="application/json", **extra)


def get(client: Client, path: str, **params):
    return client.get(f"{API}{path}", params)


def db_state() -> tuple:
    """Everything an API call could change on cases: compared before and after a refusal."""
    cases = list(
        Case.objects.order_by("pk").values_list(
            "reference", "status", "owner_id", "team_id", "priority", "version", "updated_at"
        )
    )
    events = list(Event.objects.order_by("pk").values_list("pk", "kind"))
    promises = list(Promise.objects.order_by("pk").values_list("pk", "state", "settled_at"))
    return cases, events, promises
