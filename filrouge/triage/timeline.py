"""The sentence for a `triaged` event, made at render time in the reader's language."""

from django.utils.translation import gettext as _

from filrouge.cases.models import Event, Intent
from filrouge.cases.timeline import formatter


def intent_label(value: str) -> str:
    try:
        return str(Intent(value).label)
    except ValueError:
        return value


@formatter(Event.Kind.TRIAGED)
def _triaged(e: Event) -> str:
    d = e.data
    parts = [
        _("Read as %(intent)s (%(percent)s %%)")
        % {
            "intent": intent_label(d.get("intent", "")),
            "percent": round(100 * d.get("confidence", 0)),
        }
    ]
    parts.append(_("frustration %(level)s/3") % {"level": d.get("frustration", 0)})
    if d.get("churn"):
        parts.append(_("threat to leave"))
    if d.get("escalation"):
        parts.append(_("threat to go public"))
    if d.get("new_intervention"):
        parts.append(_("needs a new intervention"))
    if d.get("public_pii"):
        parts.append(_("personal data in a public post"))
    return " · ".join(parts)
