"""The incident's panel on the advisor's case page (`core.slots`), in one query.

The customer's tracking page has no panel of ours: the status page's (`track.status`)
already tells of the incident on the line with its latest update and ETA, in the two
queries the page's budget (six) has left, and the compensation proposed is a public
event of the case's own history (`portal.timeline.SHOWN`), read with the others."""

from typing import Any

from filrouge.cases.models import Case
from filrouge.incidents import selectors


def case_banner(case: Case) -> dict[str, Any] | None:
    found = selectors.case_incident(case)
    if found is None:
        return None
    return {**found, "case": case}
