"""How shop visits and technicians' reports read on the timeline (registered with cases.timeline).

A letter is a `message_in` on channel letter: the cases formatter already reads it.
"""

from django.utils.translation import gettext as _

from filrouge.cases.models import Event
from filrouge.cases.timeline import formatter
from filrouge.channels.offline.models import TechnicianOutcome


@formatter(Event.Kind.VISIT)
def _visit(e: Event) -> str:
    if shop := e.data.get("shop"):
        return _("Visit to the shop %(shop)s") % {"shop": shop}
    return _("Visit to a shop")


@formatter(Event.Kind.TECHNICIAN_REPORT)
def _technician_report(e: Event) -> str:
    try:
        outcome = str(TechnicianOutcome(e.data.get("outcome", "")).label)
    except ValueError:
        outcome = e.data.get("outcome", "")
    return _("Technician's report: %(outcome)s") % {"outcome": outcome}
