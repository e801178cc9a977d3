"""What the status page does when an update is published, and its panel on the tracking page."""

from django.db import transaction
from django.db.models import F, OuterRef, Subquery

from filrouge.statuspage import snapshot, tasks


def on_update_published(sender, *, incident, update, first, **kwargs) -> None:
    """Inside the update's transaction: move the page's version, plan the subscribers' notices."""
    snapshot.bump_version()
    update_id = update.pk
    transaction.on_commit(lambda: tasks.plan_notices.enqueue(update_id))


def track_status(case) -> dict | None:
    """ "Is my line affected?" on the tracking page, in one query: the open incidents on an
    element whose path starts the path of the element serving the case's line (that element
    or one above it), each with its latest public update."""
    from filrouge.customers.models import Line
    from filrouge.incidents.models import CLOSED_STATUSES, Incident, IncidentUpdate

    if case.line_id is None:
        return None
    line_path = Line.objects.filter(pk=case.line_id).values("network_element__path")[:1]
    latest = IncidentUpdate.objects.filter(incident=OuterRef("pk")).order_by("-published_at", "-pk")
    incidents = (
        Incident.objects.exclude(status__in=CLOSED_STATUSES)
        .annotate(line_path=Subquery(line_path))
        .filter(line_path__startswith=F("elements__path"))
        .annotate(
            latest_text=Subquery(latest.values("text")[:1]),
            latest_eta=Subquery(latest.values("eta")[:1]),
        )
        .distinct()
        .order_by("-started_at")
    )
    return {"incidents": list(incidents)}
