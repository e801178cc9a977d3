"""Small explicit helpers for the TMF API tests."""

import json

from django.test import Client

from filrouge.accounts.tokens import create_api_token
from filrouge.partners.services import add_partner, entrust_case

V5 = "/tmf-api/troubleTicket/v5"


def partner_client(name: str = "Orange Wholesale"):
    """A partner and a client that sends its key."""
    partner, raw = add_partner(name)
    return partner, Client(headers={"Authorization": f"Bearer {raw}"}), raw


def agent_client(agent):
    _token, raw = create_api_token(agent, name="tmf tests")
    return Client(headers={"Authorization": f"Bearer {raw}"})


def entrusted(case, partner, external_id: str = ""):
    grant = entrust_case(case, partner=partner, by=None)
    if external_id:
        grant.external_id = external_id
        grant.save(update_fields=["external_id"])
    return case


def post(client: Client, path: str, body) -> object:
    return client.post(f"{V5}{path}", json.dumps(body), content_type="application/json")


def patch(client: Client, path: str, body) -> object:
    return client.patch(
        f"{V5}{path}", json.dumps(body), content_type="application/merge-patch+json"
    )


TICKET = {"description": "Fibre coupée rue des Lilas", "severity": "Major", "ticketType": "outage"}


def is_tmf_error(response, status: int) -> bool:
    body = response.json()
    return (
        response.status_code == status
        and body["@type"] == "Error"
        and body["status"] == str(status)
        and {"code", "reason", "message"} <= set(body)
        and bool(body["message"])
    )


def deliver_pending() -> int:
    """What `filrouge worker` does with the queued event deliveries: each POSTed to its
    listener over HTTP. Run from the test's own thread: SQLite's in-memory test database
    is shared with the live server's thread, and a third thread meets "table is locked"."""
    from filrouge.tmf import events
    from filrouge.tmf.models import HubDelivery

    pending = HubDelivery.objects.filter(state=HubDelivery.State.PENDING).order_by("pk")
    return sum(events.deliver(pk) == "delivered" for pk in pending.values_list("pk", flat=True))
