"""What supervisors read about the channels: the backlog, failed messages and dead letters."""

from datetime import datetime

from django.db.models import Count, Min, QuerySet

from filrouge.channels.models import InboundMessage, OutboundMessage

# A supervision page lists at most this many of each kind, oldest problem first is
# less useful than newest: the newest failures are what a fix is checked against.
SHOWN = 100
STUCK = (OutboundMessage.State.DEAD, OutboundMessage.State.BOUNCED)


def backlog() -> dict:
    """How much waits: inbound messages not yet filed, answers not yet sent, and since when."""
    waiting = InboundMessage.objects.filter(state=InboundMessage.State.RECEIVED).aggregate(
        count=Count("pk"), oldest=Min("received_at")
    )
    pending = OutboundMessage.objects.filter(
        state__in=[OutboundMessage.State.PENDING, OutboundMessage.State.SENDING]
    ).aggregate(count=Count("pk"), oldest=Min("created_at"))
    return {
        "inbound_waiting": waiting["count"],
        "inbound_oldest": waiting["oldest"],
        "outbound_pending": pending["count"],
        "outbound_oldest": pending["oldest"],
        "inbound_failed": InboundMessage.objects.filter(state=InboundMessage.State.FAILED).count(),
        "outbound_dead": OutboundMessage.objects.filter(state__in=STUCK).count(),
    }


def failed_inbound(*, since: datetime | None = None) -> QuerySet[InboundMessage]:
    """Messages that could not be filed on a case, newest first (never their payload)."""
    rows = InboundMessage.objects.filter(state=InboundMessage.State.FAILED)
    if since is not None:
        rows = rows.filter(received_at__gte=since)
    return rows.select_related("case").defer("payload").order_by("-received_at", "-pk")[:SHOWN]


def dead_deliveries() -> QuerySet[OutboundMessage]:
    """Answers given up after their retries, or bounced, newest first, with their case."""
    return (
        OutboundMessage.objects.filter(state__in=STUCK)
        .select_related("case")
        .order_by("-created_at", "-pk")[:SHOWN]
    )
