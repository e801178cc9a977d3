"""Reads the console needs that belong to no domain app yet: finding a colleague."""

from django.db.models import Q, QuerySet

from filrouge.accounts.models import Agent

SUGGESTIONS = 10


def advisors_matching(text: str, *, limit: int = SUGGESTIONS) -> QuerySet[Agent]:
    """Active advisors whose e-mail, first or last name (or "first last") starts with `text`.

    A handover target is typed, not picked from a list: with two thousand
    advisors a full <select> costs more to render than the rest of the page.
    """
    text = " ".join(text.split())
    agents = Agent.objects.filter(is_active=True).select_related("team")
    if len(text) < 2:
        return agents.none()
    match = (
        Q(email__istartswith=text)
        | Q(first_name__istartswith=text)
        | Q(last_name__istartswith=text)
    )
    if " " in text:
        first, last = text.split(" ", 1)
        match |= Q(first_name__iexact=first, last_name__istartswith=last)
        match |= Q(last_name__iexact=first, first_name__istartswith=last)
    return agents.filter(match).order_by("last_name", "first_name", "pk")[:limit]
