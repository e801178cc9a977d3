"""A suggested answer assembled from the case's real state, never a generic script.

Each sentence states a fact read from the case at the moment the advisor asks:
the open incident on the customer's line (its title, latest update and
expected restoration), the booked technician visit, the parcel, the promises
still open. Where a fact is missing, nothing is said about it — a sentence
that could contradict the case ("a technician is already on it" when the
customer says the repair failed) is left out, and a "needs a new
intervention" reading says so instead. The advisor edits before sending.
"""

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from filrouge.cases.models import Event, Promise


def _date(value) -> str:
    return formats.date_format(value, "l j F")


def _datetime(value) -> str:
    return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")


def facts(case) -> dict:
    """The case's state that an answer may speak of (a few queries, on demand only)."""
    from filrouge.appointments.models import Appointment
    from filrouge.fieldops.models import Shipment
    from filrouge.incidents.models import IncidentCase
    from filrouge.incidents.selectors import open_incident_for_line

    incident = open_incident_for_line(case.line) if case.line_id else None
    if (
        incident is not None
        and IncidentCase.objects.filter(
            incident=incident, case=case, unlinked_at__isnull=False
        ).exists()
    ):
        incident = None  # an advisor said this case is another problem
    reading = (
        Event.objects.filter(case=case, kind=Event.Kind.TRIAGED)
        .order_by("-created_at", "-pk")
        .values_list("data", flat=True)
        .first()
    ) or {}
    return {
        "incident": incident,
        "update": incident.updates.first() if incident else None,
        "appointment": Appointment.objects.filter(case=case, state=Appointment.State.BOOKED)
        .select_related("slot")
        .order_by("slot__date")
        .first(),
        "shipment": Shipment.objects.filter(case=case).order_by("-pk").first(),
        "promises": list(
            Promise.objects.filter(case=case, state=Promise.State.OPEN).order_by("due_at")[:3]
        ),
        "reading": reading,
    }


def suggested_answer(case, state: dict | None = None) -> str:
    state = state if state is not None else facts(case)
    reading = state["reading"]
    new_intervention = bool(reading.get("new_intervention"))
    lines = [_("Hello,")]
    if new_intervention:
        lines.append(
            _(
                "We understand that the problem is still there, or that it is a different one: "
                "we are arranging a new intervention and will confirm its date."
            )
        )
    elif state["incident"] is not None:
        incident, update = state["incident"], state["update"]
        lines.append(
            _("Your line is affected by a network incident (%(reference)s: %(title)s).")
            % {"reference": incident.reference, "title": incident.title}
        )
        if update is not None:
            lines.append(_("Latest news: %(text)s") % {"text": update.text})
            if update.eta:
                lines.append(
                    _("Service is expected back by %(eta)s.") % {"eta": _datetime(update.eta)}
                )
    if (appointment := state["appointment"]) is not None:
        lines.append(
            _("A technician will come on %(day)s (%(half)s) at %(address)s.")
            % {
                "day": _date(appointment.slot.date),
                "half": appointment.slot.get_half_day_display(),
                "address": appointment.address_text,
            }
        )
    if (shipment := state["shipment"]) is not None:
        lines.append(_shipment_sentence(shipment))
    for promise in state["promises"]:
        lines.append(
            _("As promised, %(what)s by %(due)s.")
            % {"what": promise.description, "due": _datetime(promise.due_at)}
        )
    if len(lines) == 1:
        lines.append(
            _("We have your message about your case %(reference)s and come back to you shortly.")
            % {"reference": case.reference}
        )
    if reading.get("public_pii"):
        lines.append(
            _("For your safety, please send us your personal details in a private message only.")
        )
    lines.append(_("Kind regards,"))
    return "\n".join(lines)


def _shipment_sentence(shipment) -> str:
    what = shipment.get_item_display()
    state = shipment.state
    if state == "dispatched":
        return _("Your %(what)s is on its way (%(carrier)s %(number)s), expected on %(day)s.") % {
            "what": what,
            "carrier": shipment.get_carrier_display(),
            "number": shipment.tracking_number,
            "day": _date(shipment.expected_on),
        }
    if state == "delivered":
        return _("Your %(what)s was delivered.") % {"what": what}
    if state == "returned":
        return _("Your %(what)s came back to us.") % {"what": what}
    return _("Your %(what)s is being prepared, expected on %(day)s.") % {
        "what": what,
        "day": _date(shipment.expected_on),
    }
