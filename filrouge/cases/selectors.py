"""Reads on cases, scoped by who asks. Related rows are fetched here, once.

Any active agent may open any case (a shop advisor must never have "no hand on
it"); queues decide what each agent sees first, not what they may see.
"""

import base64
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.fields.json import KeyTextTransform

from filrouge.accounts.models import Agent
from filrouge.cases.models import ACTIVE_STATUSES, OPEN_STATUSES, Case, Event, Promise
from filrouge.cases.tokens import check_tracking_token
from filrouge.core.clock import now
from filrouge.customers.models import ContactPoint
from filrouge.customers.normalise import (
    InvalidContact,
    fold,
    looks_like_phone,
    normalise_email,
    normalise_phone,
)

QUEUES = ("mine", "team", "unassigned", "promises", "escalated")
PAGE_SIZE = 50


def _cases() -> QuerySet[Case]:
    return Case.objects.select_related("customer", "owner", "team")


def case_by_reference(reference: str) -> Case | None:
    return (
        Case.objects.select_related("customer", "line", "owner__team", "team__lead", "team")
        .filter(reference=reference.strip().upper())
        .first()
    )


def case_for_customer(reference: str, token: str) -> Case | None:
    """The case a tracking link opens, or None; never says which half was wrong."""
    case = Case.objects.select_related("owner", "team").filter(reference=reference).first()
    if case is None or not check_tracking_token(case, token):
        return None
    return case


@dataclass
class CaseHeader:
    """What an advisor needs at a glance, without reading the whole timeline."""

    case: Case
    owner_contact: str
    open_promises: list[Promise]
    settled_promises: list[Promise]
    last_public_events: list[Event] = field(default_factory=list)


def case_header(case: Case) -> CaseHeader:
    owner = case.owner
    contact = ""
    if owner is not None:
        team = owner.team
        contact = owner.phone_extension or (team.contact_phone if team else "") or owner.email
    promises = list(case.promises.select_related("made_by").order_by("due_at"))
    public = list(
        case.events.filter(visibility=Event.Visibility.PUBLIC)
        .prefetch_related("actor")
        .order_by("-created_at", "-pk")[:3]
    )
    return CaseHeader(
        case=case,
        owner_contact=contact,
        open_promises=[p for p in promises if p.state == Promise.State.OPEN],
        settled_promises=[p for p in promises if p.state != Promise.State.OPEN],
        last_public_events=public,
    )


def timeline(case: Case, *, public_only: bool = False) -> QuerySet[Event]:
    # Actors are fetched by id in a second query rather than joined: a case has
    # a handful of distinct actors, and the join made PostgreSQL hash the whole
    # agents table for every timeline.
    events = case.events.prefetch_related("actor").order_by("created_at", "pk")
    if public_only:
        events = events.filter(visibility=Event.Visibility.PUBLIC)
    return events


def encode_cursor(case: Case) -> str:
    raw = f"{case.updated_at.isoformat()}|{case.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode()


def after_cursor(cases: QuerySet[Case], cursor: str) -> QuerySet[Case]:
    """The cases after `cursor` (from `encode_cursor`) in (-updated_at, -pk) order.

    Raises ValueError for a cursor this module did not write, so an API can say so.
    """
    stamp, pk = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
    moment, key = datetime.fromisoformat(stamp), int(pk)
    if moment.tzinfo is None:
        raise ValueError(cursor)
    return cases.filter(Q(updated_at__lt=moment) | Q(updated_at=moment, pk__lt=key))


def _after(cases: QuerySet[Case], cursor: str | None) -> QuerySet[Case]:
    if not cursor:
        return cases
    try:
        return after_cursor(cases, cursor)
    except ValueError:
        return cases


def queue(
    agent: Agent, name: str, *, cursor: str | None = None, limit: int = PAGE_SIZE
) -> list[Case]:
    """One page of a queue, newest activity first, keyset-paginated."""
    cases = _cases().filter(status__in=ACTIVE_STATUSES)
    if name == "mine":
        cases = cases.filter(owner=agent)
    elif name == "team":
        cases = cases.filter(team_id=agent.team_id) if agent.team_id else cases.none()
    elif name == "unassigned":
        cases = cases.filter(owner__isnull=True)
    elif name == "escalated":
        cases = cases.filter(escalated_at__isnull=False)
        if agent.role == Agent.Role.LEAD:
            cases = cases.filter(team__lead=agent)
    elif name == "promises":
        return []  # promises have their own page: see `promises_due`.
    else:
        raise ValueError(name)
    return list(_after(cases.order_by("-updated_at", "-pk"), cursor)[:limit])


def promises_due(agent: Agent, *, scope: str = "team") -> dict[str, list[Promise]]:
    """Open promises due before tonight and recently broken ones, for the agent or their team."""
    moment = now()
    promises = Promise.objects.select_related("case__customer", "case__owner", "made_by")
    if scope == "mine" or not agent.team_id:
        promises = promises.filter(case__owner=agent)
    else:
        promises = promises.filter(case__team_id=agent.team_id)
    end_of_day = moment.replace(hour=23, minute=59, second=59)
    return {
        "due": list(
            promises.filter(state=Promise.State.OPEN, due_at__lte=end_of_day).order_by("due_at")[
                :PAGE_SIZE
            ]
        ),
        "broken": list(
            promises.filter(
                state=Promise.State.BROKEN,
                case__status__in=OPEN_STATUSES,
                settled_at__gte=moment - timedelta(days=14),
            ).order_by("-settled_at")[:PAGE_SIZE]
        ),
    }


def open_cases_of(customer_id: int) -> QuerySet[Case]:
    return (
        _cases().filter(customer_id=customer_id, status__in=OPEN_STATUSES).order_by("-updated_at")
    )


# The events whose words `search_cases` reads, and the French tsvector of
# those words. Migration 0002 builds its GIN index on exactly this expression
# and predicate: change one, change the other (test_api_search checks the plan).
MESSAGE_KINDS = [Event.Kind.MESSAGE_IN, Event.Kind.MESSAGE_OUT, Event.Kind.CASE_OPENED]


def message_search_vector() -> SearchVector:
    return SearchVector(
        KeyTextTransform("body", "data"), KeyTextTransform("subject", "data"), config="french"
    )


def search_cases(
    q: str = "",
    *,
    status: str | None = None,
    owner: int | None = None,
    team: int | None = None,
    intent: str | None = None,
) -> QuerySet[Case]:
    """Cases by reference, customer phone / e-mail / name, or words of their messages."""
    cases = _cases()
    if status:
        cases = cases.filter(status=status)
    if owner:
        cases = cases.filter(owner_id=owner)
    if team:
        cases = cases.filter(team_id=team)
    if intent:
        cases = cases.filter(intent=intent)
    q = q.strip()
    if not q:
        return cases.order_by("-updated_at", "-pk")
    return cases.filter(_text_filter(q)).order_by("-updated_at", "-pk")


def _text_filter(q: str) -> Q:
    upper = q.upper()
    if upper.startswith("FR-"):
        return Q(reference=upper)
    if "@" in q:
        try:
            email = normalise_email(q)
        except InvalidContact:
            return Q(pk__in=[])
        return Q(
            customer__contact_points__kind=ContactPoint.Kind.EMAIL,
            customer__contact_points__value=email,
        )
    if looks_like_phone(q):
        try:
            phone = normalise_phone(q)
        except InvalidContact:
            return Q(pk__in=[])
        return Q(
            customer__contact_points__kind=ContactPoint.Kind.PHONE,
            customer__contact_points__value=phone,
        )
    folded = fold(q)
    messages = Event.objects.filter(kind__in=MESSAGE_KINDS, case__isnull=False)
    if connection.vendor == "postgresql":
        # Indexed on both sides (GIN index of migration 0002, search_name's
        # LIKE index): a UNION of ids, so neither side scans a whole table.
        words = messages.annotate(words=message_search_vector()).filter(
            words=SearchQuery(q, config="french", search_type="plain")
        )
        by_name = Case.objects.filter(customer__search_name__startswith=folded)
        return Q(pk__in=words.order_by().values("case_id").union(by_name.order_by().values("pk")))
    words = messages.filter(Q(data__body__icontains=q) | Q(data__subject__icontains=q))
    return (
        Q(customer__search_name__startswith=folded)
        | Q(subject__icontains=q)
        | Q(pk__in=words.values("case_id"))
    )


def past_cases_of(customer_id: int, *, limit: int = PAGE_SIZE) -> list[Case]:
    """A customer's finished cases (resolved, closed, rejected, cancelled), newest first."""
    cases = _cases().filter(customer_id=customer_id).exclude(status__in=ACTIVE_STATUSES)
    return list(cases.order_by("-updated_at", "-pk")[:limit])


def cases_of_customers(customer_ids: list[int], *, limit: int = PAGE_SIZE) -> list[Case]:
    """Recent cases of a handful of customers (a search result): one indexed query."""
    if not customer_ids:
        return []
    cases = _cases().filter(customer_id__in=customer_ids)
    return list(cases.order_by("-updated_at", "-pk")[:limit])
