"""The incident's panels on other apps' pages (`core.slots`): the banner on the advisor's
case page and the card on the customer's tracking page. Each is one or two queries."""

from typing import Any

from filrouge.cases.models import Case
from filrouge.incidents import selectors


def case_banner(case: Case) -> dict[str, Any] | None:
    found = selectors.case_incident(case)
    if found is None:
        return None
    return {**found, "case": case}


def track_card(case: Case) -> dict[str, Any] | None:
    return selectors.line_incident(case)
