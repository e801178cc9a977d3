"""Each public update told once to every customer with an affected line."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from filrouge.cases.models import Event
from filrouge.cases.tests.factories import make_case
from filrouge.channels.models import OptOut, OutboundMessage
from filrouge.customers.models import Channel, Line
from filrouge.customers.tests.factories import (
    CustomerFactory,
    EmailFactory,
    LineFactory,
    PhoneFactory,
)
from filrouge.incidents import fanout
from filrouge.incidents.models import IncidentNotice, NoticeChunk
from filrouge.incidents.services import declare_incident, post_update
from filrouge.notifications.services import set_incident_sms_at_night, unsubscribe

pytestmark = pytest.mark.django_db
NOON = datetime(2026, 12, 5, 11, 0, tzinfo=UTC)  # 12:00 in Paris
NIGHT = datetime(2026, 12, 5, 22, 30, tzinfo=UTC)  # 23:30 in Paris


def _customer(element, *, email=True, phone=False, prefers=Channel.EMAIL, status="active"):
    customer = CustomerFactory(preferred_channel=prefers)
    LineFactory(customer=customer, network_element=element, status=status)
    if email:
        EmailFactory(customer=customer)
    if phone:
        PhoneFactory(customer=customer)
    return customer


def _run_all(update) -> None:
    """What the worker does with the tasks: plan, then each chunk."""
    fanout.plan_notices(update.pk)
    for chunk in NoticeChunk.objects.filter(update=update):
        fanout.send_chunk(chunk.pk)


def _declare(element):
    return declare_incident(title="Coupure fibre", elements=[element], text="Nous cherchons.")


@time_machine.travel(NOON, tick=False)
def test_every_affected_customer_is_told_once_whether_or_not_they_called(tree, monkeypatch):
    monkeypatch.setattr(fanout, "CHUNK", 2)  # several chunks for five customers
    pm, cable, other = tree[1], tree[2], tree[3]
    quiet = [_customer(cable) for _ in range(3)]
    caller = _customer(pm)
    case = make_case(customer=caller, line=caller.lines.get())
    _customer(cable, status=Line.Status.TERMINATED)
    _customer(other)
    incident = _declare(pm)
    update = incident.updates.get()

    _run_all(update)
    _run_all(update)  # the planning and every chunk again: nothing more
    for chunk in NoticeChunk.objects.filter(update=update):
        NoticeChunk.objects.filter(pk=chunk.pk).update(state="pending")
        fanout.send_chunk(chunk.pk)

    notices = IncidentNotice.objects.filter(update=update)
    assert {n.customer_id for n in notices} == {c.pk for c in [*quiet, caller]}
    assert {n.state for n in notices} == {"sent"}
    assert NoticeChunk.objects.filter(update=update).count() == 2
    messages = Event.objects.filter(kind=Event.Kind.MESSAGE_OUT, data__auto="incident_notice")
    assert messages.count() == 4
    assert OutboundMessage.objects.filter(event__in=messages).count() == 4
    on_case = messages.get(customer=caller)
    assert on_case.case_id == case.pk  # the advisor sees it on the linked case
    assert f"/suivi/{case.reference}/" in on_case.data["body"]
    alone = messages.filter(customer=quiet[0]).get()
    assert alone.case_id is None
    assert "Nous cherchons." in alone.data["body"]
    assert "/etat-du-reseau/" in alone.data["body"]


@time_machine.travel(NOON, tick=False)
def test_channel_consent_and_unsubscribed_customers_follow_the_notification_rules(tree):
    pm = tree[1]
    by_sms = _customer(pm, email=False, phone=True, prefers=Channel.SMS)
    stopped = _customer(pm, email=True, phone=True, prefers=Channel.SMS)
    OptOut.objects.create(
        channel=Channel.SMS,
        address=stopped.contact_points.get(kind="phone").value,
        opted_out_at=timezone.now(),
        keyword="STOP",
    )
    unreachable = _customer(pm, email=False)
    unsubscribed = _customer(pm)
    unsubscribe(unsubscribed)
    incident = _declare(pm)

    _run_all(incident.updates.get())

    sent = {n.customer_id: n for n in IncidentNotice.objects.all()}
    assert sent[by_sms.pk].channel == Channel.SMS
    assert sent[stopped.pk].channel == Channel.EMAIL  # STOP on SMS: e-mail instead
    assert (sent[unreachable.pk].state, sent[unreachable.pk].reason) == ("skipped", "no_contact")
    assert sent[unsubscribed.pk].state == "sent"  # an incident notice is essential
    sms = OutboundMessage.objects.get(channel=Channel.SMS)
    assert sms.event.data["body"].isascii() or "é" in sms.event.data["body"]


def test_no_sms_at_night_unless_the_customer_asked_for_incident_notices_at_any_hour(tree):
    pm = tree[1]
    sleeper = _customer(pm, email=False, phone=True, prefers=Channel.SMS)
    owl = _customer(pm, email=False, phone=True, prefers=Channel.SMS)
    set_incident_sms_at_night(owl, wanted=True)
    with time_machine.travel(NIGHT, tick=False):
        incident = _declare(pm)
        update = incident.updates.get()
        _run_all(update)
        notices = {n.customer_id: n for n in IncidentNotice.objects.all()}
        assert notices[owl.pk].state == "sent"
        assert notices[sleeper.pk].state == "pending"
        assert timezone.localtime(notices[sleeper.pk].due_at).hour == 8
        assert NoticeChunk.objects.get().state == "pending"
    with time_machine.travel(NIGHT + timedelta(hours=9, minutes=31), tick=False):
        fanout.send_chunk(NoticeChunk.objects.get().pk)
    assert IncidentNotice.objects.get(customer=sleeper).state == "sent"
    assert NoticeChunk.objects.get().state == "done"


@time_machine.travel(NOON, tick=False)
def test_the_sweep_plans_lost_updates_and_requeues_stalled_chunks(tree):
    from django_tasks_db.models import DBTaskResult

    pm = tree[1]
    _customer(pm)
    incident = _declare(pm)
    update = incident.updates.get()
    DBTaskResult.objects.all().delete()  # the planning task was lost with its worker

    assert fanout.sweep() == (0, 0)  # too early: its task may still come
    with time_machine.travel(NOON + fanout.STALL + timedelta(seconds=1), tick=False):
        assert fanout.sweep() == (1, 0)
        fanout.plan_notices(update.pk)
    DBTaskResult.objects.all().delete()  # and the chunk's task too
    with time_machine.travel(NOON + 2 * fanout.STALL + timedelta(seconds=2), tick=False):
        assert fanout.sweep() == (0, 1)
    names = list(DBTaskResult.objects.values_list("task_path", flat=True))
    assert names == ["filrouge.incidents.tasks.send_chunk"]


@time_machine.travel(NOON, tick=False)
def test_the_notice_reaches_a_real_smtp_server(tree, mail_sink):
    pm = tree[1]
    customer = _customer(pm)
    address = customer.contact_points.get(kind="email").value
    incident = _declare(pm)
    post_update(
        incident,
        text="La fibre est réparée demain.",
        status="identified",
        eta=timezone.now() + timedelta(days=1),
    )
    update = incident.updates.order_by("-pk").first()
    fanout.plan_notices(update.pk)
    chunk = NoticeChunk.objects.get(update=update)
    fanout.send_chunk(chunk.pk)
    ids = list(
        OutboundMessage.objects.filter(event__data__update=update.pk).values_list("pk", flat=True)
    )

    assert fanout.deliver_notices(ids) == 1

    (mail,) = mail_sink.messages()
    assert mail["To"] == address
    assert mail["Subject"] == "Incident réseau sur votre ligne : Coupure fibre"
    text = mail.get_content()
    assert "La fibre est réparée demain." in text
    assert "/etat-du-reseau/" in text
