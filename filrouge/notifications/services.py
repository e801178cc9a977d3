"""Sending notifications, once each, and the customer's choices about them.

`send_notification` (a task, deferred to the notification's due time) claims the
pending notification under a row lock and, in one transaction, writes one
`message_out` event on the case's timeline (the advisor sees what the customer was
told) and queues its delivery on the channels' outbound path, so retries with
back-off, dead letters and the supervision page apply as to any answer. The
notification is then `sent`: running the task again, or the sweep, sends nothing.
"""

import logging
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import translation

from filrouge.cases.models import Case, Event
from filrouge.cases.services import record_event
from filrouge.channels import tasks as channel_tasks
from filrouge.channels.email.transport import new_message_id
from filrouge.channels.models import OutboundMessage
from filrouge.channels.outbound import queue_delivery
from filrouge.core.clock import now
from filrouge.customers.models import Channel, Customer
from filrouge.notifications import compose, links, reach, rules
from filrouge.notifications.intake import enqueue
from filrouge.notifications.models import Notification, Preference

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))


def send_notification(notification_id: int) -> str:
    """Send one due notification; what happened: "sent", "skipped", "deferred", "not_due"..."""
    with transaction.atomic():
        notification = Notification.objects.select_for_update().filter(pk=notification_id).first()
        if notification is None:
            return "missing"
        if notification.state != Notification.State.PENDING:
            return notification.state
        moment = now()
        if notification.due_at > moment:
            return "not_due"  # its own deferred task comes at the due time
        try:
            with transaction.atomic():
                return _send(notification, moment)
        except Exception as exc:  # noqa: BLE001 - recorded on the row, retried with back-off
            logger.exception("Notification %s could not be written", notification.pk)
            return _failed(notification, exc, moment)


def _send(notification: Notification, moment: datetime) -> str:
    case = Case.objects.select_related("customer").get(pk=notification.case_id)
    customer = case.customer
    events = [item.event for item in notification.items.select_related("event__actor")]
    preference = Preference.objects.filter(customer=customer).first()
    if not notification.essential and preference and preference.unsubscribed_at:
        return _skip(notification, "unsubscribed")
    found = reach.route(customer, first=notification.channel)
    if found is None:
        return _skip(notification, "no_contact")
    notification.channel = found.channel
    at_night = any(rules.may_go_at_night(e, preference) for e in events)
    if found.channel == Channel.SMS and not at_night:
        morning = rules.after_quiet_hours(moment)
        if morning > moment:  # a late run, or a fallback to SMS, during quiet hours
            notification.due_at = morning
            notification.save(update_fields=["channel", "due_at"])
            enqueue(notification.pk, morning)
            return "deferred"
    message, outbound = _write(notification, case, events, found)
    notification.state, notification.sent_at, notification.message = (
        Notification.State.SENT,
        moment,
        message,
    )
    notification.last_error = ""
    notification.save(update_fields=["channel", "state", "sent_at", "message", "last_error"])
    transaction.on_commit(partial(channel_tasks.deliver_outbound.enqueue, outbound.pk))
    return Notification.State.SENT


def _write(
    notification: Notification, case: Case, events: list[Event], found: reach.Route
) -> tuple[Event, OutboundMessage]:
    """The `message_out` event saying what the customer is told, and its delivery."""
    tracking = links.tracking_url(case)
    unsubscribe = "" if notification.essential else links.unsubscribe_url(case.customer)
    facts = {"notification": notification.pk, "events": [e.pk for e in events]}
    headers: dict[str, str] = {}
    with translation.override(settings.LANGUAGE_CODE):
        if found.channel == Channel.EMAIL:
            subject, body = compose.email(case, events, tracking=tracking, unsubscribe=unsubscribe)
            headers = {"external_id": new_message_id(), "subject": subject}
        elif found.channel == Channel.SMS:
            body = compose.sms(case, events, tracking=tracking, unsubscribe=unsubscribe)
        else:
            template, values = compose.whatsapp(
                case, events, tracking=tracking, unsubscribe=unsubscribe
            )
            body = template.render(values)
            facts |= {"template": template.key, "params": values}
    message = record_event(
        case,
        kind=Event.Kind.MESSAGE_OUT,
        visibility=Event.Visibility.PUBLIC,
        actor_label="system",
        channel=found.channel,
        data={"body": body, **facts},
    )
    outbound = queue_delivery(
        message, case=case, channel=found.channel, recipient=found.recipient, **headers
    )
    return message, outbound


def _skip(notification: Notification, reason: str) -> str:
    notification.state, notification.reason = Notification.State.SKIPPED, reason
    notification.save(update_fields=["state", "reason"])
    return Notification.State.SKIPPED


def _failed(notification: Notification, exc: Exception, moment: datetime) -> str:
    notification.attempts += 1
    notification.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    if notification.attempts >= MAX_ATTEMPTS:
        notification.state, notification.reason = Notification.State.SKIPPED, "error"
        notification.save(update_fields=["attempts", "last_error", "state", "reason"])
        return Notification.State.SKIPPED
    notification.due_at = moment + BACKOFF[min(notification.attempts, len(BACKOFF)) - 1]
    notification.save(update_fields=["attempts", "last_error", "due_at"])
    enqueue(notification.pk, notification.due_at)
    return "retry"


def sweep(*, at: datetime | None = None, older_than: timedelta = timedelta(minutes=2)) -> int:
    """Enqueue again the notifications overdue by `older_than`: their task was lost in a
    crash or never ran (a backend that cannot defer). Sending twice is harmless: the
    task sends a notification only while it is pending."""
    from filrouge.notifications import tasks

    moment = at or now()
    overdue = list(
        Notification.objects.filter(
            state=Notification.State.PENDING, due_at__lte=moment - older_than
        )
        .order_by("due_at")
        .values_list("pk", flat=True)[:1000]
    )
    for pk in overdue:
        tasks.send_notification.enqueue(pk)
    return len(overdue)


@transaction.atomic
def unsubscribe(customer: Customer) -> Preference:
    """No more case news; essential notices still go. Unsubscribing twice keeps the first date."""
    preference = _preference(customer)
    if preference.unsubscribed_at is None:
        preference.unsubscribed_at = preference.updated_at = now()
        preference.save(update_fields=["unsubscribed_at", "updated_at"])
    return preference


@transaction.atomic
def resubscribe(customer: Customer) -> Preference:
    preference = _preference(customer)
    if preference.unsubscribed_at is not None:
        preference.unsubscribed_at, preference.updated_at = None, now()
        preference.save(update_fields=["unsubscribed_at", "updated_at"])
    return preference


@transaction.atomic
def set_incident_sms_at_night(customer: Customer, *, wanted: bool) -> Preference:
    """The customer's subscription to incident notices by SMS at any hour."""
    preference = _preference(customer)
    preference.incident_sms_at_night, preference.updated_at = wanted, now()
    preference.save(update_fields=["incident_sms_at_night", "updated_at"])
    return preference


def _preference(customer: Customer) -> Preference:
    preference, _created = Preference.objects.select_for_update().get_or_create(
        customer=customer, defaults={"updated_at": now()}
    )
    return preference
