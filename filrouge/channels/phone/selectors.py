"""Reads of the screen pop: the call, and the caller's open cases with what is pending."""

from django.db.models import Prefetch

from filrouge.cases.models import Case, Promise
from filrouge.cases.selectors import open_cases_of
from filrouge.channels.phone.models import Call

SHOWN_CASES = 20


def call_by_id(call_id: str) -> Call | None:
    return (
        Call.objects.select_related("customer", "case", "agent", "logged_by")
        .filter(call_id=call_id)
        .first()
    )


def open_cases_for(call: Call) -> list[Case]:
    """The caller's open cases, latest activity first, each with `open_promises`."""
    if call.customer_id is None:
        return []
    promises = Promise.objects.filter(state=Promise.State.OPEN).order_by("due_at")
    cases = open_cases_of(call.customer_id).prefetch_related(
        Prefetch("promises", queryset=promises, to_attr="open_promises")
    )
    return list(cases[:SHOWN_CASES])
