"""The TMF621 client: our case waits on a ticket we open at a partner.

`open_partner_ticket` POSTs the ticket to the partner's API (outside any
transaction: a slow partner holds no lock of ours), registers our listener
there once, then in one transaction records the `PartnerTicket`, the
`partner_ticket_opened` event and puts the case on hold, waiting on a partner.
What the partner tells us afterwards — an event at our listener
(`/tmf-api/listener/<partner>/`, HMAC-checked) or a poll (`filrouge tmf poll`) —
goes through `apply_partner_ticket`, which writes only what changed. A
resolution brings the case back in progress; a promised date that passes
first escalates the case like a broken promise (`sweep_missed_dates`, run by
the promise sweep).
"""

import json
import logging
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from filrouge.accounts.models import Agent
from filrouge.cases import services as cases
from filrouge.cases.models import Case, Event, Status
from filrouge.cases.services import CaseError
from filrouge.core.clock import now
from filrouge.partners.models import Partner
from filrouge.tmf.http import TmfUnavailable, call
from filrouge.tmf.models import PartnerEndpoint, PartnerTicket

logger = logging.getLogger(__name__)
INTERNAL = Event.Visibility.INTERNAL
DONE = {Status.RESOLVED, Status.CLOSED, Status.CANCELLED, Status.REJECTED}


class PartnerRefused(CaseError):
    """The partner's API did not take the ticket: said to the advisor, nothing recorded."""


def listener_url(partner: Partner) -> str:
    return f"{settings.FILROUGE_PUBLIC_URL}/tmf-api/listener/{partner.pk}/"


def _parse_date(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def _post(endpoint: PartnerEndpoint, path: str, body: dict[str, Any]) -> tuple[int, Any]:
    data = json.dumps(body, ensure_ascii=False).encode()
    status, answer = call(
        "POST", endpoint.base_url.rstrip("/") + path, data=data, token=endpoint.their_key
    )
    try:
        return status, json.loads(answer or b"{}")
    except ValueError:
        return status, {}


def open_partner_ticket(
    case: Case, *, partner: Partner, by: Agent, description: str, severity: str = "Major"
) -> PartnerTicket:
    endpoint = PartnerEndpoint.objects.filter(partner=partner, partner__is_active=True).first()
    if endpoint is None:
        raise PartnerRefused(_("This partner has no TMF621 address configured."))
    if not case.is_open:
        raise PartnerRefused(_("A closed case cannot wait on a partner."))
    body = {
        "@type": "TroubleTicket",
        "description": description.strip()[:200] or case.subject,
        "severity": severity,
        "ticketType": case.intent,
        "externalIdentifier": [
            {
                "id": case.reference,
                "owner": "Fil Rouge",
                "externalIdentifierType": "operatorCase",
                "@type": "ExternalIdentifier",
            }
        ],
    }
    try:
        status, answer = _post(endpoint, "/troubleTicket", body)
    except TmfUnavailable as exc:
        raise PartnerRefused(
            _("The partner's system could not be reached: %(error)s") % {"error": exc}
        ) from exc
    if status != 201 or not answer.get("id"):
        message = answer.get("message") or answer.get("reason") or f"HTTP {status}"
        raise PartnerRefused(_("The partner refused the ticket: %(why)s") % {"why": message})
    _listen(endpoint)
    return _record_opened(case, partner=partner, by=by, answer=answer)


def _listen(endpoint: PartnerEndpoint) -> None:
    """Register our listener at the partner once (polling covers a failure here)."""
    if endpoint.their_hub_id:
        return
    try:
        status, answer = _post(endpoint, "/hub", {"callback": listener_url(endpoint.partner)})
    except TmfUnavailable as exc:
        logger.warning("Listener registration at %s failed: %s", endpoint, exc)
        return
    if status == 201 and answer.get("id"):
        PartnerEndpoint.objects.filter(pk=endpoint.pk).update(their_hub_id=str(answer["id"]))


@transaction.atomic
def _record_opened(case: Case, *, partner: Partner, by: Agent, answer: dict) -> PartnerTicket:
    expected = _parse_date(answer.get("expectedResolutionDate"))
    ticket, _created = PartnerTicket.objects.get_or_create(
        partner=partner,
        their_id=str(answer["id"])[:100],
        defaults={
            "case": case,
            "status": str(answer.get("status", ""))[:20],
            "expected_resolution": expected,
            "opened_at": now(),
            "opened_by": by,
        },
    )
    cases.record_contact(
        case,
        kind=Event.Kind.PARTNER_TICKET_OPENED,
        channel="",
        by=by,
        visibility=INTERNAL,
        reopen=False,
        data={
            "partner": partner.pk,
            "partner_name": partner.name,
            "reference": ticket.their_id,
            "expected": expected.isoformat() if expected else None,
        },
    )
    case = Case.objects.get(pk=case.pk)
    if case.status == Status.ACKNOWLEDGED:
        case = cases.change_status(case, to=Status.IN_PROGRESS, by=by)
    if case.status != Status.HELD and case.can_move_to(Status.HELD):
        cases.change_status(case, to=Status.HELD, by=by, reason="waiting_partner")
    return ticket


@transaction.atomic
def apply_partner_ticket(partner: Partner, ticket_body: dict[str, Any]) -> PartnerTicket | None:
    """What the partner says its ticket now is (from an event or a poll): write what changed."""
    their_id = str(ticket_body.get("id", ""))
    ticket = (
        PartnerTicket.objects.select_for_update()
        .select_related("case")
        .filter(partner=partner, their_id=their_id)
        .first()
    )
    if ticket is None:
        return None
    case = ticket.case
    label = partner.name
    for note in ticket_body.get("note") or []:
        _note(ticket, note, label)
    status = str(ticket_body.get("status") or ticket.status)[:20]
    expected = _parse_date(ticket_body.get("expectedResolutionDate")) or ticket.expected_resolution
    if status in DONE and ticket.resolved_at is None:
        ticket.status, ticket.resolved_at, ticket.expected_resolution = status, now(), expected
        ticket.save(update_fields=["status", "resolved_at", "expected_resolution"])
        _event(
            case,
            Event.Kind.PARTNER_TICKET_RESOLVED,
            ticket,
            label,
            reason=str(ticket_body.get("statusChangeReason") or ""),
        )
        fresh = Case.objects.get(pk=case.pk)
        if fresh.status == Status.HELD:
            cases.change_status(fresh, to=Status.IN_PROGRESS, by=None, reason="partner_done")
    elif status != ticket.status or expected != ticket.expected_resolution:
        ticket.status, ticket.expected_resolution = status, expected
        ticket.date_missed_at = None if expected and expected > now() else ticket.date_missed_at
        ticket.save(update_fields=["status", "expected_resolution", "date_missed_at"])
        _event(case, Event.Kind.PARTNER_TICKET_UPDATED, ticket, label)
    return ticket


def _event(case: Case, kind: str, ticket: PartnerTicket, label: str, **more: Any) -> None:
    cases.record_contact(
        case,
        kind=kind,
        channel="",
        actor_label=label,
        visibility=INTERNAL,
        reopen=False,
        data={
            "partner": ticket.partner_id,
            "partner_name": label,
            "reference": ticket.their_id,
            "status": ticket.status,
            "expected": ticket.expected_resolution.isoformat()
            if ticket.expected_resolution
            else None,
            **more,
        },
    )


def _note(ticket: PartnerTicket, note: Any, label: str) -> None:
    if not isinstance(note, dict) or not str(note.get("text", "")).strip():
        return
    written = _parse_date(note.get("date")) or now()
    if ticket.last_note_at is not None and written <= ticket.last_note_at:
        return  # already on the timeline (events and polls repeat the notes)
    ticket.last_note_at = written
    ticket.save(update_fields=["last_note_at"])
    cases.record_contact(
        ticket.case,
        kind=Event.Kind.PARTNER_NOTE,
        channel="",
        actor_label=label,
        visibility=INTERNAL,
        reopen=False,
        data={
            "partner_name": label,
            "reference": ticket.their_id,
            "text": str(note["text"]).strip()[:4000],
            "author": str(note.get("author") or label)[:80],
        },
    )


def poll(*, limit: int = 500) -> int:
    """GET each open ticket at its partner and apply what it says. Returns how many answered."""
    answered = 0
    open_tickets = PartnerTicket.objects.filter(resolved_at__isnull=True).select_related(
        "partner__endpoint"
    )[:limit]
    for ticket in open_tickets:
        endpoint = getattr(ticket.partner, "endpoint", None)
        if endpoint is None:
            continue
        url = f"{endpoint.base_url.rstrip('/')}/troubleTicket/{ticket.their_id}"
        try:
            status, answer = call("GET", url, token=endpoint.their_key)
            body = json.loads(answer) if status == 200 else None
        except (TmfUnavailable, ValueError) as exc:
            logger.warning("Polling %s failed: %s", url, exc)
            continue
        if isinstance(body, dict):
            apply_partner_ticket(ticket.partner, body)
            answered += 1
    return answered


def sweep_missed_dates(at: datetime | None = None) -> int:
    """A partner's promised date passed with its ticket open: said, and escalated once."""
    moment = at or now()
    missed = 0
    while True:
        with transaction.atomic():
            due = list(
                PartnerTicket.objects.select_for_update(skip_locked=True)
                .select_related("case", "partner")
                .filter(
                    resolved_at__isnull=True,
                    date_missed_at__isnull=True,
                    expected_resolution__lte=moment,
                )[:200]
            )
            for ticket in due:
                ticket.date_missed_at = moment
                ticket.save(update_fields=["date_missed_at"])
                _event(ticket.case, Event.Kind.PARTNER_DATE_MISSED, ticket, "system")
                cases.escalate(ticket.case, why="partner_date_missed")
        missed += len(due)
        if len(due) < 200:
            return missed


def partners_with_endpoint():
    return Partner.objects.filter(is_active=True, endpoint__isnull=False).order_by("name")


def tickets_of(case: Case) -> list[PartnerTicket]:
    return list(
        PartnerTicket.objects.filter(case=case).select_related("partner").order_by("-opened_at")
    )


def side_panel(case: Case) -> dict[str, Any] | None:
    """The case page's panel: the tickets at partners, and the link to open one (one query)."""
    return {"case": case, "partner_tickets": tickets_of(case)}


def track_panel(case: Case) -> dict[str, Any] | None:
    """The tracking page: the wait on a partner in plain words, and its end (one query)."""
    tickets = tickets_of(case)
    return {"case": case, "partner_tickets": tickets} if tickets else None
