"""What the status page does when an update is published, and its panel on the tracking page."""

from django.db import transaction
from django.db.models import OuterRef, Subquery

from filrouge.statuspage import snapshot, tasks


def on_update_published(sender, *, incident, update, first, **kwargs) -> None:
    """Inside the update's transaction: move the page's version, plan the subscribers' notices."""
    snapshot.bump_version()
    update_id = update.pk
    transaction.on_commit(lambda: tasks.plan_notices.enqueue(update_id))


def track_status(case) -> dict | None:
    """ "Is my line affected?" on the tracking page: two queries (the line's element path, then
    the open incidents on that element or above it, with their latest public update)."""
    from filrouge.customers.models import Line
    from filrouge.incidents.models import CLOSED_STATUSES, Incident, IncidentUpdate

    if case.line_id is None:
        return None
    line = Line.objects.filter(pk=case.line_id).values("number", "network_element__path").first()
    if not line or not line["network_element__path"]:
        return None
    ancestors = [int(pk) for pk in line["network_element__path"].strip("/").split("/") if pk]
    latest = IncidentUpdate.objects.filter(incident=OuterRef("pk")).order_by("-published_at", "-pk")
    incidents = (
        Incident.objects.filter(elements__in=ancestors)
        .exclude(status__in=CLOSED_STATUSES)
        .annotate(
            latest_text=Subquery(latest.values("text")[:1]),
            latest_eta=Subquery(latest.values("eta")[:1]),
        )
        .distinct()
        .order_by("-started_at")
    )
    return {"incidents": list(incidents), "line_number": line["number"]}
