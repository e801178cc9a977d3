"""Reads on incidents: which lines an incident hits, which incident hits a line."""

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery

from filrouge.cases.models import Case
from filrouge.customers.models import Line
from filrouge.incidents.models import (
    CLOSED_STATUSES,
    CompensationProposal,
    Incident,
    IncidentCase,
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


def line_incident(case: Case) -> dict | None:
    """For the tracking page: the incident over the case's line, its latest update and the
    compensation proposed (when resolved)."""
    return _news(case)
