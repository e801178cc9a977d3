"""/api/v1/cases: the console's case actions, for scripts and other systems.

Same selectors, same services, same rules: any active agent may read and act
on any case, and every action is recorded with that agent as its actor.
"""

import re
from typing import Annotated

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status as Reply

from filrouge.accounts.models import Agent, Team
from filrouge.api import schemas as s
from filrouge.api.auth import agent_of
from filrouge.api.errors import Invalid, NotFound
from filrouge.api.present import case_detail, case_item, event_out, promise_out
from filrouge.cases import services
from filrouge.cases.models import Case, Intent, Promise, Status
from filrouge.cases.selectors import (
    PAGE_SIZE,
    after_cursor,
    case_by_reference,
    encode_cursor,
    search_cases,
)
from filrouge.channels import services as channel_services
from filrouge.customers.models import Customer, Line
from filrouge.customers.normalise import looks_like_phone, normalise_email, normalise_phone

router = Router(tags=["cases"])

REFERENCE = re.compile(r"^FR-\d{4}-\d{6,9}$", re.IGNORECASE)


class CaseFilters(Schema):
    q: Annotated[str, Field(max_length=200), s.Storable] = Field(
        "", description="Reference, customer name, phone, e-mail, or words of the messages."
    )
    status: Status | None = None
    owner: s.Id | None = Field(None, description="Agent id.")
    team: s.Id | None = Field(None, description="Team id.")
    intent: Intent | None = None
    cursor: Annotated[str, Field(max_length=200), s.Storable] | None = None
    limit: Annotated[int, Field(ge=1, le=100)] = PAGE_SIZE


def _case(reference: str) -> Case:
    case = case_by_reference(reference) if REFERENCE.match(reference.strip()) else None
    if case is None:
        raise NotFound(_("No case with the reference %(reference)s.") % {"reference": reference})
    return case


def _check_contact_query(q: str) -> None:
    """Say so when `q` is meant as an e-mail or a phone and is not a valid one."""
    q = q.strip()
    if q.upper().startswith("FR-"):
        return
    if "@" in q:
        normalise_email(q)
    elif looks_like_phone(q):
        normalise_phone(q)


def resolve_agent(value: int | str) -> Agent:
    agents = Agent.objects.select_related("team").filter(is_active=True)
    if isinstance(value, int):
        agent = agents.filter(pk=value).first()
    else:
        agent = agents.filter(email=normalise_email(value)).first()
    if agent is None:
        raise Invalid(_("No active advisor with the id or e-mail “%(agent)s”.") % {"agent": value})
    return agent


def _team(team_id: int | None) -> Team | None:
    if team_id is None:
        return None
    team = Team.objects.filter(pk=team_id).first()
    if team is None:
        raise Invalid(_("No team with the id %(id)s.") % {"id": team_id})
    return team


@router.get("", response=s.CasePage, summary="List and search cases")
def list_cases(request: HttpRequest, filters: Query[CaseFilters]):
    """Newest activity first, keyset-paginated: follow `next_cursor` until it is null."""
    _check_contact_query(filters.q)
    cases = search_cases(
        filters.q,
        status=filters.status,
        owner=filters.owner,
        team=filters.team,
        intent=filters.intent,
    )
    if filters.cursor:
        try:
            cases = after_cursor(cases, filters.cursor)
        except ValueError:
            raise Invalid(_("This cursor is not valid: start again without it.")) from None
    page = list(cases[: filters.limit + 1])
    more = len(page) > filters.limit
    page = page[: filters.limit]
    return {
        "items": [case_item(c) for c in page],
        "next_cursor": encode_cursor(page[-1]) if more else None,
    }


@router.post("", response={201: s.CaseDetail}, summary="Open a case")
def create_case(request: HttpRequest, payload: s.CaseIn):
    agent = agent_of(request)
    customer = Customer.objects.filter(pk=payload.customer).first()
    if customer is None:
        raise Invalid(_("No customer with the id %(id)s.") % {"id": payload.customer})
    line = None
    if payload.line is not None:
        line = Line.objects.filter(pk=payload.line).first()
        if line is None:
            raise Invalid(_("No line with the id %(id)s.") % {"id": payload.line})
    if "owner" not in payload.model_fields_set:
        owner: Agent | None = agent
    else:
        owner = None if payload.owner is None else resolve_agent(payload.owner)
    case = services.open_case(
        customer,
        subject=payload.subject,
        channel=payload.channel,
        by=agent,
        intent=payload.intent,
        line=line,
        team=_team(payload.team),
        owner=owner,
        priority=payload.priority,
        first_message=payload.first_message,
    )
    return Reply(201, case_detail(_case(case.reference)))


@router.get("/{reference}", response=s.CaseDetail, summary="A case: header and timeline")
def get_case(request: HttpRequest, reference: str):
    return case_detail(_case(reference))


@router.post("/{reference}/status", response=s.CaseOut, summary="Change the status")
def change_status(request: HttpRequest, reference: str, payload: s.StatusIn):
    """Refused with 422 if TMF621 does not allow the move, 409 if `version` is stale."""
    case = _case(reference)
    services.change_status(
        case,
        to=payload.to,
        by=agent_of(request),
        reason=payload.reason,
        expected_version=payload.version,
    )
    return {"case": case_item(_case(reference))}


@router.post("/{reference}/notes", response={201: s.EventCreated}, summary="Add an internal note")
def add_note(request: HttpRequest, reference: str, payload: s.NoteIn):
    case = _case(reference)
    event = services.unless_stale(
        case,
        expected_version=payload.version,
        then=lambda: services.add_note(case, by=agent_of(request), text=payload.text),
    )
    return Reply(201, {"case": case_item(_case(reference)), "event": event_out(event)})


@router.post("/{reference}/replies", response={201: s.EventCreated}, summary="Answer the customer")
def send_reply(request: HttpRequest, reference: str, payload: s.ReplyIn):
    # Through the channels: the answer is recorded and its delivery queued together.
    event = channel_services.reply(
        _case(reference),
        by=agent_of(request),
        channel=payload.channel,
        body=payload.body,
        expected_version=payload.version,
    )
    return Reply(201, {"case": case_item(_case(reference)), "event": event_out(event)})


@router.post("/{reference}/handover", response=s.CaseOut, summary="Hand over to another agent")
def hand_over(request: HttpRequest, reference: str, payload: s.HandoverIn):
    case = _case(reference)
    services.hand_over(
        case,
        to=resolve_agent(payload.to),
        by=agent_of(request),
        note=payload.note,
        team=_team(payload.team),
        expected_version=payload.version,
    )
    return {"case": case_item(_case(reference))}


@router.post("/{reference}/promises", response={201: s.PromiseChanged}, summary="Record a promise")
def make_promise(request: HttpRequest, reference: str, payload: s.PromiseIn):
    case = _case(reference)
    promise = services.unless_stale(
        case,
        expected_version=payload.version,
        then=lambda: services.make_promise(
            case, by=agent_of(request), description=payload.description, due_at=payload.due_at
        ),
    )
    return Reply(201, {"case": case_item(_case(reference)), "promise": promise_out(promise)})


def _promise(case: Case, promise_id: int) -> Promise:
    promise = Promise.objects.select_related("case", "made_by").filter(pk=promise_id).first()
    if promise is None or promise.case_id != case.pk:
        raise NotFound(
            _("No promise %(id)s on the case %(reference)s.")
            % {"id": promise_id, "reference": case.reference}
        )
    return promise


@router.post(
    "/{reference}/promises/{promise_id}/keep",
    response=s.PromiseChanged,
    summary="Mark a promise kept",
)
def keep_promise(
    request: HttpRequest, reference: str, promise_id: s.Id, payload: s.KeepIn | None = None
):
    case = _case(reference)
    promise = _promise(case, promise_id)
    promise = services.unless_stale(
        case,
        expected_version=payload.version if payload else None,
        then=lambda: services.keep_promise(promise, by=agent_of(request)),
    )
    return {"case": case_item(_case(reference)), "promise": promise_out(promise)}


@router.post(
    "/{reference}/promises/{promise_id}/break",
    response=s.PromiseChanged,
    summary="Mark a promise broken (escalates the case)",
)
def break_promise(
    request: HttpRequest, reference: str, promise_id: s.Id, payload: s.BreakIn | None = None
):
    case = _case(reference)
    promise = _promise(case, promise_id)
    promise = services.unless_stale(
        case,
        expected_version=payload.version if payload else None,
        then=lambda: services.break_promise(
            promise, by=agent_of(request), reason=payload.reason if payload else ""
        ),
    )
    return {"case": case_item(_case(reference)), "promise": promise_out(promise)}
