"""Which timeline events the customer is told about, which are essential, and when an SMS
may go. Sets, not allow-lists: a new public kind (an appointment booked, a shipment
dispatched) is notified without editing this module once the customer's tracking
page shows it (`portal.timeline.SHOWN`, the one list of what a customer may read); an
app adds its kind to `SILENT_KINDS`, `ESSENTIAL_KINDS` or `NIGHT_KINDS` (in its
`AppConfig.ready`) only when it must be treated differently.
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

from filrouge.cases.models import Event, Status
from filrouge.notifications.models import Preference
from filrouge.portal.timeline import is_shown

# Public kinds the customer is not told about: their own contacts (they were there),
# and messages to them, which are already what a notification would be.
SILENT_KINDS: set[str] = {
    Event.Kind.MESSAGE_IN,
    Event.Kind.MESSAGE_OUT,
    Event.Kind.CALL,
    Event.Kind.VISIT,
    Event.Kind.TECHNICIAN_REPORT,
}
# A case reopened because the customer wrote or called again: they caused it, they know.
CUSTOMER_CAUSED_REASONS = frozenset({"customer_replied", "customer_contact"})
# Essential news go to customers who unsubscribed from case news as well, without an
# unsubscribe link: the end of the case (it was resolved, closed, refused or cancelled),
# a case waiting on the customer (nothing moves until they act), and the kinds below
# (incident notices; technician visits, which need the customer present).
ESSENTIAL_KINDS: set[str] = {
    "incident_notice",
    Event.Kind.APPOINTMENT_BOOKED,
    Event.Kind.APPOINTMENT_MOVED,
    Event.Kind.APPOINTMENT_CANCELLED,
    Event.Kind.APPOINTMENT_REROUTED,
}
ESSENTIAL_STATUSES = frozenset(
    {Status.PENDING, Status.RESOLVED, Status.CLOSED, Status.REJECTED, Status.CANCELLED}
)
# Kinds that may reach a customer by SMS during quiet hours, if they subscribed to
# incident notices at any hour (`Preference.incident_sms_at_night`).
NIGHT_KINDS: set[str] = {"incident_notice"}


# What the customer did themselves that is confirmed to the contact on file all the
# same: a move declared from a tracking link must not go unnoticed if someone else
# holds the link (a forwarded e-mail). The same app that adds such a kind lists it here.
CONFIRMED_KINDS: set[str] = {Event.Kind.MOVE_DECLARED}


def is_notified(event: Event) -> bool:
    """Whether the customer is told about this event at all: never about what their
    tracking page does not show (`portal.timeline.is_shown`, the one list of what a
    customer may read)."""
    if event.case_id is None or not is_shown(event):
        return False
    if event.kind in CONFIRMED_KINDS:
        return True
    if event.kind in SILENT_KINDS or event.actor_label == "customer":
        return False
    return not (
        event.kind == Event.Kind.STATUS_CHANGED
        and event.data.get("reason") in CUSTOMER_CAUSED_REASONS
    )


def is_essential(event: Event) -> bool:
    if event.kind in ESSENTIAL_KINDS:
        return True
    return event.kind == Event.Kind.STATUS_CHANGED and event.data.get("to") in ESSENTIAL_STATUSES


def may_go_at_night(event: Event, preference: Preference | None) -> bool:
    return (
        event.kind in NIGHT_KINDS
        and preference is not None
        and preference.incident_sms_at_night
        and is_essential(event)
    )


def after_quiet_hours(moment: datetime) -> datetime:
    """`moment`, or the end of the SMS quiet hours (08:00 Paris) if it falls inside them.

    The quiet hours are whole hours `(start, end)`; they may span midnight (21, 8).
    """
    zone = ZoneInfo(settings.FILROUGE_SMS_QUIET_HOURS_ZONE)
    start, end = settings.FILROUGE_SMS_QUIET_HOURS
    local = moment.astimezone(zone)
    if start > end:  # spans midnight: the evening part ends the next morning
        if end <= local.hour < start:
            return moment
        day = local.date() + timedelta(days=1) if local.hour >= start else local.date()
    else:
        if not start <= local.hour < end:
            return moment
        day = local.date()
    return datetime.combine(day, time(end), tzinfo=zone)
