"""Sentences for the appointment events, made at render time in the reader's language."""

from datetime import date

from django.utils import formats
from django.utils.translation import gettext as _

from filrouge.appointments.models import HalfDay
from filrouge.cases.models import Event
from filrouge.cases.timeline import formatter


def _slot(day: str | None, half_day: str | None) -> str:
    if not day:
        return ""
    text = formats.date_format(date.fromisoformat(day), "l j F Y")
    try:
        return f"{text}, {HalfDay(half_day).label}"
    except ValueError:
        return text


@formatter(Event.Kind.APPOINTMENT_BOOKED)
def _booked(e: Event) -> str:
    return _("Technician appointment booked: %(slot)s, at %(address)s") % {
        "slot": _slot(e.data.get("date"), e.data.get("half_day")),
        "address": e.data.get("address", ""),
    }


@formatter(Event.Kind.APPOINTMENT_MOVED)
def _moved(e: Event) -> str:
    return _("Technician appointment moved from %(before)s to %(after)s") % {
        "before": _slot(e.data.get("from_date"), e.data.get("from_half_day")),
        "after": _slot(e.data.get("date"), e.data.get("half_day")),
    }


@formatter(Event.Kind.APPOINTMENT_CANCELLED)
def _cancelled(e: Event) -> str:
    return _("Technician appointment of %(slot)s cancelled") % {
        "slot": _slot(e.data.get("date"), e.data.get("half_day"))
    }


@formatter(Event.Kind.APPOINTMENT_REROUTED)
def _rerouted(e: Event) -> str:
    return _("Technician appointment of %(slot)s now at %(address)s") % {
        "slot": _slot(e.data.get("date"), e.data.get("half_day")),
        "address": e.data.get("address", ""),
    }
