"""The sentence for a survey answer, made at render time in the reader's language.

The same sentence reads right for the advisor and for the customer on their page:
the scores, and whether the team lead was asked to follow up. The comment is the
event's `body`, shown as the customer's words like a message's.
"""

from django.utils.translation import gettext as _

from filrouge.cases.models import Event
from filrouge.cases.timeline import formatter


@formatter(Event.Kind.SURVEY_ANSWERED)
def _answered(e: Event) -> str:
    d = {"csat": "?", "ces": "?", **e.data}  # an event missing a score still reads
    if d.get("nps") is None:
        text = _("Survey answered: satisfaction %(csat)s/5, ease %(ces)s/7") % d
    else:
        text = (
            _("Survey answered: satisfaction %(csat)s/5, ease %(ces)s/7, recommendation %(nps)s/10")
            % d
        )
    if d.get("follow_up"):
        text = _("%(answer)s — follow-up asked of the team lead") % {"answer": text}
    return text
