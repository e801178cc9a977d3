"""Reads on incidents: which lines an incident hits, which incident hits a line."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Max, OuterRef, Q, QuerySet, Subquery, Sum

from filrouge.cases.models import Case
from filrouge.customers.models import Line
from filrouge.incidents.models import (
    CLOSED_STATUSES,
    CompensationProposal,
    Incident,
    IncidentCase,
    IncidentNotice,
    IncidentUpdate,
)
from filrouge.network.models import NetworkElement


def affected_elements(incident: Incident) -> QuerySet[NetworkElement]:
    """The incident's elements and every element below them."""
    paths = list(incident.elements.values_list("path", flat=True))
    if not paths:
        return NetworkElement.objects.none()
    where = Q()
    for path in paths:
        where |= Q(path__startswith=path)
    return NetworkElement.objects.filter(where)


def affected_lines(incident: Incident) -> QuerySet[Line]:
    """Lines served by the incident's elements or by an element below them."""
    return Line.objects.filter(network_element__in=affected_elements(incident))


def open_incidents() -> QuerySet[Incident]:
    return Incident.objects.exclude(status__in=CLOSED_STATUSES)


def under_open_incident(case: Case) -> bool:
    """Is the case linked (and not unlinked) to an incident not yet resolved?"""
    return (
        IncidentCase.objects.filter(case=case, unlinked_at__isnull=True)
        .exclude(incident__status__in=CLOSED_STATUSES)
        .exists()
    )


def open_incident_for_line(line: Line | None) -> Incident | None:
    """The most recent open incident on an element serving the line (or above it)."""
    if line is None or line.network_element_id is None:
        return None
    path = line.network_element.path
    ancestors = [int(pk) for pk in path.strip("/").split("/") if pk]
    return (
        open_incidents()
        .filter(elements__in=ancestors, kind=Incident.Kind.INCIDENT)
        .order_by("-started_at")
        .first()
    )


def _ancestors(line: Line) -> list[int]:
    element = line.network_element
    if element is None:
        return []
    return [int(pk) for pk in element.path.strip("/").split("/") if pk]


def open_incidents_for_lines(lines: list[Line]) -> dict[int, Incident]:
    """Line id → the most recent open incident over it, for many lines in one query."""
    wanted = {line.pk: _ancestors(line) for line in lines}
    elements = {pk for ancestors in wanted.values() for pk in ancestors}
    if not elements:
        return {}
    incidents = list(
        open_incidents()
        .filter(elements__in=elements, kind=Incident.Kind.INCIDENT)
        .annotate(element_id=F("elements"))
        .order_by("-started_at", "-pk")
    )
    found: dict[int, Incident] = {}
    for line_id, ancestors in wanted.items():
        hit = next((i for i in incidents if i.element_id in ancestors), None)
        if hit is not None:
            found[line_id] = hit
    return found


def latest_update(incident: Incident) -> IncidentUpdate | None:
    return incident.updates.order_by("-published_at", "-pk").first()


def incident_by_reference(reference: str) -> Incident | None:
    return (
        Incident.objects.select_related("owner", "partner")
        .prefetch_related("elements")
        .filter(reference=reference)
        .first()
    )


def incidents_for_agents(*, over: bool = False) -> QuerySet[Incident]:
    """The incidents list: open ones first (or the closed ones), with their linked-case count."""
    incidents = Incident.objects.select_related("owner").prefetch_related("elements")
    incidents = (
        incidents.filter(status__in=CLOSED_STATUSES)
        if over
        else incidents.exclude(status__in=CLOSED_STATUSES)
    )
    return incidents.annotate(
        linked=Count("links", filter=Q(links__unlinked_at__isnull=True))
    ).order_by("-started_at")


def linked_cases(incident: Incident, *, limit: int = 200) -> list[IncidentCase]:
    return list(
        IncidentCase.objects.filter(incident=incident)
        .select_related("case__customer", "case__owner", "unlinked_by")
        .order_by("unlinked_at", "-linked_at")[:limit]
    )


UPDATE_FIELDS = ("pk", "status", "text", "eta", "published_at")
COMPENSATION_FIELDS = ("amount", "full_days", "may_terminate")


def _news(case: Case) -> dict | None:
    """The case's live link, its incident, the latest update and the line's compensation,
    in one query (the pages' panels run on every view)."""
    if case.line_id is None:
        return None
    latest = IncidentUpdate.objects.filter(incident=OuterRef("incident")).order_by(
        "-published_at", "-pk"
    )
    owed = CompensationProposal.objects.filter(incident=OuterRef("incident"), line_id=case.line_id)
    link = (
        IncidentCase.objects.filter(case=case, unlinked_at__isnull=True)
        .select_related("incident")
        .annotate(**{f"u_{f}": Subquery(latest.values(f)[:1]) for f in UPDATE_FIELDS})
        .annotate(**{f"c_{f}": Subquery(owed.values(f)[:1]) for f in COMPENSATION_FIELDS})
        .order_by("-linked_at")
        .first()
    )
    if link is None:
        return None
    update = None
    if link.u_pk is not None:
        update = IncidentUpdate(
            incident=link.incident, **{f: getattr(link, f"u_{f}") for f in UPDATE_FIELDS}
        )
    compensation = None
    if link.c_amount is not None:
        compensation = CompensationProposal(
            **{f: getattr(link, f"c_{f}") for f in COMPENSATION_FIELDS}
        )
    return {"link": link, "incident": link.incident, "update": update, "compensation": compensation}


def case_incident(case: Case) -> dict | None:
    """For the advisor's banner: the incident the case is linked to and its latest update."""
    return _news(case)


# --- The incident page's "told" and "compensations" summaries ---------------------------------

DELIVERED = ("sent", "delivered", "read")  # handed to the provider, or further
IN_FLIGHT = ("pending", "sending")
UNDELIVERED = ("dead", "bounced")


@dataclass
class Told:
    """How one update reached the affected customers (each a notice, unique per customer)."""

    update: IncidentUpdate
    sent: int = 0  # handed to the channel's provider (sent, delivered or read)
    queued: int = 0  # waiting: the chunk's task, an SMS kept for 08:00, a delivery retrying
    failed: int = 0  # given up by the channel (dead letter) or bounced
    no_contact: int = 0  # no e-mail and no mobile reachable: nobody to tell
    planned: bool = True  # False while the fan-out is not planned yet

    @property
    def total(self) -> int:
        return self.sent + self.queued + self.failed + self.no_contact


def told(incident: Incident) -> list[Told]:
    """Per public update (newest first), how many affected customers were told: one query
    for the notices, grouped, with their deliveries' states."""
    sent = IncidentNotice.State.SENT
    counts = {
        row["update_id"]: row
        for row in IncidentNotice.objects.filter(update__incident=incident)
        .values("update_id")
        .annotate(
            sent=Count("pk", filter=Q(state=sent, message__delivery__state__in=DELIVERED)),
            queued=Count(
                "pk",
                filter=Q(state=IncidentNotice.State.PENDING)
                | Q(state=sent, message__delivery__state__in=IN_FLIGHT),
            ),
            failed=Count("pk", filter=Q(state=sent, message__delivery__state__in=UNDELIVERED)),
            no_contact=Count("pk", filter=Q(state=IncidentNotice.State.SKIPPED)),
        )
        .order_by()
    }
    rows = []
    for update in incident.updates.order_by("-published_at", "-pk"):
        row = counts.get(update.pk, {})
        rows.append(
            Told(
                update,
                sent=row.get("sent", 0),
                queued=row.get("queued", 0),
                failed=row.get("failed", 0),
                no_contact=row.get("no_contact", 0),
                planned=update.notices_planned_at is not None,
            )
        )
    return rows


@dataclass
class Owed:
    """The compensation proposals of a resolved incident, per customer, with the totals."""

    customers: list[dict] = field(default_factory=list)  # the first `limit`, largest first
    lines: int = 0
    customer_count: int = 0
    owed_customers: int = 0  # customers with more than 0 €
    total: Decimal = Decimal("0.00")
    may_terminate: int = 0  # lines cut long enough to terminate without fees


def owed(incident: Incident, *, limit: int = 100) -> Owed:
    """Two queries: the totals, and the customers with the largest proposals."""
    proposals = CompensationProposal.objects.filter(incident=incident)
    totals = proposals.aggregate(
        lines=Count("pk"),
        customers=Count("customer_id", distinct=True),
        owed_customers=Count("customer_id", distinct=True, filter=Q(amount__gt=0)),
        total=Sum("amount"),
        may_terminate=Count("pk", filter=Q(may_terminate=True)),
    )
    customers = list(
        proposals.values(
            "customer_id",
            "customer__first_name",
            "customer__last_name",
            "customer__account_number",
        )
        .annotate(
            lines=Count("pk"),
            days=Max("full_days"),
            amount=Sum("amount"),
            may_terminate=Count("pk", filter=Q(may_terminate=True)),
        )
        .order_by("-amount", "customer__account_number")[:limit]
    )
    return Owed(
        customers=customers,
        lines=totals["lines"],
        customer_count=totals["customers"],
        owed_customers=totals["owed_customers"],
        total=totals["total"] or Decimal("0.00"),
        may_terminate=totals["may_terminate"],
    )
