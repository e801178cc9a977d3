"""`filrouge tmf loopback`: the partner round trip on one running Fil Rouge (see the README).

The running server plays both sides, as in `tests/test_round_trip.py`: the partner
"Opérateur d'infrastructure" has its TMF621 address on this very server, where our key
is that of the partner "Fil Rouge (opérateur commercial)". An advisor's case is handed
over (the real HTTP call an advisor's click makes), then the partner side — its own
systems, with an agent's token there — promises a date and resolves its ticket with a
note; the events come back to our listener through the task worker (or a poll).
"""

import json
import time
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.core.management.base import CommandError

from filrouge.accounts.models import Agent
from filrouge.accounts.tokens import create_api_token
from filrouge.cases.models import Case, Status
from filrouge.core.clock import now
from filrouge.partners.models import Partner
from filrouge.partners.services import add_partner
from filrouge.portal.links import tracking_url
from filrouge.tmf import client
from filrouge.tmf.http import call
from filrouge.tmf.models import PartnerEndpoint, PartnerTicket

INFRA = "Opérateur d'infrastructure"
US_THERE = "Fil Rouge (opérateur commercial)"
V5 = "/tmf-api/troubleTicket/v5"


def ensure_partners() -> Partner:
    """Both partner records, made once; the endpoint points at this server."""
    infra = Partner.objects.filter(name=INFRA).first()
    if infra is not None and hasattr(infra, "endpoint"):
        return infra
    if Partner.objects.filter(name=US_THERE).exists():
        raise CommandError(f"“{US_THERE}” exists without “{INFRA}”: remove it in the admin.")
    _us, our_key_there = add_partner(US_THERE)
    infra = infra or add_partner(INFRA)[0]
    PartnerEndpoint.objects.create(
        partner=infra, base_url=settings.FILROUGE_PUBLIC_URL + V5, their_key=our_key_there
    )
    return infra


def _case(reference: str) -> Case:
    cases = Case.objects.filter(status__in=[Status.IN_PROGRESS, Status.ACKNOWLEDGED])
    cases = (
        cases.filter(reference=reference) if reference else cases.exclude(tmf_tickets__isnull=False)
    )
    case = cases.select_related("owner").order_by("-updated_at").first()
    if case is None:
        raise CommandError("No open case to hand over: load the demo (`make run`) first.")
    return case


def _patch(url: str, token: str, body: dict) -> dict:
    status, answer = call("PATCH", url, data=json.dumps(body).encode(), token=token)
    if status != 200:
        raise CommandError(f"PATCH {url}: HTTP {status} {answer[:300]!r}")
    return json.loads(answer)


def _wait_for(ticket: PartnerTicket, done: Callable[[PartnerTicket], bool], seconds: float):
    """Until the worker has delivered the partner's events to us; else poll the partner."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        ticket.refresh_from_db()
        if done(ticket):
            return "event"
        time.sleep(0.5)
    client.poll()
    ticket.refresh_from_db()
    return "poll"


def run(*, reference: str, pause: float, write: Callable[[str], None]) -> None:
    infra = ensure_partners()
    case = _case(reference)
    advisor = case.owner or Agent.objects.filter(is_active=True).order_by("pk").first()
    write(f"1. {advisor} hands {case.reference} to “{infra.name}” over TMF621…")
    ticket = client.open_partner_ticket(
        case, partner=infra, by=advisor, description=f"Intervention pour {case.reference}"
    )
    write(f"   ticket {ticket.their_id} at the partner; {case.reference} is now “held”.")
    write(f"   Customer's page: {tracking_url(case)}")
    write(f"   Advisor's page: {settings.FILROUGE_PUBLIC_URL}/agent/dossiers/{case.reference}/")
    time.sleep(pause)
    operator = Agent.objects.filter(is_active=True).order_by("pk").first()
    _token, their_token = create_api_token(operator, name="loopback: the partner's systems")
    url = f"{settings.FILROUGE_PUBLIC_URL}{V5}/troubleTicket/{ticket.their_id}"
    promised = (now() + timedelta(days=2)).replace(microsecond=0)
    write(f"2. The partner starts and promises {promised:%d/%m/%Y %H:%M} (UTC)…")
    _patch(
        url, their_token, {"status": "inProgress", "expectedResolutionDate": promised.isoformat()}
    )
    how = _wait_for(ticket, lambda t: t.expected_resolution is not None, 30)
    write(f"   {case.reference} knows the date (by {how}); the customer's page says so.")
    time.sleep(pause)
    write("3. The partner resolves its ticket with a note…")
    _patch(
        url,
        their_token,
        {
            "status": "resolved",
            "statusChangeReason": "fixed",
            "note": [{"text": "Câble réparé au point de mutualisation."}],
        },
    )
    how = _wait_for(ticket, lambda t: t.resolved_at is not None, 30)
    case.refresh_from_db()
    write(f"   {case.reference} is “{case.status}” again (by {how}): {tracking_url(case)}")
