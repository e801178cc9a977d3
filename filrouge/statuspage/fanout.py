"""Each published update, told to the confirmed subscribers of the places it touches.

`plan(update_id)` (a task, enqueued when the update commits) finds the
confirmed subscriptions of the affected postcodes and communes, writes one
`Notice` per subscriber — unique on (update, subscription), so planning twice
adds nothing — and enqueues `send_batch` tasks of `BATCH` notices. A batch
claims each notice (`queued` → `sending`, a conditional UPDATE: two workers
never both claim one), sends it, and marks it `sent` or `failed`; a provider
that is down puts it back to `queued` for the sweep.

No duplicates if a worker dies: a notice is sent only by whoever moved it to
`sending`, and the sweep never sends a `sending` notice again — one claimed
by a worker that died past `STALLED` is marked failed instead ("interrupted:
not sent again, to avoid a duplicate"). At most one notice per dead worker can
be lost that way; re-sent, it could be a duplicate, which the issue forbids.
The sweep (`filrouge sweep_statuspage`) also re-enqueues queued notices whose
batch never ran (a task lost, a provider down).
"""

import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import Q

from filrouge.channels.message import DeliveryRefused
from filrouge.core.clock import now
from filrouge.customers.normalise import fold
from filrouge.incidents.models import IncidentUpdate
from filrouge.network.models import Area
from filrouge.statuspage import delivery, tasks
from filrouge.statuspage.models import Notice, Subscription

logger = logging.getLogger(__name__)

BATCH = 100
STALLED = timedelta(minutes=10)


def affected_places(update: IncidentUpdate) -> tuple[set[str], set[str]]:
    """(postcodes, folded commune names) served by the incident's elements or below."""
    paths = list(update.incident.elements.values_list("path", flat=True))
    if not paths:
        return set(), set()
    where = Q()
    for path in paths:
        where |= Q(networkelement__path__startswith=path)
    rows = Area.objects.filter(where).values_list("postcode", "commune").distinct()
    return {p for p, _c in rows}, {fold(c) for _p, c in rows}


def plan(update_id: int) -> int:
    """Write the notices of an update and enqueue their batches; returns the batches enqueued."""
    update = IncidentUpdate.objects.select_related("incident").get(pk=update_id)
    postcodes, communes = affected_places(update)
    subscribers = Subscription.objects.filter(
        Q(postcode__in=postcodes) | Q(commune_key__in=communes),
        state=Subscription.State.CONFIRMED,
    ).values_list("pk", flat=True)
    at = now()
    ids = list(subscribers.order_by("pk"))
    for start in range(0, len(ids), 1000):
        Notice.objects.bulk_create(
            [
                Notice(update_id=update_id, subscription_id=pk, queued_at=at)
                for pk in ids[start : start + 1000]
            ],
            ignore_conflicts=True,
        )
    queued = Notice.objects.filter(update_id=update_id, state=Notice.State.QUEUED)
    return _enqueue(list(queued.order_by("pk").values_list("pk", flat=True)))


def _enqueue(notice_ids: list[int]) -> int:
    batches = [notice_ids[i : i + BATCH] for i in range(0, len(notice_ids), BATCH)]
    for batch in batches:
        tasks.send_batch.enqueue(batch)
    return len(batches)


def send_batch(notice_ids: list[int]) -> dict[str, int]:
    counts = {"sent": 0, "failed": 0, "retry": 0, "skipped": 0}
    for pk in notice_ids:
        counts[send_one(pk)] += 1
    return counts


def send_one(notice_id: int) -> str:
    claimed = Notice.objects.filter(pk=notice_id, state=Notice.State.QUEUED).update(
        state=Notice.State.SENDING, claimed_at=now()
    )
    if not claimed:
        return "skipped"  # sent, failed or being sent by someone else
    notice = Notice.objects.select_related("subscription", "update__incident").get(pk=notice_id)
    if notice.subscription.state != Subscription.State.CONFIRMED:
        return _finish(notice, Notice.State.FAILED, "unsubscribed before sending")
    try:
        delivery.send_notice(notice, notice.update)
    except DeliveryRefused as exc:
        return _finish(notice, Notice.State.FAILED, str(exc))
    except Exception as exc:  # noqa: BLE001 - provider down, timeout: the sweep tries again
        logger.warning("status page notice %s: %s", notice_id, exc)
        return _finish(notice, Notice.State.QUEUED, str(exc), retry=True)
    return _finish(notice, Notice.State.SENT, "")


def _finish(notice: Notice, state: str, error: str, *, retry: bool = False) -> str:
    fields = {"state": state, "error": error[:300]}
    if state == Notice.State.SENT:
        fields["sent_at"] = now()
    Notice.objects.filter(pk=notice.pk, state=Notice.State.SENDING).update(**fields)
    return "retry" if retry else ("sent" if state == Notice.State.SENT else "failed")


@transaction.atomic
def sweep() -> dict[str, int]:
    """Stalled notices: `sending` past STALLED fail (never re-sent); `queued` ones re-enqueued."""
    limit = now() - STALLED
    interrupted = Notice.objects.filter(state=Notice.State.SENDING, claimed_at__lt=limit).update(
        state=Notice.State.FAILED,
        error="interrupted while sending: not sent again, to avoid a duplicate",
    )
    stalled = list(
        Notice.objects.select_for_update(skip_locked=True)
        .filter(state=Notice.State.QUEUED, queued_at__lt=limit)
        .order_by("pk")
        .values_list("pk", flat=True)[:10_000]
    )
    Notice.objects.filter(pk__in=stalled).update(queued_at=now())
    return {"interrupted": interrupted, "requeued": len(stalled), "batches": _enqueue(stalled)}
