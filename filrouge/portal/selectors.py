"""Reads of the customer's pages: the case a link opens, and what its page shows.

`tracked_case` answers None for an unknown reference, a wrong token and an
expired link alike, after the same work (one query, one HMAC), so neither the
answer nor its timing says which it was. `tracking_page` reads everything the
page shows in three queries, whatever the length of the timeline.
"""

import re
from dataclasses import dataclass
from datetime import timedelta

from django.utils.translation import gettext as _

from filrouge.cases.models import Case, Event, Promise, Status
from filrouge.cases.tokens import check_tracking_token
from filrouge.core.clock import now
from filrouge.incidents.selectors import under_open_incident
from filrouge.portal.timeline import Line, customer_line, is_shown

REFERENCE = re.compile(r"^FR-\d{4}-\d{6,9}$")
# A finished case's link keeps working this long after its last change, then expires.
LINK_DAYS_AFTER_END = 90
FINISHED = frozenset({Status.CLOSED, Status.REJECTED, Status.CANCELLED})
EVENTS_SHOWN = 200
# A stand-in checked when the reference is unknown, so that path costs the same HMAC.
_NOBODY = Case(pk=0, reference="FR-0000-000000", tracking_nonce="0" * 32)


def normalise_reference(reference: str) -> str:
    """The reference in its canonical form, or "" if it cannot be one."""
    reference = reference.strip().upper()
    return reference if REFERENCE.match(reference) else ""


def tracked_case(reference: str, token: str) -> Case | None:
    """The case a tracking link opens, or None: unknown, wrong token or expired, unsaid."""
    reference = normalise_reference(reference)
    case = None
    if reference:
        case = (
            Case.objects.select_related("owner__team", "team").filter(reference=reference).first()
        )
    valid = check_tracking_token(case or _NOBODY, token or "")
    if case is None or not valid or _expired(case):
        return None
    return case


def _expired(case: Case) -> bool:
    return case.status in FINISHED and case.updated_at < now() - timedelta(days=LINK_DAYS_AFTER_END)


@dataclass(frozen=True)
class Milestone:
    key: str  # received, in_progress, waiting, resolved
    label: str
    state: str  # done, current, upcoming, skipped


@dataclass(frozen=True)
class TrackingPage:
    case: Case
    milestones: list[Milestone]
    waiting_on: str  # "customer", "partner", "us" or "" when not waiting
    owner_first_name: str
    team_name: str
    open_promises: list[Promise]
    settled_promises: list[Promise]
    lines: list[Line]  # oldest first


def tracking_page(case: Case) -> TrackingPage:
    promises = list(case.promises.order_by("due_at", "pk"))
    events = list(
        case.events.filter(visibility=Event.Visibility.PUBLIC)
        .prefetch_related("actor")
        .order_by("-created_at", "-pk")[:EVENTS_SHOWN]
    )[::-1]
    shown = [e for e in events if is_shown(e)]
    waiting = waiting_on(case, shown)
    owner = case.owner
    team = case.team or (owner.team if owner else None)
    return TrackingPage(
        case=case,
        milestones=milestones(case, waiting=waiting, waited=_ever_waited(shown)),
        waiting_on=waiting,
        owner_first_name=owner.first_name if owner else "",
        team_name=team.name if team else "",
        open_promises=[p for p in promises if p.state == Promise.State.OPEN],
        settled_promises=[p for p in promises if p.state != Promise.State.OPEN],
        lines=[customer_line(e) for e in shown],
    )


def waiting_on(case: Case, events: list[Event]) -> str:
    """Who the case waits on, from its status and the reason it was put on hold: the
    network while an open incident explains it, whatever held it before (a case held
    for a partner, then hit by an outage on its line, waits on the repair first)."""
    if case.status == Status.PENDING:
        return "customer"
    if case.status != Status.HELD:
        return ""
    if under_open_incident(case):
        return "network"
    reason = next(
        (
            e.data.get("reason", "")
            for e in reversed(events)
            if e.kind == Event.Kind.STATUS_CHANGED and e.data.get("to") == Status.HELD
        ),
        "",
    )
    return {
        "waiting_customer": "customer",
        "waiting_partner": "partner",
        "waiting_network": "network",
    }.get(reason, "us")


def _ever_waited(events: list[Event]) -> bool:
    return any(
        e.kind == Event.Kind.STATUS_CHANGED and e.data.get("to") in {Status.PENDING, Status.HELD}
        for e in events
    )


def milestones(case: Case, *, waiting: str, waited: bool) -> list[Milestone]:
    """received → in progress → waiting (on whom) → resolved, the current one marked."""
    status = case.status
    waiting_label = {
        "customer": _("Waiting for your answer"),
        "partner": _("Waiting for a partner"),
        "network": _("Waiting for the network repair"),
        "us": _("On hold on our side"),
    }.get(waiting, _("Waiting, if needed"))
    end_label = {
        Status.REJECTED: _("Closed without action"),
        Status.CANCELLED: _("Cancelled"),
    }.get(status, _("Resolved"))
    position = {
        Status.ACKNOWLEDGED: 0,
        Status.IN_PROGRESS: 1,
        Status.PENDING: 2,
        Status.HELD: 2,
    }.get(status, 3)
    steps = [
        ("received", _("Request received")),
        ("in_progress", _("Being handled")),
        ("waiting", waiting_label),
        ("resolved", end_label),
    ]
    result = []
    for index, (key, label) in enumerate(steps):
        if index < position:
            state = "done" if key != "waiting" or waited else "skipped"
        elif index == position:
            state = "current"
        else:
            state = "upcoming"
        result.append(Milestone(key=key, label=label, state=state))
    return result
