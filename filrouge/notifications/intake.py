"""The hook `cases.services.record_event` calls for every event, in the change's transaction.

A notified event (see `rules.is_notified`) joins the case's pending notification on
the chosen channel while that one is not yet due, else opens one due a minute later
(`GROUPING_WINDOW`): several changes in a minute make one message. An SMS due during
quiet hours waits until 08:00 Paris, and events keep joining it meanwhile, so a night
of changes is one SMS in the morning. The notification and its task are written in
the same transaction as the event: if the process dies, both or neither exist.
"""

from datetime import datetime, timedelta
from functools import partial

from django.db import transaction

from filrouge.cases.models import Case, Event
from filrouge.customers.models import Channel
from filrouge.notifications import reach, rules
from filrouge.notifications.models import Notification, NotificationItem, Preference

GROUPING_WINDOW = timedelta(seconds=60)


def note_event(event: Event, case: Case) -> Notification | None:
    """Put a notified event in a notification; None when the customer is not told."""
    if not rules.is_notified(event):
        return None
    with transaction.atomic():  # a savepoint inside the caller's transaction, if any
        return _gather(event, case)


def _gather(event: Event, case: Case) -> Notification | None:
    customer = case.customer
    if customer.is_prospect:
        return None  # an unidentified sender: an advisor checks who it is first
    preference = Preference.objects.filter(customer=customer).first()
    essential = rules.is_essential(event)
    if preference is not None and preference.unsubscribed_at and not essential:
        return _not_sent(event, case, reason="unsubscribed")
    found = reach.route(customer)
    if found is None:
        return _not_sent(event, case, reason="no_contact")
    due = event.created_at + GROUPING_WINDOW
    if found.channel == Channel.SMS and not rules.may_go_at_night(event, preference):
        due = rules.after_quiet_hours(due)
    pending = (
        Notification.objects.select_for_update()
        .filter(case=case, channel=found.channel, state=Notification.State.PENDING)
        .filter(due_at__gt=event.created_at)
        .order_by("due_at")
        .first()
    )
    if pending is None:
        pending = Notification.objects.create(
            case=case,
            customer=customer,
            channel=found.channel,
            essential=essential,
            opened_at=event.created_at,
            due_at=due,
        )
        enqueue(pending.pk, due)
    else:
        # An incident notice allowed at night pulls a notification waiting for the morning in.
        sooner = due < pending.due_at
        pending.due_at = min(pending.due_at, due)
        pending.essential = pending.essential or essential
        pending.save(update_fields=["due_at", "essential"])
        if sooner:
            enqueue(pending.pk, due)
    NotificationItem.objects.create(notification=pending, event=event)
    return pending


def _not_sent(event: Event, case: Case, *, reason: str) -> Notification:
    """Recorded all the same, so the advisor can see why the customer was not told."""
    notification = Notification.objects.create(
        case=case,
        customer_id=case.customer_id,
        channel=case.customer.preferred_channel,
        state=Notification.State.SKIPPED,
        reason=reason,
        essential=rules.is_essential(event),
        opened_at=event.created_at,
        due_at=event.created_at,
    )
    NotificationItem.objects.create(notification=notification, event=event)
    return notification


def enqueue(notification_id: int, due: datetime) -> None:
    """The sending task, deferred to `due` where the backend can defer.

    On the database backend the task is a row written in the current transaction
    (an outbox: committed with the change or not at all). Another backend gets it
    once the transaction committed. Either way `sweep` finds a due notification
    whose task was lost.
    """
    from django_tasks_db.backend import DatabaseBackend

    from filrouge.notifications import tasks

    task = tasks.send_notification
    backend = task.get_backend()
    if backend.supports_defer:
        task = task.using(run_after=due)
    if isinstance(backend, DatabaseBackend):
        task.enqueue(notification_id)
    else:
        transaction.on_commit(partial(task.enqueue, notification_id))
