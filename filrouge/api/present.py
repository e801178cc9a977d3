"""Domain rows turned into the API's shapes (plain dicts, validated by the schemas).

Everything read here was fetched by the selectors with its related rows, so
building a page costs no query per item.
"""

from typing import Any

from filrouge.accounts.models import Agent, Team
from filrouge.cases.models import Case, Event, Promise
from filrouge.cases.selectors import CaseHeader, case_header, timeline
from filrouge.cases.timeline import describe, who


def ref(obj: Agent | Team | None) -> dict[str, Any] | None:
    if obj is None:
        return None
    name = obj.display_name if isinstance(obj, Agent) else obj.name
    return {"id": obj.pk, "name": name}


def case_item(case: Case) -> dict[str, Any]:
    customer = case.customer
    return {
        "reference": case.reference,
        "subject": case.subject,
        "status": case.status,
        "priority": case.priority,
        "intent": case.intent,
        "channel": case.channel,
        "owner": ref(case.owner),
        "team": ref(case.team),
        "customer": {
            "id": customer.pk,
            "name": customer.full_name,
            "account_number": customer.account_number,
        },
        "version": case.version,
        "created_at": case.created_at,
        "updated_at": case.updated_at,
    }


def event_out(event: Event) -> dict[str, Any]:
    return {
        "id": event.pk,
        "kind": event.kind,
        "created_at": event.created_at,
        "actor": who(event),
        "actor_id": event.actor_id,
        "visibility": event.visibility,
        "channel": event.channel,
        "data": event.data,
        "text": describe(event),
    }


def promise_out(promise: Promise) -> dict[str, Any]:
    return {
        "id": promise.pk,
        "description": promise.description,
        "due_at": promise.due_at,
        "state": promise.state,
        "made_by": ref(promise.made_by),
        "made_at": promise.made_at,
        "settled_at": promise.settled_at,
    }


def _owner(header: CaseHeader) -> dict[str, Any] | None:
    owner = header.case.owner
    if owner is None:
        return None
    return {
        "id": owner.pk,
        "name": owner.display_name,
        "email": owner.email,
        "contact": header.owner_contact,
        "team": ref(owner.team),
    }


def case_detail(case: Case) -> dict[str, Any]:
    """A case as `case_by_reference` fetched it: header, then the whole timeline."""
    header = case_header(case)
    line = case.line
    return {
        **case_item(case),
        "line": {"id": line.pk, "number": line.number, "product": line.product} if line else None,
        "resolved_at": case.resolved_at,
        "allowed_statuses": case.allowed_statuses,
        "header": {
            "owner": _owner(header),
            "next_step": case.next_step,
            "next_step_due": case.next_step_due,
            "open_promises": [promise_out(p) for p in header.open_promises],
            "settled_promises": [promise_out(p) for p in header.settled_promises],
            "escalated_at": case.escalated_at,
        },
        "timeline": [event_out(e) for e in timeline(case)],
    }
