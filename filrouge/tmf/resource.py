"""A case seen as a TMF621 TroubleTicket: the mapping, both ways, in one place.

| TMF621 field              | Fil Rouge                                                   |
|---------------------------|-------------------------------------------------------------|
| id                        | the case reference (FR-2026-000123)                         |
| name, description         | the subject (description is written there, 200 characters)  |
| severity / priority       | the priority: Critical/urgent, Major/high, Minor/normal, Warning/low |
| ticketType                | the intent (outage, move, billing…)                         |
| channel.name              | the first contact's channel                                 |
| status, statusChangeReason| the status (already TMF621's) and the last change's reason  |
| statusChangeHistory       | the timeline's `status_changed` events                      |
| note[]                    | `partner_note` events (the operator also sees internal notes) |
| expectedResolutionDate    | the next step's due date                                    |
| resolutionDate            | when it was resolved                                        |
| relatedParty[]            | the customer (account number; its name for the operator only) |
| relatedEntity[]           | the line (its number)                                       |
| externalIdentifier[]      | each partner's own reference for the case                   |
| attachment[], troubleTicketRelationship[], requestedResolutionDate | not kept: always empty |
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from filrouge.accounts.models import Agent
from filrouge.cases.models import Case, Event, Priority
from filrouge.partners.models import Partner

TYPE = "TroubleTicket"
FIELDS = (
    "name",
    "description",
    "severity",
    "ticketType",
    "priority",
    "channel",
    "status",
    "statusChangeReason",
    "statusChangeHistory",
    "creationDate",
    "lastUpdate",
    "expectedResolutionDate",
    "requestedResolutionDate",
    "resolutionDate",
    "note",
    "attachment",
    "relatedEntity",
    "relatedParty",
    "externalIdentifier",
    "troubleTicketRelationship",
)
ALWAYS = ("id", "href", "@type")
# Fields that need the case's events (one query for a whole page, only when asked for).
EVENT_FIELDS = {"statusChangeReason", "statusChangeHistory", "note"}

SEVERITIES = {
    "critical": Priority.URGENT,
    "major": Priority.HIGH,
    "minor": Priority.NORMAL,
    "warning": Priority.LOW,
}
SEVERITY_OF = {priority: name.capitalize() for name, priority in SEVERITIES.items()}
PRIORITIES = {
    "urgent": Priority.URGENT,
    "high": Priority.HIGH,
    "normal": Priority.NORMAL,
    "low": Priority.LOW,
}
PRIORITY_OF = {priority: name for name, priority in PRIORITIES.items()}


@dataclass(frozen=True)
class Caller:
    """Who calls the TMF API: a partner (its own tickets only) or an operator system
    (an agent's personal token: every ticket)."""

    partner: Partner | None = None
    agent: Agent | None = None

    @property
    def label(self) -> str:
        return self.partner.name if self.partner else ""


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def href(base: str, reference: str) -> str:
    return f"{base}/troubleTicket/{reference}"


def note_of(event: Event) -> dict[str, Any]:
    text = event.data.get("text") or event.data.get("body", "")
    author = event.data.get("author") or event.actor_label or "Fil Rouge"
    if event.actor_id and event.kind == Event.Kind.NOTE:
        author = "Fil Rouge"
    return {
        "id": str(event.pk),
        "author": author,
        "date": iso(event.created_at),
        "text": text,
        "@type": "Note",
    }


def status_change_of(event: Event) -> dict[str, Any]:
    return {
        "status": event.data.get("to", ""),
        "statusChangeReason": event.data.get("reason", ""),
        "changeDate": iso(event.created_at),
        "@type": "StatusChange",
    }


def ticket(
    case: Case,
    *,
    base: str,
    caller: Caller,
    fields: frozenset[str] | None = None,
    events: list[Event] = (),  # type: ignore[assignment]
    external_ids: list[tuple[str, str]] = (),  # type: ignore[assignment]
) -> dict[str, Any]:
    """The TroubleTicket for `case`, limited to `fields` (None: all of them).

    `events` are the case's status changes and notes (oldest first) and
    `external_ids` the (partner name, their reference) pairs the caller may see:
    the selectors fetch both for a whole page at once.
    """
    want = (lambda name: True) if fields is None else fields.__contains__  # noqa: E731
    out: dict[str, Any] = {"id": case.reference, "href": href(base, case.reference), "@type": TYPE}
    changes = [e for e in events if e.kind == Event.Kind.STATUS_CHANGED]
    values = {
        "name": lambda: case.subject,
        "description": lambda: case.subject,
        "severity": lambda: SEVERITY_OF[case.priority],
        "ticketType": lambda: case.intent,
        "priority": lambda: PRIORITY_OF[case.priority],
        "channel": lambda: {"id": case.channel, "name": case.channel, "@type": "ChannelRef"},
        "status": lambda: case.status,
        "statusChangeReason": lambda: changes[-1].data.get("reason", "") if changes else "",
        "statusChangeHistory": lambda: [status_change_of(e) for e in changes],
        "creationDate": lambda: iso(case.created_at),
        "lastUpdate": lambda: iso(case.updated_at),
        "expectedResolutionDate": lambda: iso(case.next_step_due),
        "requestedResolutionDate": lambda: None,
        "resolutionDate": lambda: iso(case.resolved_at),
        "note": lambda: [note_of(e) for e in events if e.kind != Event.Kind.STATUS_CHANGED],
        "attachment": list,
        "relatedEntity": lambda: _related_entities(case),
        "relatedParty": lambda: _related_parties(case, caller),
        "externalIdentifier": lambda: [
            {
                "id": ref,
                "owner": owner,
                "externalIdentifierType": "partnerReference",
                "@type": "ExternalIdentifier",
            }
            for owner, ref in external_ids
        ],
        "troubleTicketRelationship": list,
    }
    for name in FIELDS:
        if want(name):
            out[name] = values[name]()
    return out


def _related_entities(case: Case) -> list[dict[str, Any]]:
    if case.line_id is None:
        return []
    return [
        {
            "role": "line",
            "entity": {"id": case.line.number, "@referredType": "Resource", "@type": "EntityRef"},
            "@type": "RelatedEntity",
        }
    ]


def _related_parties(case: Case, caller: Caller) -> list[dict[str, Any]]:
    party: dict[str, Any] = {
        "id": case.customer.account_number,
        "@referredType": "Customer",
        "@type": "PartyRef",
    }
    if caller.partner is None:  # a partner does not get the customer's name
        party["name"] = case.customer.full_name
    return [{"role": "customer", "partyOrPartyRole": party, "@type": "RelatedPartyOrPartyRole"}]
