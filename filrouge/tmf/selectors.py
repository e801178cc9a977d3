"""Reads of the TMF API: tickets are cases, scoped by who asks, in a fixed number of queries.

A page costs: the count, the page of cases (with customer and line joined), and —
only when the projection asks for them — one query for the page's status changes
and notes and one for the partners' references.
"""

from collections import defaultdict
from datetime import datetime
from typing import Any, NamedTuple

from django.db.models import F, QuerySet

from filrouge.cases.models import Case, Event
from filrouge.partners.models import PartnerCase
from filrouge.tmf import attachments as files
from filrouge.tmf.models import TicketFacts
from filrouge.tmf.resource import EVENT_FIELDS, FIELDS, Caller, ticket

PARTNER_NOTES = [Event.Kind.STATUS_CHANGED, Event.Kind.PARTNER_NOTE]
ALL_NOTES = [*PARTNER_NOTES, Event.Kind.NOTE]


class EventRow(NamedTuple):
    """What a ticket reads of an event (the attributes `resource` uses)."""

    pk: int
    case_id: int
    kind: str
    data: dict
    created_at: datetime
    actor_id: int | None
    actor_label: str


# What a ticket reads of a case, its customer and its line (not the whole rows).
TICKET_COLUMNS = (
    "reference", "subject", "intent", "status", "priority", "channel", "next_step",
    "next_step_due", "created_at", "updated_at", "resolved_at", "version", "line_id",
    "customer_id", "customer__account_number", "customer__first_name",
    "customer__last_name", "line__number", "tmf_facts__requested_resolution",
    "tmf_facts__relationships",
)  # fmt: skip
FACT_FIELDS = {"requestedResolutionDate", "troubleTicketRelationship"}


def visible_cases(caller: Caller) -> QuerySet[Case]:
    """The cases the caller may see: a partner's entrusted ones, or all of them."""
    cases = Case.objects.select_related("customer", "line", "tmf_facts").only(*TICKET_COLUMNS)
    if caller.partner is not None:
        # One join: the grant's reference rides along (the filter and the annotation share it).
        cases = cases.filter(partner_grants__partner=caller.partner).annotate(
            their_reference=F("partner_grants__external_id")
        )
    return cases


def case_for(caller: Caller, reference: str, *, lock: bool = False) -> Case | None:
    cases = visible_cases(caller)
    if lock:
        cases = cases.select_for_update(of=("self",))
    return cases.filter(reference=reference.strip().upper()).first()


def page(
    caller: Caller,
    *,
    filters: dict[str, Any],
    offset: int,
    limit: int,
    fields: frozenset[str] | None,
    base: str,
) -> tuple[list[dict[str, Any]], int]:
    """One page of tickets (newest activity first) and how many match in all."""
    matching = visible_cases(caller).filter(**filters)
    total = matching.count()
    ordered = matching.order_by("-updated_at", "-id")
    cases = list(ordered[offset : offset + limit])
    # The page again as a subquery: a short SQL text the driver parses once, where a
    # list of 100 ids is 100 parameters parsed on every call (4 ms of CPU here).
    ids = ordered.values("pk")[offset : offset + limit]
    return tickets(cases, caller=caller, fields=fields, base=base, ids=ids), total


def tickets(
    cases: list[Case],
    *,
    caller: Caller,
    fields: frozenset[str] | None,
    base: str,
    ids: QuerySet | None = None,
) -> list[dict[str, Any]]:
    wanted = set(FIELDS) if fields is None else fields
    events: dict[int, list[Event]] = defaultdict(list)
    if cases and wanted & EVENT_FIELDS:
        kinds = PARTNER_NOTES if caller.partner else ALL_NOTES
        rows = (
            Event.objects.filter(
                case_id__in=[c.pk for c in cases] if ids is None else ids, kind__in=kinds
            )
            .order_by("created_at", "pk")
            .values_list(*EventRow._fields)
        )
        for row in rows:  # plain tuples: a page reads hundreds of events
            event = EventRow(*row)
            events[event.case_id].append(event)  # type: ignore[arg-type]
    references: dict[int, list[tuple[str, str]]] = defaultdict(list)
    if cases and "externalIdentifier" in wanted:
        if caller.partner is not None:
            for case in cases:
                if ref := getattr(case, "their_reference", ""):
                    references[case.pk].append((caller.partner.name, ref))
        else:
            grants = PartnerCase.objects.filter(
                case_id__in=[c.pk for c in cases] if ids is None else ids
            )
            grants = grants.exclude(external_id="")
            for case_id, name, ref in grants.values_list("case_id", "partner__name", "external_id"):
                references[case_id].append((name, ref))
    documents: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if cases and "attachment" in wanted:
        rows = files.visible(caller).filter(
            case_id__in=[c.pk for c in cases] if ids is None else ids
        )
        for row in rows.order_by("created_at", "pk").values_list(*files.ROW):
            documents[row[1]].append(files.as_attachment(row))
    return [
        ticket(
            case,
            base=base,
            caller=caller,
            fields=fields,
            events=events[case.pk],
            external_ids=references[case.pk],
            facts=facts_of(case) if wanted & FACT_FIELDS else None,
            attachments=documents[case.pk],
        )
        for case in cases
    ]


def facts_of(case: Case) -> tuple[Any, list] | None:
    """The requested date and relationships (joined with the case: no query)."""
    try:
        facts: TicketFacts = case.tmf_facts  # type: ignore[attr-defined]
    except TicketFacts.DoesNotExist:
        return None
    return (facts.requested_resolution, facts.relationships or [])
