"""TMF621 events to registered listeners: one `HubDelivery` per event and listener,
written in the transaction of the change, POSTed by a task, signed, retried, dead-lettered.

Which listeners hear of a case: those registered by the operator's systems (no
partner: every ticket) and those of each partner the case is entrusted to. The
body is a TMF event envelope whose `event.troubleTicket` carries the ticket's
state at that moment (the fields that change; a listener GETs the rest).

Signature: header `X-FilRouge-Signature: sha256=<hex>`, an HMAC-SHA256 of the
exact body keyed by the hex SHA-256 of the Bearer token the listener was
registered with (a partner's key digest, which both sides can compute).
"""

import hashlib
import hmac
import json
import logging
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet

from filrouge.cases.models import Case, Event, Status
from filrouge.core import compiled
from filrouge.core.clock import now
from filrouge.partners.models import Partner
from filrouge.tmf import callbacks, tasks
from filrouge.tmf.models import Hub, HubDelivery
from filrouge.tmf.resource import PRIORITY_OF, SEVERITY_OF, href, iso

logger = logging.getLogger(__name__)
SIGNATURE_HEADER = "X-FilRouge-Signature"
MAX_ATTEMPTS = 6
BACKOFF = [
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(hours=1),
    timedelta(hours=6),
]
LEASE = timedelta(minutes=2)
TIMEOUT = 10


def base_url() -> str:
    return settings.FILROUGE_PUBLIC_URL + "/tmf-api/troubleTicket/v5"


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(body: bytes, secret: str, signature: str) -> bool:
    return hmac.compare_digest(sign(body, secret), signature or "")


def _snapshot(case: Case, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "id": case.reference,
        "href": href(base_url(), case.reference),
        "@type": "TroubleTicket",
        "status": case.status,
        "severity": SEVERITY_OF[case.priority],
        "priority": PRIORITY_OF[case.priority],
        "lastUpdate": iso(case.updated_at),
        "expectedResolutionDate": iso(case.next_step_due),
        "resolutionDate": iso(case.resolved_at),
        **(extra or {}),
    }


def _listeners(case: Case) -> list[dict]:
    """The hubs that see `case`, each with its partner's reference for it (one query)."""
    hubs = Hub.objects.filter(Q(partner__isnull=True) | Q(partner__grants__case_id=case.pk))
    # The grant join is the one the filter made: one row per hub, its own reference.
    rows = hubs.values("id", "partner_id", "query", ref=F("partner__grants__external_id"))
    return list({row["id"]: row for row in rows}.values())


def wants(query: str, kind: str) -> bool:
    """A hub's `query` may name the event types it wants (`eventType=A,B`, TMF630 style,
    `&`-joined with other clauses we do not filter on); without one, every type."""
    for clause in (query or "").split("&"):
        name, _eq, value = clause.strip().partition("=")
        if name.strip() == "eventType":
            return kind in {v.strip() for v in value.split(",")}
    return True


def _publish(case: Case, hubs: list[dict], kinds: Sequence[str], extra: dict | None = None) -> None:
    if not hubs:
        return
    at = now()
    rows = []
    for kind in kinds:
        event_id = str(uuid.uuid4())
        for hub in hubs:
            if not wants(hub.get("query", ""), kind):
                continue
            ticket = _snapshot(case, extra)
            if hub["partner_id"] and hub["ref"]:
                ticket["externalIdentifier"] = [
                    {
                        "id": hub["ref"],
                        "externalIdentifierType": "partnerReference",
                        "@type": "ExternalIdentifier",
                    }
                ]
            body = {
                "@type": kind,
                "eventId": event_id,
                "eventTime": iso(at),
                "eventType": kind,
                "correlationId": case.reference,
                "domain": "troubleTicket",
                "event": {"troubleTicket": ticket},
            }
            rows.append(
                HubDelivery(
                    hub_id=hub["id"],
                    event_id=event_id,
                    event_type=kind,
                    body=json.dumps(body, ensure_ascii=False),
                    created_at=at,
                )
            )
    for delivery in HubDelivery.objects.bulk_create(rows):
        tasks.deliver_event.enqueue(delivery.pk)


_opening_ticket: ContextVar[Callable[[Case], None] | None] = ContextVar(
    "tmf_opening_ticket", default=None
)


@contextmanager
def opening_ticket(then: Callable[[Case], None]) -> Iterator[None]:
    """While a ticket posted to the API opens its case, the case-opened hook runs `then`
    (entrust it, announce it) inside `open_case`'s own transaction: one transaction,
    no savepoint, for the API's busiest write."""
    token = _opening_ticket.set(then)
    try:
        yield
    finally:
        _opening_ticket.reset(token)


# The listeners of a new ticket, read on every POST: one statement compiled once (per
# caller kind).
_CREATED = compiled.Shapes()


def _created_hubs(marked: dict[str, Any]) -> QuerySet:
    partner = marked.get("partner")
    hubs = Hub.objects.filter(
        Q(partner__isnull=True) | Q(partner_id=partner) if partner else Q(partner__isnull=True)
    )
    return hubs.values_list("id", "partner_id", "query")


def ticket_created(case: Case, *, partner: Partner | None, their_reference: str = "") -> None:
    """A ticket posted through the API: the operator's listeners and its poster's (one query)."""
    if partner is not None:
        marker, values = {"partner": compiled.Slot(0).integer()}, {"partner": partner.pk}
    else:
        marker, values = {}, {}
    found = _CREATED.run(partner is not None, marker, _created_hubs, values)
    rows = [
        {"id": pk, "partner_id": partner_id, "query": query,
         "ref": their_reference if partner_id else ""}
        for pk, partner_id, query in found
    ]  # fmt: skip
    _publish(case, rows, ["TroubleTicketCreateEvent"])


def cases_opened(cases: Sequence[Case]) -> None:
    """Cases opened elsewhere (console, channels): the operator's own listeners (one query)."""
    then = _opening_ticket.get()
    if then is not None:
        for case in cases:
            then(case)
        return
    hubs = [
        {**h, "ref": ""}
        for h in Hub.objects.filter(partner__isnull=True).values("id", "partner_id", "query")
    ]
    for case in cases:
        _publish(case, hubs, ["TroubleTicketCreateEvent"])


WATCHED = {
    Event.Kind.STATUS_CHANGED,
    Event.Kind.PRIORITY_CHANGED,
    Event.Kind.PARTNER_NOTE,
    Event.Kind.NEXT_STEP,
}


def event_recorded(event: Event, case: Case) -> None:
    """Hook on every timeline event: a status, severity, date or note change is published."""
    if event.kind not in WATCHED:
        return
    hubs = _listeners(case)
    if not hubs:
        return
    if event.kind == Event.Kind.STATUS_CHANGED:
        kinds = ["TroubleTicketStatusChangeEvent"]
        if event.data.get("to") == Status.RESOLVED:
            kinds.append("TroubleTicketResolvedEvent")
        if event.data.get("to") == Status.PENDING:
            kinds.append("TroubleTicketInformationRequiredEvent")
        extra = {"statusChangeReason": event.data.get("reason", "")}
        _publish(case, hubs, kinds, extra)
    elif event.kind == Event.Kind.PARTNER_NOTE:
        note = {
            "id": str(event.pk),
            "author": event.data.get("author", ""),
            "date": iso(event.created_at),
            "text": event.data.get("text", ""),
            "@type": "Note",
        }
        _publish(case, hubs, ["TroubleTicketAttributeValueChangeEvent"], {"note": [note]})
    else:
        _publish(case, hubs, ["TroubleTicketAttributeValueChangeEvent"])


def _claim(delivery_id: int) -> HubDelivery | None:
    with transaction.atomic():
        delivery = (
            HubDelivery.objects.select_for_update(of=("self",))
            .select_related("hub")
            .filter(pk=delivery_id)
            .first()
        )
        moment = now()
        if delivery is None or delivery.state not in {
            HubDelivery.State.PENDING,
            HubDelivery.State.SENDING,
        }:
            return None
        if delivery.next_attempt_at is not None and delivery.next_attempt_at > moment:
            return None  # not due yet, or another worker holds the lease
        if delivery.hub is None:  # the listener was deleted meanwhile
            delivery.state, delivery.last_error = HubDelivery.State.DEAD, "listener deleted"
            delivery.save(update_fields=["state", "last_error"])
            return None
        delivery.state = HubDelivery.State.SENDING
        delivery.attempts += 1
        delivery.next_attempt_at = moment + LEASE
        delivery.save(update_fields=["state", "attempts", "next_attempt_at"])
        return delivery


def deliver(delivery_id: int) -> str:
    """POST one event to its listener. At least once: the `eventId` lets it drop a repeat."""
    # Imported here: the client module builds on this one.
    from filrouge.tmf.http import TmfUnavailable, call

    delivery = _claim(delivery_id)
    if delivery is None:
        return "skipped"
    if not callbacks.allowed(delivery.hub.callback):  # type: ignore[union-attr]
        HubDelivery.objects.filter(pk=delivery.pk).update(
            state=HubDelivery.State.DEAD,
            last_error="callback host not in TMF_CALLBACK_HOSTS",
            next_attempt_at=None,
        )
        return HubDelivery.State.DEAD
    body = delivery.body.encode()
    try:
        status, answer = call(
            "POST",
            delivery.hub.callback,  # type: ignore[union-attr]
            data=body,
            headers={SIGNATURE_HEADER: sign(body, delivery.hub.secret)},  # type: ignore[union-attr]
        )
        if not 200 <= status < 300:
            raise TmfUnavailable(f"HTTP {status}: {answer[:200]!r}")
    except TmfUnavailable as exc:
        logger.warning("Event delivery %s failed: %s", delivery.pk, exc)
        return _failed(delivery, str(exc))
    HubDelivery.objects.filter(pk=delivery.pk, state=HubDelivery.State.SENDING).update(
        state=HubDelivery.State.DELIVERED, delivered_at=now(), next_attempt_at=None, last_error=""
    )
    return HubDelivery.State.DELIVERED


def _failed(delivery: HubDelivery, error: str) -> str:
    sending = HubDelivery.objects.filter(pk=delivery.pk, state=HubDelivery.State.SENDING)
    if delivery.attempts >= MAX_ATTEMPTS:
        sending.update(state=HubDelivery.State.DEAD, last_error=error[:2000], next_attempt_at=None)
        return HubDelivery.State.DEAD
    due = now() + BACKOFF[min(delivery.attempts, len(BACKOFF)) - 1]
    sending.update(state=HubDelivery.State.PENDING, last_error=error[:2000], next_attempt_at=due)
    task = tasks.deliver_event
    if task.get_backend().supports_defer:
        task.using(run_after=due).enqueue(delivery.pk)
    return HubDelivery.State.PENDING


def sweep(*, at: datetime | None = None) -> int:
    """Re-enqueue deliveries due again (a retry whose task was lost, an expired lease)."""
    moment = at or now()
    due = list(
        HubDelivery.objects.filter(
            state__in=[HubDelivery.State.PENDING, HubDelivery.State.SENDING],
        )
        .filter(
            Q(next_attempt_at__lte=moment)
            | Q(next_attempt_at__isnull=True, created_at__lte=moment - LEASE)
        )
        .values_list("pk", flat=True)[:1000]
    )
    for pk in due:
        tasks.deliver_event.enqueue(pk)
    return len(due)
