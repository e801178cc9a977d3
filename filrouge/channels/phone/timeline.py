"""How a `call` event reads on the timeline (registered with cases.timeline)."""

from django.utils.translation import gettext as _

from filrouge.cases.models import Event
from filrouge.cases.timeline import formatter
from filrouge.channels.phone.models import Call


def duration_text(seconds: int | None) -> str:
    if seconds is None:
        return ""
    minutes, rest = divmod(int(seconds), 60)
    if not minutes:
        return _("%(s)d s") % {"s": rest}
    return _("%(m)d min %(s)02d s") % {"m": minutes, "s": rest}


@formatter(Event.Kind.CALL)
def _call(e: Event) -> str:
    data = e.data
    try:
        outcome = str(Call.Outcome(data.get("outcome", "")).label)
    except ValueError:
        outcome = data.get("outcome", "")
    parts = [_("Phone call: %(outcome)s") % {"outcome": outcome}]
    if data.get("duration") is not None:
        parts.append(_("lasted %(duration)s") % {"duration": duration_text(data["duration"])})
    if data.get("queue"):
        parts.append(_("queue %(queue)s") % {"queue": data["queue"]})
    if data.get("agent_name") or data.get("agent"):
        who = data.get("agent_name") or data.get("agent")
        parts.append(_("with %(agent)s") % {"agent": who})
    if data.get("ivr"):
        parts.append(_("keys pressed: %(keys)s") % {"keys": ", ".join(data["ivr"])})
    return ", ".join(parts)
