"""`filrouge tmf loopback`: a partner round trip on one running Fil Rouge (see the README).

The running server plays both sides, as in `tests/test_round_trip.py`: the partner
"Opérateur d'infrastructure" has its TMF621 address on this very server, where our key
is that of the partner "Fil Rouge (opérateur commercial)". Step by step:

- `--setup` adds both partners (once) and says which case to hand over;
- an advisor hands the case over on its page ("Open a ticket at a partner"), or
  `--hand FR-…` makes the same call;
- `--promise FR-… --days N`: the partner side — its own systems, with an agent's
  token there — starts its ticket and promises a date;
- `--resolve FR-… --note "…"`: the partner side resolves its ticket with a note
  (`--wait`: until our case shows it).

The partner's events come back to our listener through the task worker; a step that
waits falls back to a poll of the partner (`filrouge tmf poll`) if none came. Each step
prints what the customer's tracking page then says, read from the page itself.
Without a step, the whole trip runs at once (`--case`, `--pause`).
"""

import json
import re
import time
import urllib.request
from collections.abc import Callable
from datetime import timedelta
from html import unescape

from django.conf import settings
from django.core.management.base import CommandError
from django.utils import formats
from django.utils import timezone as tz

from filrouge.accounts.models import Agent, ApiToken
from filrouge.accounts.tokens import create_api_token
from filrouge.cases.models import Case, Status
from filrouge.core.clock import now
from filrouge.partners.models import PARTNER_FILE_PREFIX, Partner
from filrouge.partners.services import add_partner
from filrouge.portal.links import tracking_url
from filrouge.tmf import client
from filrouge.tmf.http import call
from filrouge.tmf.models import PartnerEndpoint, PartnerTicket

INFRA = "Opérateur d'infrastructure"
US_THERE = "Fil Rouge (opérateur commercial)"
V5 = "/tmf-api/troubleTicket/v5"
Write = Callable[[str], None]


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


def _open_case(reference: str) -> Case:
    cases = Case.objects.filter(status__in=[Status.IN_PROGRESS, Status.ACKNOWLEDGED])
    cases = (
        cases.filter(reference=reference.strip().upper())
        if reference
        else cases.exclude(tmf_tickets__isnull=False).exclude(
            customer__account_number__startswith=PARTNER_FILE_PREFIX
        )
    )
    case = cases.select_related("owner").order_by("-updated_at").first()
    if case is None:
        if reference:
            raise CommandError(f"{reference} is not an open case (acknowledged or in progress).")
        raise CommandError("No open case to hand over: load the demo (`make run`) first.")
    return case


def setup(*, write: Write) -> Partner:
    infra = ensure_partners()
    base = settings.FILROUGE_PUBLIC_URL
    write(
        f"Partner “{infra.name}” is ready: its TMF621 API is {infra.endpoint.base_url} "
        f"(this server, where we are the partner “{US_THERE}”)."
    )
    case = _open_case("")
    write(f"Hand it a case: log in at {base}/agent/, open a case (for instance {case.reference}),")
    write("click “Ouvrir un ticket chez un partenaire”, choose the partner and send:")
    write(f"  {base}/agent/dossiers/{case.reference}/partenaire/ticket/")
    write(f"(or: filrouge tmf loopback --hand {case.reference})")
    write(f"Customer's page of {case.reference}: {tracking_url(case)}")
    return infra


def hand(reference: str, *, write: Write) -> PartnerTicket:
    """What the advisor's click does: our case goes to the partner and waits on it."""
    infra = ensure_partners()
    case = _open_case(reference)
    advisor = case.owner or Agent.objects.filter(is_active=True).order_by("pk").first()
    ticket = client.open_partner_ticket(
        case, partner=infra, by=advisor, description=f"Intervention pour {case.reference}"
    )
    write(
        f"{advisor} handed {case.reference} to “{infra.name}”: "
        f"its ticket there is {ticket.their_id}."
    )
    write(f"{case.reference} is now “held”. Customer's page: {tracking_url(case)}")
    _say_page(ticket.case, write)
    return ticket


def ticket_of(reference: str) -> PartnerTicket:
    """Our ticket at the infrastructure operator, named by our case or by its reference there."""
    ref = reference.strip().upper()
    tickets = PartnerTicket.objects.filter(partner__name=INFRA).select_related("case", "partner")
    ticket = tickets.filter(case__reference=ref).order_by("-opened_at").first()
    ticket = ticket or tickets.filter(their_id=ref).first()
    if ticket is None:
        raise CommandError(
            f"No ticket at “{INFRA}” for {ref}: hand the case over first (its page, "
            f"“Ouvrir un ticket chez un partenaire”, or `filrouge tmf loopback --hand {ref}`)."
        )
    return ticket


def promise(reference: str, *, days: int, seconds: float, write: Write) -> PartnerTicket:
    ticket = ticket_of(reference)
    if ticket.resolved_at is not None:
        raise CommandError(f"The partner's ticket {ticket.their_id} is already finished.")
    promised = (now() + timedelta(days=days)).replace(microsecond=0)
    body: dict = {"expectedResolutionDate": promised.isoformat()}
    if ticket.status != "inProgress":
        body["status"] = "inProgress"
    answer = _as_partner(ticket, body)
    write(
        f"The partner's ticket {answer['id']} is “{answer['status']}”, promised for "
        f"{_local(promised)} (our case {ticket.case.reference})."
    )
    how = _wait_for(ticket, lambda t: t.expected_resolution == promised, seconds)
    write(f"Our case {ticket.case.reference} knows the date ({how}).")
    _say_page(ticket.case, write)
    return ticket


def resolve(reference: str, *, note: str, wait: bool, seconds: float, write: Write) -> None:
    ticket = ticket_of(reference)
    if not note.strip():
        raise CommandError('Say what the partner did: --note "…".')
    if ticket.status == "acknowledged":  # a ticket is worked on before it is resolved
        _as_partner(ticket, {"status": "inProgress"})
    answer = _as_partner(
        ticket,
        {"status": "resolved", "statusChangeReason": "fixed", "note": [{"text": note.strip()}]},
    )
    write(
        f"The partner's ticket {answer['id']} is “{answer['status']}”, "
        f"with the note “{note.strip()}”."
    )
    if not wait:
        write(
            f"The worker brings the event to our case {ticket.case.reference} within seconds "
            f"(add --wait to see it). Customer's page: {tracking_url(ticket.case)}"
        )
        return
    how = _wait_for(ticket, lambda t: t.resolved_at is not None, seconds)
    case = Case.objects.get(pk=ticket.case_id)
    if ticket.resolved_at is None:
        raise CommandError(f"{case.reference} has not heard of it: is `make run` (the worker) up?")
    write(
        f"Our case {case.reference} is “{case.status}” again ({how}); "
        "the partner's note is on its timeline."
    )
    _say_page(case, write)


def _as_partner(ticket: PartnerTicket, body: dict) -> dict:
    """PATCH the partner's ticket as the partner's own systems (an agent's token at its side,
    made for this call and removed after it)."""
    operator = Agent.objects.filter(is_active=True).order_by("pk").first()
    if operator is None:
        raise CommandError("No active agent to play the partner's systems.")
    token, raw = create_api_token(operator, name="loopback: the partner's systems")
    url = f"{ticket.partner.endpoint.base_url}/troubleTicket/{ticket.their_id}"
    try:
        status, answer = call("PATCH", url, data=json.dumps(body).encode(), token=raw)
    finally:
        ApiToken.objects.filter(pk=token.pk).delete()
    if status != 200:
        raise CommandError(f"PATCH {url}: HTTP {status} {answer[:300]!r}")
    return json.loads(answer)


def idle(seconds: float) -> None:
    """While a step waits for the worker (a seam: the tests deliver the events here)."""
    time.sleep(seconds)


def _wait_for(ticket: PartnerTicket, done: Callable[[PartnerTicket], bool], seconds: float) -> str:
    """Until the worker has delivered the partner's events to us; else poll the partner."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        ticket.refresh_from_db()
        if done(ticket):
            return "by the partner's event"
        idle(0.5)
    client.poll()
    ticket.refresh_from_db()
    return "by polling the partner: no event came"


def _local(moment) -> str:
    return formats.date_format(tz.localtime(moment), "SHORT_DATETIME_FORMAT")


PARAGRAPH = re.compile(r'<p class="notice partner-wait"[^>]*>(.*?)</p>', re.S)


def page_says(case: Case) -> list[str]:
    """The partner sentences of the customer's tracking page, as the server renders it."""
    request = urllib.request.Request(  # noqa: S310 - our own public address
        tracking_url(case), headers={"Accept-Language": "fr"}
    )
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
        html = answer.read().decode()
    return [" ".join(unescape(re.sub(r"<[^>]+>", " ", p)).split()) for p in PARAGRAPH.findall(html)]


def _say_page(case: Case, write: Write) -> None:
    write(f"The customer's page ({tracking_url(case)}) says:")
    for sentence in page_says(case) or ["(nothing about a partner)"]:
        write(f"  « {sentence} »")


def run(*, reference: str, pause: float, write: Write) -> None:
    """The whole trip at once: hand over, promise in 2 days, resolve with a note."""
    ticket = hand(reference, write=write)
    time.sleep(pause)
    promise(ticket.case.reference, days=2, seconds=30, write=write)
    time.sleep(pause)
    resolve(
        ticket.case.reference,
        note="Câble réparé au point de mutualisation.",
        wait=True,
        seconds=30,
        write=write,
    )
