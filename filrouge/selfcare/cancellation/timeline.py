"""How an online cancellation reads on the timeline (agent console and tracking page)."""

import datetime as dt

from django.utils import formats
from django.utils.translation import gettext as _

from filrouge.cases.models import Event
from filrouge.cases.timeline import formatter
from filrouge.customers.models import Line
from filrouge.selfcare.models import CancellationReason


def _day(value: str | None) -> str:
    return formats.date_format(dt.date.fromisoformat(value), "DATE_FORMAT") if value else ""


def _label(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


@formatter(Event.Kind.CANCELLATION_REQUESTED)
def _cancellation_requested(e: Event) -> str:
    d = e.data
    line = f"{_label(Line.Product, d.get('product', ''))} {d.get('line', '')}".strip()
    if d.get("requested_end_date"):
        text = _("Cancellation requested online for line %(line)s: ends on %(end)s, as asked")
    else:
        text = _(
            "Cancellation requested online for line %(line)s: ends on %(end)s "
            "(ten days after receipt at most)"
        )
    parts = [text % {"line": line, "end": _day(d.get("end_date"))}]
    reason = d.get("reason_code")
    parts.append(
        _("Reason: %(reason)s") % {"reason": _label(CancellationReason, reason)}
        if reason
        else _("No reason given")
    )
    if d.get("return_by"):
        parts.append(_("Equipment to give back by %(date)s") % {"date": _day(d["return_by"])})
    if d.get("acknowledged_by") == "letter":
        parts.append(_("No e-mail address: the acknowledgement must be sent by post"))
    if d.get("copy_to_file"):
        parts.append(
            _("Made with an e-mail address not on file: a copy went to the address on file")
        )
    return " · ".join(parts)
