"""The timeline as the customer reads it: public events only, and only the kinds listed here.

The sentences come from `cases.timeline.describe`, the same formatters the
advisors read, except where those name people: a phone call's formatter names
the advisor in full, so the customer gets its own sentence with no name. A kind
added later by another app stays off the customer's page until it is listed
here (an allow-list: nothing internal shows by accident). Notifications to the
customer will reuse `customer_line`.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from filrouge.cases.models import Event
from filrouge.cases.timeline import describe, reason_text
from filrouge.channels.phone.models import Call
from filrouge.channels.phone.timeline import duration_text

Kind = Event.Kind
SHOWN = frozenset(
    {
        Kind.CASE_OPENED,
        Kind.MESSAGE_IN,
        Kind.MESSAGE_OUT,
        Kind.STATUS_CHANGED,
        Kind.NEXT_STEP,
        Kind.PROMISE_MADE,
        Kind.PROMISE_KEPT,
        Kind.PROMISE_BROKEN,
        Kind.CALL,
        Kind.VISIT,
        Kind.APPOINTMENT_BOOKED,
        Kind.APPOINTMENT_MOVED,
        Kind.APPOINTMENT_CANCELLED,
        Kind.APPOINTMENT_REROUTED,
        Kind.SHIPMENT_PREPARED,
        Kind.SHIPMENT_DISPATCHED,
        Kind.SHIPMENT_DELIVERED,
        Kind.SHIPMENT_RETURNED,
        Kind.SHIPMENT_REROUTED,
        Kind.SHIPMENT_REDIRECT_REQUESTED,
        Kind.MOVE_DECLARED,
        Kind.SURVEY_ANSWERED,  # the customer's own answer (its scores; filrouge/surveys)
        "incident_notice",  # a network incident's update (the incidents app, to come)
    }
)
# Reason codes written by the system and the demo; an advisor's own typed words
# are for colleagues and are not shown to the customer.
_CODED_REASONS = (
    "fixed",
    "waiting_partner",
    "waiting_customer",
    "customer_replied",
    "customer_contact",
    "survey_follow_up",
    "customer_withdrew",
    "partner_done",
    "no_reply",
    "new_intervention_needed",
    "waiting_network",
    "incident_linked",
    "incident_resolved",
)


@dataclass(frozen=True)
class Line:
    """One event on the customer's page."""

    event: Event
    text: str
    by_customer: bool
    body: str = ""  # the words of a message, as written
    author: str = ""  # an advisor's first name, for our answers
    files: list[str] = field(default_factory=list)


def is_shown(event: Event) -> bool:
    return event.visibility == Event.Visibility.PUBLIC and event.kind in SHOWN


def customer_line(event: Event) -> Line:
    data = event.data or {}
    by_customer = event.actor_label == "customer" and not event.actor_id
    body = ""
    if event.kind in {Kind.MESSAGE_IN, Kind.MESSAGE_OUT}:
        body = str(data.get("body", ""))
    author = event.actor.first_name if event.actor_id and event.kind == Kind.MESSAGE_OUT else ""
    files = [str(d.get("name") or _("attachment")) for d in data.get("documents") or []]
    return Line(
        event=event,
        text=_sentence(event),
        by_customer=by_customer,
        body=body,
        author=author,
        files=files,
    )


def _sentence(event: Event) -> str:
    if event.kind == Kind.CALL:
        return _call(event)
    text = describe(event)
    if event.kind == Kind.STATUS_CHANGED:
        reason = str((event.data or {}).get("reason", ""))
        if reason in _CODED_REASONS:
            text = f"{text} ({reason_text(reason)})"
    return text


def _call(event: Event) -> str:
    data = event.data or {}
    try:
        outcome = str(Call.Outcome(data.get("outcome", "")).label)
    except ValueError:
        return _("Phone call")
    if data.get("duration"):
        return _("Phone call: %(outcome)s, %(duration)s") % {
            "outcome": outcome,
            "duration": duration_text(data["duration"]),
        }
    return _("Phone call: %(outcome)s") % {"outcome": outcome}
