"""Writes of the TMF API, over the cases services: a ticket is opened, patched or cancelled.

Refusals are `TmfError`s carrying the HTTP status and TMF630 code the API answers with.
"""

from datetime import datetime
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from filrouge.cases import services as cases
from filrouge.cases.models import Case, Event, Status
from filrouge.core import compiled
from filrouge.customers.models import Channel, Customer
from filrouge.partners.models import PARTNER_FILE_PREFIX, Partner, PartnerCase
from filrouge.tmf import attachments as files
from filrouge.tmf import events
from filrouge.tmf.models import TicketFacts
from filrouge.tmf.resource import PRIORITIES, SEVERITIES, Caller
from filrouge.tmf.selectors import case_for, visible_cases

PATCHABLE = {
    "status",
    "statusChangeReason",
    "note",
    "severity",
    "priority",
    "externalIdentifier",
    "expectedResolutionDate",
    "requestedResolutionDate",
    "troubleTicketRelationship",
    "attachment",
    "@type",
}


class TmfError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def not_found(reference: str) -> TmfError:
    return TmfError(404, "notFound", _("No trouble ticket %(id)s among yours.") % {"id": reference})


# A partner's file, read on each of its tickets: one statement compiled once.
CUSTOMER_FIELDS = tuple(f.attname for f in Customer._meta.concrete_fields)
_FILES = compiled.Shapes()


def _file(marked: dict[str, str]) -> QuerySet:
    return Customer.objects.filter(account_number=marked["number"]).values_list(*CUSTOMER_FIELDS)


def partner_customer(partner: Partner) -> Customer:
    """The file a partner's own tickets are opened on (one per partner, made on first use)."""
    number = f"{PARTNER_FILE_PREFIX}{partner.pk}"
    marker = {"number": "\x00partner file\x00"}
    found = _FILES.run("file", marker, _file, {"number": number}, limit=1)
    if found:
        return Customer.from_db(connection.alias, CUSTOMER_FIELDS, found[0])
    try:
        with transaction.atomic():
            return Customer.objects.create(
                account_number=number,
                first_name="",
                last_name=partner.name[:80],
                search_name=partner.name.lower()[:170],
            )
    except IntegrityError:
        return Customer.objects.get(account_number=number)


def _customer_named(parties: list[dict[str, Any]]) -> Customer:
    for party in parties:
        if str(party.get("role", "")).lower() != "customer":
            continue
        ref = party.get("partyOrPartyRole") or party  # v5 nests the reference, v4 does not
        number = str(ref.get("id", "")).strip() if isinstance(ref, dict) else ""
        customer = Customer.objects.filter(account_number=number).first() if number else None
        if customer is not None:
            return customer
        raise TmfError(422, "unknownCustomer", _("No customer with account %(n)s.") % {"n": number})
    raise TmfError(
        422,
        "missingCustomer",
        _("Say whose ticket this is: a relatedParty with role “customer” and its account number."),
    )


def _their_reference(identifiers: list[dict[str, Any]] | None) -> str:
    for identifier in identifiers or []:
        if isinstance(identifier, dict) and str(identifier.get("id", "")).strip():
            return str(identifier["id"]).strip()[:100]
    return ""


def open_ticket(caller: Caller, data: dict[str, Any]) -> Case:
    """A ticket posted to us becomes a case: a partner's on its own file, entrusted to it.

    One transaction, `open_case`'s: the grant, the create event and the notes are
    written by its case-opened hook (`events.opening_ticket`).
    """
    if caller.partner is not None:
        customer = partner_customer(caller.partner)
    else:
        customer = _customer_named(data.get("relatedParty") or [])
    severity = SEVERITIES[data["severity"].lower()]
    priority = PRIORITIES[data["priority"].lower()] if data.get("priority") else severity
    channel = (data.get("channel") or {}).get("name") or Channel.WEB
    their_reference = _their_reference(data.get("externalIdentifier"))
    incoming = files.decode(data.get("attachment"))  # checked before anything is written
    relationships = _relationships(caller, data.get("troubleTicketRelationship"))
    requested = parse_date(data.get("requestedResolutionDate"), "requestedResolutionDate")

    def entrust(case: Case) -> None:
        case.their_reference = their_reference  # type: ignore[attr-defined]
        if caller.partner is not None:
            compiled.insert_one(
                PartnerCase(
                    partner=caller.partner,
                    case=case,
                    granted_at=case.created_at,
                    external_id=their_reference,
                )
            )
        events.ticket_created(case, partner=caller.partner, their_reference=their_reference)
        for note in data.get("note") or []:
            _add_note(case, caller, note)
        if requested or relationships:
            TicketFacts.objects.create(
                case=case, requested_resolution=requested, relationships=relationships
            )
        files.store(case, caller, incoming)

    with events.opening_ticket(entrust):
        return cases.open_case(
            customer,
            subject=data["description"],
            channel=channel,
            by=caller.agent,
            intent=data["ticketType"].lower(),
            priority=priority,
        )


def _add_note(case: Case, caller: Caller, note: dict[str, Any]) -> None:
    text = str(note.get("text", "")).strip()
    if not text:
        raise TmfError(400, "invalidNote", _("A note needs a text."))
    cases.record_contact(
        case,
        kind=Event.Kind.PARTNER_NOTE,
        channel="",
        data={"text": text[:4000], "author": str(note.get("author") or caller.label)[:80]},
        by=caller.agent,
        actor_label=caller.label,
        visibility=Event.Visibility.INTERNAL,
        reopen=False,
    )


@transaction.atomic
def patch_ticket(caller: Caller, reference: str, patch: dict[str, Any]) -> Case:
    """A JSON merge-patch: only the attributes sent change; the status keeps to TRANSITIONS."""
    refused = sorted(set(patch) - PATCHABLE)
    if refused:
        raise TmfError(
            400,
            "nonPatchable",
            _("These attributes cannot be changed: %(names)s.") % {"names": ", ".join(refused)},
        )
    incoming = files.decode(patch.get("attachment"))
    case = case_for(caller, reference, lock=True)
    if case is None:
        raise not_found(reference)
    _patch_facts(case, caller, patch)
    if "status" in patch and patch["status"] != case.status:
        case = _move(case, caller, str(patch["status"]), str(patch.get("statusChangeReason") or ""))
    level = patch.get("priority") or patch.get("severity")
    if level:
        table = PRIORITIES if patch.get("priority") else SEVERITIES
        case = cases.change_priority(
            case, to=table[str(level).lower()], by=caller.agent, actor_label=caller.label
        )
    if "expectedResolutionDate" in patch:
        case = _expect(case, caller, patch["expectedResolutionDate"])
    if "externalIdentifier" in patch:
        _set_their_reference(case, caller, patch["externalIdentifier"])
    for note in patch.get("note") or []:
        # Merge-patch replaces a list: notes sent back with their id are already ours.
        if isinstance(note, dict) and not note.get("id"):
            _add_note(case, caller, note)
    files.store(case, caller, incoming)
    return case


def parse_date(value: Any, name: str) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        due = value
    else:
        try:
            due = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError as exc:
            raise TmfError(
                400, "invalidDate", _("%(name)s is not a date.") % {"name": name}
            ) from exc
    if due.tzinfo is None:
        raise TmfError(400, "invalidDate", _("%(name)s needs a time zone.") % {"name": name})
    return due


def _relationships(caller: Caller, items: list[dict[str, Any]] | None) -> list[dict[str, str]]:
    """The related tickets, each one the caller may see (else a 422), without repeats."""
    wanted = {}
    for item in items or []:
        reference = str(item["id"]).strip().upper()
        wanted[reference] = {"id": reference, "relationshipType": str(item["relationshipType"])}
    if not wanted:
        return []
    known = set(
        visible_cases(caller).filter(reference__in=wanted).values_list("reference", flat=True)
    )
    unknown = sorted(set(wanted) - known)
    if unknown:
        raise TmfError(
            422,
            "unknownRelatedTicket",
            _("No trouble ticket %(ids)s among yours.") % {"ids": ", ".join(unknown)},
        )
    return list(wanted.values())


def _patch_facts(case: Case, caller: Caller, patch: dict[str, Any]) -> None:
    """Merge-patch of the requested date and the relationships (a list is replaced)."""
    changes: dict[str, Any] = {}
    if "requestedResolutionDate" in patch:
        changes["requested_resolution"] = parse_date(
            patch["requestedResolutionDate"], "requestedResolutionDate"
        )
    if "troubleTicketRelationship" in patch:
        changes["relationships"] = _relationships(caller, patch["troubleTicketRelationship"])
    if changes:
        TicketFacts.objects.update_or_create(case=case, defaults=changes)


def _move(case: Case, caller: Caller, to: str, reason: str) -> Case:
    if to not in Status.values:
        raise TmfError(400, "invalidStatus", _("Unknown status “%(s)s”.") % {"s": to})
    if not case.can_move_to(to):
        raise TmfError(
            409,
            "invalidTransition",
            _("A ticket cannot go from “%(from)s” to “%(to)s”.") % {"from": case.status, "to": to},
        )
    return cases.change_status(
        case, to=to, by=caller.agent, reason=reason[:200], actor_label=caller.label
    )


def _expect(case: Case, caller: Caller, value: Any) -> Case:
    if caller.agent is None:
        raise TmfError(422, "notYours", _("Only the operator sets the expected resolution date."))
    try:
        due = datetime.fromisoformat(str(value).replace("Z", "+00:00")) if value else None
    except ValueError as exc:
        raise TmfError(400, "invalidDate", _("expectedResolutionDate is not a date.")) from exc
    if due is not None and due.tzinfo is None:
        raise TmfError(400, "invalidDate", _("expectedResolutionDate needs a time zone."))
    return cases.set_next_step(case, by=caller.agent, text=case.next_step, due=due)


def _set_their_reference(case: Case, caller: Caller, identifiers: Any) -> None:
    if caller.partner is None:
        raise TmfError(422, "notYours", _("Only a partner names its own reference."))
    if not isinstance(identifiers, list):
        raise TmfError(400, "invalidBody", _("externalIdentifier is a list."))
    PartnerCase.objects.filter(partner=caller.partner, case=case).update(
        external_id=_their_reference(identifiers)
    )


@transaction.atomic
def cancel_ticket(caller: Caller, reference: str) -> None:
    """DELETE: the case is never erased (its timeline stays); the ticket is cancelled."""
    case = case_for(caller, reference, lock=True)
    if case is None:
        raise not_found(reference)
    if case.status == Status.CANCELLED:
        return
    _move(case, caller, Status.CANCELLED, "cancelled_by_requester")
