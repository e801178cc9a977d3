"""Our WhatsApp message templates: the only way to start a conversation (or to write
after 24 hours of silence from the customer).

Each template is created and approved in Meta's WhatsApp Manager under the
name and language below, with a body whose `{{1}}`, `{{2}}`... are the
parameters in the order listed. The preview is our copy of that body, shown on
the timeline; keep the two identical when a template is edited at Meta.
"""

import re
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from filrouge.cases.services import CaseError

MAX_PARAMETER = 1024
# Meta refuses template parameters with new lines, tabs or more than 4 consecutive spaces.
_FORBIDDEN = re.compile(r"[\n\t]| {5,}")


@dataclass(frozen=True)
class Template:
    key: str  # what our code asks for
    name: str  # the approved template's name at Meta
    language: str  # the approved language ("fr")
    parameters: tuple[str, ...]  # body parameters {{1}}, {{2}}... in order
    preview: Promise  # the body as approved, with %(name)s for each parameter

    def values(self, params: dict[str, str]) -> list[str]:
        """The parameters in Meta's order, checked as Meta would check them."""
        missing = [p for p in self.parameters if not str(params.get(p, "")).strip()]
        unknown = sorted(set(params) - set(self.parameters))
        if missing or unknown:
            raise CaseError(
                _(
                    "Template “%(template)s” needs %(needed)s "
                    "(missing: %(missing)s; unknown: %(unknown)s)."
                )
                % {
                    "template": self.key,
                    "needed": ", ".join(self.parameters),
                    "missing": ", ".join(missing) or "-",
                    "unknown": ", ".join(unknown) or "-",
                }
            )
        values = [str(params[p]).strip() for p in self.parameters]
        for name, value in zip(self.parameters, values, strict=True):
            if len(value) > MAX_PARAMETER or _FORBIDDEN.search(value):
                raise CaseError(
                    _(
                        "Template parameter “%(name)s” must be one line "
                        "of at most %(max)d characters."
                    )
                    % {"name": name, "max": MAX_PARAMETER}
                )
        return values

    def render(self, values: list[str]) -> str:
        return str(self.preview) % dict(zip(self.parameters, values, strict=True))


TEMPLATES: dict[str, Template] = {
    t.key: t
    for t in (
        Template(
            key="incident_notice",
            name="filrouge_incident_notice",
            language="fr",
            parameters=("area", "summary", "tracking_url"),
            preview=gettext_lazy(
                "Service incident in %(area)s: %(summary)s. We are on it and will keep you "
                "informed here. Follow it: %(tracking_url)s"
            ),
        ),
        Template(
            key="appointment_reminder",
            name="filrouge_appointment_reminder",
            language="fr",
            parameters=("date", "slot", "reference"),
            preview=gettext_lazy(
                "Reminder: a technician comes on %(date)s between %(slot)s for case "
                "%(reference)s. Reply to this message if you are not available."
            ),
        ),
        Template(
            key="case_update",
            name="filrouge_case_update",
            language="fr",
            parameters=("reference", "update"),
            preview=gettext_lazy(
                "News about your case %(reference)s: %(update)s. Reply here to answer us."
            ),
        ),
        # Notifications (filrouge/notifications): what changed, with the tracking link, and
        # for news the customer may refuse, the unsubscribe link; "utility" category at Meta.
        Template(
            key="case_news",
            name="filrouge_case_news",
            language="fr",
            parameters=("reference", "update", "tracking_url", "unsubscribe_url"),
            preview=gettext_lazy(
                "News about your case %(reference)s: %(update)s. Follow it: %(tracking_url)s "
                "To stop receiving these messages: %(unsubscribe_url)s"
            ),
        ),
        Template(
            key="case_news_essential",
            name="filrouge_case_news_essential",
            language="fr",
            parameters=("reference", "update", "tracking_url"),
            preview=gettext_lazy(
                "News about your case %(reference)s: %(update)s. Follow it: %(tracking_url)s"
            ),
        ),
    )
}


def get(key: str) -> Template:
    try:
        return TEMPLATES[key]
    except KeyError:
        raise CaseError(
            _("Unknown WhatsApp template “%(template)s”.") % {"template": key}
        ) from None
