"""Notifications are grouped per minute, sent once, on a channel that reaches the customer,
and respect their choices (unsubscribe, STOP) and the SMS quiet hours."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from filrouge.cases.models import Event, Status
from filrouge.cases.services import change_status, record_event
from filrouge.channels.models import OutboundMessage
from filrouge.channels.sms.keywords import opt_out
from filrouge.customers.models import Channel
from filrouge.notifications import services
from filrouge.notifications.intake import GROUPING_WINDOW
from filrouge.notifications.models import Notification, NotificationItem
from filrouge.notifications.services import (
    send_notification,
    set_incident_sms_at_night,
    sweep,
    unsubscribe,
)
from filrouge.notifications.tests.helpers import case_for, customer_with, three_changes

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
NOON = dt.datetime(2026, 3, 10, 12, 0, tzinfo=PARIS)
EVENING = dt.datetime(2026, 3, 10, 22, 0, tzinfo=PARIS)


def _after_window(notification):
    return time_machine.travel(notification.due_at + dt.timedelta(seconds=1), tick=False)


def _tasks_for(notification):
    return DBTaskResult.objects.filter(
        task_path="filrouge.notifications.tasks.send_notification",
        args_kwargs__args=[notification.pk],
    )


@time_machine.travel(NOON, tick=False)
def test_three_changes_in_a_minute_make_one_notification_with_its_task_committed_with_them():
    case, agent = case_for(customer_with(email="lucie@exemple.fr"))
    with time_machine.travel(NOON + dt.timedelta(seconds=20), tick=False):
        three_changes(case, agent)
    (notification,) = Notification.objects.filter(case=case)
    kinds = [i.event.kind for i in notification.items.select_related("event")]
    # The case opened by the advisor at noon, then the three changes 20 s later.
    assert kinds == ["case_opened", "status_changed", "promise_made", "next_step"]
    assert (notification.channel, notification.state) == (Channel.EMAIL, "pending")
    assert notification.due_at == NOON + GROUPING_WINDOW
    (task,) = _tasks_for(notification)  # in the same transaction as the events
    assert task.run_after == notification.due_at


@time_machine.travel(NOON, tick=False)
def test_an_event_after_the_minute_opens_a_new_notification():
    case, agent = case_for(customer_with(email="lucie@exemple.fr"))
    with time_machine.travel(NOON + dt.timedelta(seconds=61), tick=False):
        change_status(case, to=Status.IN_PROGRESS, by=agent)
    first, second = Notification.objects.filter(case=case).order_by("pk")
    assert [first.items.count(), second.items.count()] == [1, 1]
    assert second.due_at == NOON + dt.timedelta(seconds=61) + GROUPING_WINDOW


@time_machine.travel(NOON, tick=False)
def test_a_notification_is_sent_once_even_if_its_task_runs_twice():
    case, agent = case_for(customer_with(email="lucie@exemple.fr"))
    three_changes(case, agent)
    notification = Notification.objects.get(case=case)
    assert send_notification(notification.pk) == "not_due"
    with _after_window(notification):
        assert send_notification(notification.pk) == "sent"
        assert send_notification(notification.pk) == "sent"  # already: nothing more
    (message,) = case.events.filter(kind=Event.Kind.MESSAGE_OUT)
    assert message.actor_label == "system"
    assert message.data["notification"] == notification.pk
    assert message.data["events"] == list(notification.items.values_list("event_id", flat=True))
    assert "Test de la ligne à distance" in message.data["body"]
    (outbound,) = OutboundMessage.objects.all()
    assert (outbound.event, outbound.recipient) == (message, "lucie@exemple.fr")
    assert outbound.subject.startswith(f"[{case.reference}] ")
    # The notice itself is not notified again.
    assert not NotificationItem.objects.filter(event=message).exists()


@time_machine.travel(NOON, tick=False)
def test_after_a_crash_the_sweep_sends_what_was_due_and_only_once():
    case, agent = case_for(customer_with(email="lucie@exemple.fr"))
    three_changes(case, agent)
    notification = Notification.objects.get(case=case)
    _tasks_for(notification).delete()  # the worker died: its task is gone
    with time_machine.travel(NOON + dt.timedelta(minutes=5), tick=False):
        assert sweep() == 1
        (task,) = _tasks_for(notification)
        assert send_notification(*task.args_kwargs["args"]) == "sent"
        assert sweep() == 0
    assert OutboundMessage.objects.count() == 1


@time_machine.travel(NOON, tick=False)
def test_a_customer_without_any_contact_point_is_not_told_and_it_is_recorded():
    case, _agent = case_for(customer_with())
    (notification,) = Notification.objects.filter(case=case)
    assert (notification.state, notification.reason) == ("skipped", "no_contact")
    assert not _tasks_for(notification).exists()


@time_machine.travel(NOON, tick=False)
def test_an_unidentified_sender_is_not_told():
    customer = customer_with(email="inconnu@exemple.fr")
    customer.is_prospect = True
    customer.save()
    case_for(customer)
    assert not Notification.objects.exists()


@time_machine.travel(NOON, tick=False)
def test_a_preferred_channel_that_cannot_notify_falls_back_to_email_then_sms():
    by_phone = customer_with(email="paul@exemple.fr", phone="+33612345678", preferred="phone")
    sms_only = customer_with(phone="+33698765432", preferred=Channel.WHATSAPP)
    case_for(by_phone)
    case_for(sms_only)
    assert Notification.objects.get(customer=by_phone).channel == Channel.EMAIL
    # No e-mail: WhatsApp is preferred and the mobile works for it.
    assert Notification.objects.get(customer=sms_only).channel == Channel.WHATSAPP
    other = customer_with(phone="+33611112222", preferred=Channel.SMS)
    opt_out("+33611112222")
    case_for(other)
    assert Notification.objects.get(customer=other).reason == "no_contact"


@time_machine.travel(NOON, tick=False)
def test_a_stop_received_before_sending_moves_the_notice_to_email():
    customer = customer_with(email="lucie@exemple.fr", phone="+33612345678", preferred="sms")
    case, agent = case_for(customer)
    notification = Notification.objects.get(case=case)
    assert notification.channel == Channel.SMS
    opt_out("+33612345678")
    with _after_window(notification):
        assert send_notification(notification.pk) == "sent"
    outbound = OutboundMessage.objects.get()
    assert (outbound.channel, outbound.recipient) == (Channel.EMAIL, "lucie@exemple.fr")


@time_machine.travel(NOON, tick=False)
def test_an_unsubscribed_customer_gets_essential_notices_only_without_unsubscribe_link():
    customer = customer_with(email="lucie@exemple.fr")
    unsubscribe(customer)
    case, agent = case_for(customer)
    case = change_status(case, to=Status.IN_PROGRESS, by=agent)
    assert set(Notification.objects.values_list("state", "reason")) == {("skipped", "unsubscribed")}
    with time_machine.travel(NOON + dt.timedelta(minutes=5), tick=False):
        change_status(case, to=Status.RESOLVED, by=agent)
        resolved = Notification.objects.get(state="pending")
        assert resolved.essential
    with _after_window(resolved):
        assert send_notification(resolved.pk) == "sent"
    body = OutboundMessage.objects.get().event.data["body"]
    assert "Résolu" in body
    assert "/notifications/desabonnement/" not in body


@time_machine.travel(NOON, tick=False)
def test_unsubscribing_after_the_news_was_gathered_stops_it_too():
    customer = customer_with(email="lucie@exemple.fr")
    case, _agent = case_for(customer)
    notification = Notification.objects.get(case=case)
    unsubscribe(customer)
    with _after_window(notification):
        assert send_notification(notification.pk) == "skipped"
    notification.refresh_from_db()
    assert notification.reason == "unsubscribed"
    assert not OutboundMessage.objects.exists()


@time_machine.travel(EVENING, tick=False)
def test_no_sms_at_night_news_of_the_night_wait_together_until_eight():
    customer = customer_with(phone="+33612345678", preferred=Channel.SMS)
    case, agent = case_for(customer)
    notification = Notification.objects.get(case=case)
    morning = dt.datetime(2026, 3, 11, 8, 0, tzinfo=PARIS)
    assert notification.due_at == morning
    with time_machine.travel(EVENING + dt.timedelta(hours=3), tick=False):
        change_status(case, to=Status.IN_PROGRESS, by=agent)  # 01:00: joins the same one
        assert send_notification(notification.pk) == "not_due"
    assert Notification.objects.filter(case=case).count() == 1
    with time_machine.travel(morning, tick=False):
        assert send_notification(notification.pk) == "sent"
    assert notification.items.count() == 2
    assert OutboundMessage.objects.get().channel == Channel.SMS


@time_machine.travel(EVENING, tick=False)
def test_a_late_run_during_quiet_hours_is_put_off_until_eight():
    customer = customer_with(phone="+33612345678", preferred=Channel.SMS)
    with time_machine.travel(EVENING - dt.timedelta(hours=2), tick=False):
        case, _agent = case_for(customer)  # due at 20:01, but the worker was down
    notification = Notification.objects.get(case=case)
    assert send_notification(notification.pk) == "deferred"
    notification.refresh_from_db()
    assert notification.due_at == dt.datetime(2026, 3, 11, 8, 0, tzinfo=PARIS)
    assert not OutboundMessage.objects.exists()


@time_machine.travel(EVENING, tick=False)
def test_an_incident_notice_goes_at_night_to_a_customer_who_subscribed_to_them():
    customer = customer_with(phone="+33612345678", preferred=Channel.SMS)
    case, agent = case_for(customer)  # the case opened tonight waits for the morning
    waiting = Notification.objects.get(case=case)
    set_incident_sms_at_night(customer, wanted=True)
    record_event(
        case,
        kind="incident_notice",
        visibility=Event.Visibility.PUBLIC,
        actor_label="system",
        data={"incident": 7},
    )
    waiting.refresh_from_db()
    assert waiting.due_at == EVENING + dt.timedelta(seconds=60)  # pulled in, not a second SMS
    assert waiting.essential
    with _after_window(waiting):
        assert send_notification(waiting.pk) == "sent"
    assert OutboundMessage.objects.get().channel == Channel.SMS


@time_machine.travel(EVENING, tick=False)
def test_an_incident_notice_waits_for_the_morning_without_the_subscription():
    customer = customer_with(phone="+33612345678", preferred=Channel.SMS)
    case, _agent = case_for(customer)
    record_event(case, kind="incident_notice", visibility=Event.Visibility.PUBLIC)
    (notification,) = Notification.objects.filter(case=case)
    assert notification.due_at == dt.datetime(2026, 3, 11, 8, 0, tzinfo=PARIS)


@time_machine.travel(NOON, tick=False)
def test_a_failure_to_write_the_notice_is_retried_later_then_given_up(monkeypatch):
    case, _agent = case_for(customer_with(email="lucie@exemple.fr"))
    notification = Notification.objects.get(case=case)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "queue_delivery", broken)
    with _after_window(notification):
        assert send_notification(notification.pk) == "retry"
    notification.refresh_from_db()
    assert (notification.state, notification.attempts) == ("pending", 1)
    assert notification.due_at == timezone.now() + dt.timedelta(minutes=2, seconds=1)
    assert "disk full" in notification.last_error
    assert not case.events.filter(kind=Event.Kind.MESSAGE_OUT).exists()  # rolled back
    for _attempt in range(services.MAX_ATTEMPTS - 1):
        with _after_window(notification):
            send_notification(notification.pk)
        notification.refresh_from_db()
    assert (notification.state, notification.reason) == ("skipped", "error")
