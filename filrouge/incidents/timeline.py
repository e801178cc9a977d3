"""Sentences for the incident events on a case's timeline (`cases.timeline.describe`)."""

from django.utils.translation import gettext as _

from filrouge.cases import timeline
from filrouge.cases.models import Event
from filrouge.customers.models import Channel

INCIDENT_MESSAGES = frozenset({"incident_notice", "incident_known"})


def _linked(e: Event) -> str:
    return _("Linked to network incident %(reference)s (%(title)s)") % {
        "reference": e.data.get("reference", ""),
        "title": e.data.get("title", ""),
    }


def _unlinked(e: Event) -> str:
    return _("Unlinked from network incident %(reference)s: %(reason)s") % {
        "reference": e.data.get("reference", ""),
        "reason": timeline.reason_text(e.data.get("reason", "")),
    }


def _update(e: Event) -> str:
    return _("Network incident %(reference)s: %(text)s") % {
        "reference": e.data.get("reference", ""),
        "text": e.data.get("text", ""),
    }


def _compensation(e: Event) -> str:
    text = _(
        "Compensation proposed for network incident %(reference)s: %(amount)s € "
        "for %(days)s full days without service"
    ) % {
        "reference": e.data.get("reference", ""),
        "amount": str(e.data.get("amount", "")).replace(".", ","),
        "days": e.data.get("days", 0),
    }
    if e.data.get("may_terminate"):
        text += " " + _("(the contract may be terminated without fees)")
    return text


def register() -> None:
    timeline.formatter(Event.Kind.INCIDENT_LINKED)(_linked)
    timeline.formatter(Event.Kind.INCIDENT_UNLINKED)(_unlinked)
    timeline.formatter(Event.Kind.INCIDENT_UPDATE)(_update)
    timeline.formatter(Event.Kind.COMPENSATION_PROPOSED)(_compensation)
    answer = timeline._FORMATTERS[Event.Kind.MESSAGE_OUT]
    if getattr(answer, "incidents", False):
        return

    def message_out(e: Event) -> str:
        if e.data.get("auto") in INCIDENT_MESSAGES:
            channel = timeline._label(Channel, e.channel)
            return _("Customer told of the network incident via %(channel)s") % {"channel": channel}
        return answer(e)

    message_out.incidents = True  # type: ignore[attr-defined]
    timeline.formatter(Event.Kind.MESSAGE_OUT)(message_out)
