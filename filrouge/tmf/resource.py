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
| attachment[]              | the case's documents (a partner's: those sent to this API)  |
| requestedResolutionDate   | `TicketFacts.requested_resolution`, the date asked for      |
| troubleTicketRelationship[] | `TicketFacts.relationships`: other tickets' ids, and how  |
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

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
FIELDS_SET = frozenset(FIELDS)
ORDER = (*ALWAYS, *FIELDS)  # the order fields are written in
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


def iso(moment: datetime | str | None) -> str | None:
    """ISO 8601 in UTC ("Z"); text the database already made (`selectors.IsoUtc`) as it is."""
    if moment.__class__ is str or not moment:  # a page of 100 tickets asks it ~800 times
        return moment or None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")  # type: ignore[union-attr]


def href(base: str, reference: str) -> str:
    return f"{base}/troubleTicket/{reference}"


# The kinds as plain strings: comparing with the enum's members, looked up on its class
# for each event of a page, was a visible part of a list's CPU.
STATUS_CHANGED = str(Event.Kind.STATUS_CHANGED.value)
NOTE = str(Event.Kind.NOTE.value)


def note_of(event: Any) -> dict[str, Any]:
    """A note from a `selectors.EventRow` (the keys of its data read by the database)."""
    text = event.text or event.body or ""
    author = event.author or event.actor_label or "Fil Rouge"
    if event.actor_id and event.kind == NOTE:
        author = "Fil Rouge"
    return {
        "id": str(event.pk),
        "author": author,
        "date": iso(event.created_at),
        "text": text,
        "@type": "Note",
    }


def status_change_of(event: Any) -> dict[str, Any]:
    return {
        "status": event.to or "",
        "statusChangeReason": event.reason or "",
        "changeDate": iso(event.created_at),
        "@type": "StatusChange",
    }


class TicketRow(NamedTuple):
    """What a ticket reads of a case, its customer, line and facts: one row of the list's
    SQL statement (plain values, no model objects)."""

    pk: int
    reference: str
    subject: str
    intent: str
    status: str
    priority: int
    channel: str
    # Moments: datetimes, or already ISO text when PostgreSQL wrote them (`iso` takes both).
    next_step_due: datetime | str | None
    created_at: datetime | str
    updated_at: datetime | str
    resolved_at: datetime | str | None
    line_number: str | None
    account_number: str
    first_name: str
    last_name: str
    requested_resolution: datetime | str | None
    relationships: list | None
    their_reference: str

    @classmethod
    def of(cls, case: Case, *, their_reference: str = "") -> "TicketRow":
        """The row of a case already in memory (its customer and line loaded with it)."""
        customer = case.customer
        return cls(
            case.pk, case.reference, case.subject, case.intent, case.status, case.priority,
            case.channel, case.next_step_due, case.created_at, case.updated_at,
            case.resolved_at, case.line.number if case.line_id else None,
            customer.account_number, customer.first_name, customer.last_name, None, None,
            their_reference,
        )  # fmt: skip


def ticket(
    case: TicketRow,
    *,
    base: str,
    caller: Caller,
    fields: frozenset[str] | None = None,
    events: list[Any] = (),  # type: ignore[assignment]
    external_ids: list[tuple[str, str]] = (),  # type: ignore[assignment]
    attachments: list[dict[str, Any]] = (),  # type: ignore[assignment]
) -> dict[str, Any]:
    """The TroubleTicket of a case's row, limited to `fields` (None: all of them).

    `events` are the case's status changes and notes (oldest first) and
    `external_ids` the (partner name, their reference) pairs the caller may see,
    `attachments` the documents as TMF attachments: the selectors fetch them for a
    whole page at once.
    """
    full = fields is None
    wanted = FIELDS_SET if full else fields
    reference = case.reference
    priority = case.priority
    channel = case.channel
    with_events = full or not wanted.isdisjoint(EVENT_FIELDS)
    if with_events:
        changes = [e for e in events if e.kind == STATUS_CHANGED]
        reason = (changes[-1].reason or "") if changes else ""
        history = [status_change_of(e) for e in changes]
        notes = [note_of(e) for e in events if e.kind != STATUS_CHANGED]
    else:
        reason, history, notes = "", [], []
    # Written in ORDER (a full ticket is returned as it is made; a projection keeps the
    # fields asked for, and those of ALWAYS).
    out: dict[str, Any] = {
        "id": reference,
        "href": f"{base}/troubleTicket/{reference}",
        "@type": TYPE,
        "name": case.subject,
        "description": case.subject,
        "severity": SEVERITY_OF[priority],
        "ticketType": case.intent,
        "priority": PRIORITY_OF[priority],
        "channel": {"id": channel, "name": channel, "@type": "ChannelRef"},
        "status": case.status,
        "statusChangeReason": reason,
        "statusChangeHistory": history,
        "creationDate": iso(case.created_at),
        "lastUpdate": iso(case.updated_at),
        "expectedResolutionDate": iso(case.next_step_due),
        "requestedResolutionDate": iso(case.requested_resolution),
        "resolutionDate": iso(case.resolved_at),
        "note": notes,
        "attachment": list(attachments),
        "relatedEntity": _related_entities(case) if "relatedEntity" in wanted else None,
        "relatedParty": _related_parties(case, caller) if "relatedParty" in wanted else None,
        "externalIdentifier": [
            {
                "id": ref,
                "owner": owner,
                "externalIdentifierType": "partnerReference",
                "@type": "ExternalIdentifier",
            }
            for owner, ref in external_ids
        ]
        if "externalIdentifier" in wanted
        else None,
        "troubleTicketRelationship": [
            {**r, "href": f"{base}/troubleTicket/{r['id']}", "@type": "TroubleTicketRelationship"}
            for r in (case.relationships or ())
        ],
    }
    if full:
        return out
    return {name: out[name] for name in ORDER if name in wanted or name in ALWAYS}


def _related_entities(case: TicketRow) -> list[dict[str, Any]]:
    if case.line_number is None:
        return []
    return [
        {
            "role": "line",
            "entity": {"id": case.line_number, "@referredType": "Resource", "@type": "EntityRef"},
            "@type": "RelatedEntity",
        }
    ]


def _related_parties(case: TicketRow, caller: Caller) -> list[dict[str, Any]]:
    party: dict[str, Any] = {
        "id": case.account_number,
        "@referredType": "Customer",
        "@type": "PartyRef",
    }
    if caller.partner is None:  # a partner does not get the customer's name
        party["name"] = f"{case.first_name} {case.last_name}".strip()
    return [{"role": "customer", "partyOrPartyRole": party, "@type": "RelatedPartyOrPartyRole"}]
