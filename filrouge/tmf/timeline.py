from django.utils import formats
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from filrouge.cases.models import Event
from filrouge.cases.timeline import formatter


def _when(value: str | None) -> str:
    moment = parse_datetime(value) if value else None
    return formats.date_format(moment, "SHORT_DATETIME_FORMAT") if moment else _("no date")


def _facts(e: Event) -> dict[str, str]:
    return {
        "partner": e.data.get("partner_name", ""),
        "reference": e.data.get("reference", ""),
        "status": e.data.get("status", ""),
        "date": _when(e.data.get("expected")),
    }


@formatter(Event.Kind.PARTNER_TICKET_OPENED)
def _opened(e: Event) -> str:
    return _("Ticket %(reference)s opened at %(partner)s, promised for: %(date)s") % _facts(e)


@formatter(Event.Kind.PARTNER_TICKET_UPDATED)
def _updated(e: Event) -> str:
    return _("%(partner)s updated ticket %(reference)s: %(status)s, promised for: %(date)s") % (
        _facts(e)
    )


@formatter(Event.Kind.PARTNER_TICKET_RESOLVED)
def _resolved(e: Event) -> str:
    return _("%(partner)s has finished ticket %(reference)s (%(status)s)") % _facts(e)


@formatter(Event.Kind.PARTNER_DATE_MISSED)
def _missed(e: Event) -> str:
    return _("%(partner)s missed the date promised for ticket %(reference)s (%(date)s)") % (
        _facts(e)
    )


@formatter(Event.Kind.PARTNER_NOTE)
def _note(e: Event) -> str:
    return _("Note exchanged with a partner (%(author)s): %(text)s") % {
        "author": e.data.get("author") or e.data.get("partner_name", ""),
        "text": e.data.get("text", ""),
    }
