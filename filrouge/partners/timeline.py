from django.utils.translation import gettext as _

from filrouge.cases.models import Event
from filrouge.cases.timeline import formatter


@formatter(Event.Kind.PARTNER_LINKED)
def _partner_linked(e: Event) -> str:
    return _("Entrusted to the partner %(name)s, who may now report on it") % {
        "name": e.data.get("partner_name", "")
    }
