"""Reads of the TMF API: tickets are cases, scoped by who asks, in a fixed number of queries.

A page costs: the count, the page of cases (with customer and line joined), and —
only when the projection asks for them — one query for the page's status changes
and notes and one for the partners' references.
"""

from collections import defaultdict
from typing import Any

from django.db.models import F, QuerySet

from filrouge.cases.models import Case, Event
from filrouge.partners.models import PartnerCase
from filrouge.tmf.resource import EVENT_FIELDS, FIELDS, Caller, ticket

PARTNER_NOTES = [Event.Kind.STATUS_CHANGED, Event.Kind.PARTNER_NOTE]
ALL_NOTES = [*PARTNER_NOTES, Event.Kind.NOTE]


def visible_cases(caller: Caller) -> QuerySet[Case]:
    """The cases the caller may see: a partner's entrusted ones, or all of them."""
    cases = Case.objects.select_related("customer", "line")
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
    cases = list(matching.order_by("-updated_at", "-id")[offset : offset + limit])
    return tickets(cases, caller=caller, fields=fields, base=base), total


def tickets(
    cases: list[Case], *, caller: Caller, fields: frozenset[str] | None, base: str
) -> list[dict[str, Any]]:
    wanted = set(FIELDS) if fields is None else fields
    events: dict[int, list[Event]] = defaultdict(list)
    if cases and wanted & EVENT_FIELDS:
        kinds = PARTNER_NOTES if caller.partner else ALL_NOTES
        for event in Event.objects.filter(case__in=cases, kind__in=kinds).order_by(
            "created_at", "pk"
        ):
            events[event.case_id].append(event)
    references: dict[int, list[tuple[str, str]]] = defaultdict(list)
    if cases and "externalIdentifier" in wanted:
        if caller.partner is not None:
            for case in cases:
                if ref := getattr(case, "their_reference", ""):
                    references[case.pk].append((caller.partner.name, ref))
        else:
            grants = PartnerCase.objects.filter(case__in=cases).exclude(external_id="")
            for case_id, name, ref in grants.values_list("case_id", "partner__name", "external_id"):
                references[case_id].append((name, ref))
    return [
        ticket(
            case,
            base=base,
            caller=caller,
            fields=fields,
            events=events[case.pk],
            external_ids=references[case.pk],
        )
        for case in cases
    ]
