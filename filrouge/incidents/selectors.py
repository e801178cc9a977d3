"""Reads on incidents: which lines an incident hits, which incident hits a line."""

from django.db.models import Q, QuerySet

from filrouge.customers.models import Line
from filrouge.incidents.models import CLOSED_STATUSES, Incident
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
