"""Timeline events turned into sentences, at render time, in the reader's language.

Each kind has a formatter registered here; an event stores facts only. A kind
added by another app registers its own formatter with `@formatter(kind)`.
"""

from collections.abc import Callable
from datetime import datetime

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from filrouge.cases.models import Event, Intent, Priority, Status
from filrouge.customers.models import Channel

Formatter = Callable[[Event], str]
_FORMATTERS: dict[str, Formatter] = {}


def formatter(kind: str) -> Callable[[Formatter], Formatter]:
    def register(func: Formatter) -> Formatter:
        _FORMATTERS[kind] = func
        return func

    return register


def reason_text(reason: str) -> str:
    """A status change's reason: the label of a code the system or the demo writes,
    or the advisor's own words as typed."""
    labels = {
        "fixed": _("fixed"),
        "overdue": _("due time passed"),
        "waiting_partner": _("waiting on a partner"),
        "waiting_customer": _("waiting on the customer"),
        "customer_replied": _("the customer wrote again"),
        "customer_contact": _("the customer got in touch"),
        "customer_withdrew": _("withdrawn by the customer"),
        "partner_done": _("the partner has finished"),
        "no_reply": _("no answer from the customer"),
        "new_intervention_needed": _("a new intervention is needed"),
        "waiting_network": _("waiting for the network repair"),
        "incident_linked": _("linked to a network incident"),
        "incident_resolved": _("the network incident is resolved"),
        "survey_follow_up": _("following the customer's feedback: the team lead will call back"),
    }
    return labels.get(reason, reason)


def describe(event: Event) -> str:
    """The sentence for one event; an unknown kind still reads as something."""
    func = _FORMATTERS.get(event.kind)
    return func(event) if func else _("Event: %(kind)s") % {"kind": event.kind}


def who(event: Event) -> str:
    if event.actor_id:
        return event.actor.display_name
    return {
        "customer": _("The customer"),
        "system": _("Fil Rouge"),
        "": _("Fil Rouge"),
    }.get(event.actor_label, event.actor_label)


def _when(value: str | None) -> str:
    if not value:
        return ""
    moment = timezone.localtime(datetime.fromisoformat(value))
    return formats.date_format(moment, "DATETIME_FORMAT")


def _label(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


@formatter(Event.Kind.CASE_OPENED)
def _opened(e: Event) -> str:
    return _("Case opened via %(channel)s: “%(subject)s”") % {
        "channel": _label(Channel, e.channel),
        "subject": e.data.get("subject", ""),
    }


@formatter(Event.Kind.MESSAGE_IN)
def _message_in(e: Event) -> str:
    return _("Message received via %(channel)s") % {"channel": _label(Channel, e.channel)}


@formatter(Event.Kind.MESSAGE_OUT)
def _message_out(e: Event) -> str:
    if e.data.get("notification"):  # written by filrouge/notifications
        return _("Customer notified via %(channel)s") % {"channel": _label(Channel, e.channel)}
    return _("Answer sent via %(channel)s") % {"channel": _label(Channel, e.channel)}


@formatter(Event.Kind.NOTE)
def _note(e: Event) -> str:
    return _("Internal note")


@formatter(Event.Kind.STATUS_CHANGED)
def _status(e: Event) -> str:
    return _("Status: %(from)s → %(to)s") % {
        "from": _label(Status, e.data.get("from", "")),
        "to": _label(Status, e.data.get("to", "")),
    }


@formatter(Event.Kind.ASSIGNED)
def _assigned(e: Event) -> str:
    return _("Case assigned to %(name)s") % {"name": e.data.get("to_name", "")}


@formatter(Event.Kind.HANDOVER)
def _handover(e: Event) -> str:
    return _("Handed over from %(from)s to %(to)s") % {
        "from": e.data.get("from_name") or _("nobody"),
        "to": e.data.get("to_name", ""),
    }


@formatter(Event.Kind.PROMISE_MADE)
def _promise_made(e: Event) -> str:
    return _("Promise: %(what)s, by %(due)s") % {
        "what": e.data.get("description", ""),
        "due": _when(e.data.get("due")),
    }


@formatter(Event.Kind.PROMISE_KEPT)
def _promise_kept(e: Event) -> str:
    return _("Promise kept: %(what)s") % {"what": e.data.get("description", "")}


@formatter(Event.Kind.PROMISE_BROKEN)
def _promise_broken(e: Event) -> str:
    return _("Promise not kept: %(what)s (due %(due)s)") % {
        "what": e.data.get("description", ""),
        "due": _when(e.data.get("due")),
    }


@formatter(Event.Kind.ESCALATED)
def _escalated(e: Event) -> str:
    lead = e.data.get("lead_name") or _("the team lead")
    return _("Escalated to %(lead)s, priority %(priority)s") % {
        "lead": lead,
        "priority": _label(Priority, e.data.get("priority_to")),
    }


@formatter(Event.Kind.NEXT_STEP)
def _next_step(e: Event) -> str:
    if not e.data.get("text"):
        return _("Next step cleared")
    due = _when(e.data.get("due"))
    if due:
        return _("Next step: %(text)s (by %(due)s)") % {"text": e.data.get("text", ""), "due": due}
    return _("Next step: %(text)s") % {"text": e.data.get("text", "")}


@formatter(Event.Kind.INTENT_CHANGED)
def _intent(e: Event) -> str:
    return _("Intent corrected: %(from)s → %(to)s") % {
        "from": _label(Intent, e.data.get("from", "")),
        "to": _label(Intent, e.data.get("to", "")),
    }


@formatter(Event.Kind.PRIORITY_CHANGED)
def _priority(e: Event) -> str:
    return _("Priority: %(from)s → %(to)s") % {
        "from": _label(Priority, e.data.get("from")),
        "to": _label(Priority, e.data.get("to")),
    }


@formatter(Event.Kind.CUSTOMER_ATTACHED)
def _attached(e: Event) -> str:
    return _(
        "Attached to customer %(name)s (account %(account)s) by %(by)s; "
        "it came from the unidentified sender %(sender)s"
    ) % {
        "name": e.data.get("to_name", ""),
        "account": e.data.get("to_account", ""),
        "by": who(e),
        "sender": e.data.get("from_name", ""),
    }


def because_text(because: str, value: str) -> str:
    """Why a sender may be an existing customer, in words (see `channels.identity`)."""
    texts = {
        "reference": _("the message quotes the case reference %(value)s"),
        "line": _("the message gives the line number %(value)s"),
        "account": _("the message gives the account number %(value)s"),
        "phone": _("the message gives the phone number %(value)s"),
        "name": _("the sender’s name, %(value)s, is exactly this customer’s"),
        "tracking_token": _("the sender quoted a valid tracking link of case %(value)s"),
        "reply": _("the sender answered our message on case %(value)s"),
    }
    return texts.get(because, "%(value)s") % {"value": value}


@formatter(Event.Kind.POSSIBLE_MATCH)
def _possible_match(e: Event) -> str:
    d = e.data
    if d.get("case_reference"):
        text = _("Possible match: customer %(name)s (account %(account)s) / case %(case)s")
    else:
        text = _("Possible match: customer %(name)s (account %(account)s)")
    text %= {
        "name": d.get("name", ""),
        "account": d.get("account", ""),
        "case": d.get("case_reference", ""),
    }
    return _("%(match)s — because %(why)s") % {
        "match": text,
        "why": because_text(d.get("because", ""), d.get("value", "")),
    }
