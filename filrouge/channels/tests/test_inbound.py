"""Inbound durability: stored once, filed once, bad input never half-written."""

from datetime import timedelta
from pathlib import Path

import pytest
from django_tasks_db.models import DBTaskResult

from filrouge.cases.models import Case, Event, Status
from filrouge.cases.services import change_status
from filrouge.cases.tests.factories import make_case
from filrouge.channels import services
from filrouge.channels.models import InboundMessage, OutboundMessage
from filrouge.channels.services import InboundRejected, process_inbound, store_inbound
from filrouge.channels.tests.builders import processing_tasks, raw_mail
from filrouge.customers.models import Channel, Customer
from filrouge.customers.tests.factories import EmailFactory

pytestmark = pytest.mark.django_db
SAMPLES = Path(__file__).parents[1] / "email" / "tests" / "samples"


def _store(raw, external_id="m1@exemple.fr"):
    inbound, _created = store_inbound(channel=Channel.EMAIL, external_id=external_id, payload=raw)
    return inbound


def test_the_same_delivery_twice_is_one_message_processed_once():
    raw = raw_mail(message_id="<m1@exemple.fr>")
    first, created = store_inbound(channel="email", external_id="m1@exemple.fr", payload=raw)
    again, created_again = store_inbound(channel="email", external_id="m1@exemple.fr", payload=raw)
    assert (created, created_again) == (True, False)
    assert first.pk == again.pk
    assert processing_tasks() == [first.pk]  # one processing task, written with the message
    assert InboundMessage.objects.count() == 1


def test_an_unknown_senders_mail_opens_a_case_for_a_prospect():
    inbound = _store(raw_mail(subject="Plus de fibre depuis lundi", body="Rien ne marche."))
    assert process_inbound(inbound.pk) == InboundMessage.State.PROCESSED
    inbound.refresh_from_db()
    case = inbound.case
    assert case.customer.is_prospect
    assert (case.subject, case.channel, inbound.route) == (
        "Plus de fibre depuis lundi",
        Channel.EMAIL,
        "new_case",
    )
    assert inbound.event.data["body"] == "Rien ne marche."
    assert inbound.event.kind == Event.Kind.MESSAGE_IN


def test_processing_again_changes_nothing():
    inbound = _store(raw_mail())
    process_inbound(inbound.pk)
    process_inbound(inbound.pk)
    assert Case.objects.count() == 1
    assert Event.objects.filter(kind=Event.Kind.MESSAGE_IN).count() == 1


def test_a_known_customers_reply_lands_on_the_case_and_reopens_it():
    customer = EmailFactory(value="anne@exemple.fr").customer
    case = make_case(customer=customer)
    for status in (Status.IN_PROGRESS, Status.RESOLVED):
        case = change_status(case, to=status, by=None)
    inbound = _store(raw_mail(subject=f"Re: [{case.reference}] suite", body="Ça recommence."))
    process_inbound(inbound.pk)
    inbound.refresh_from_db()
    case.refresh_from_db()
    assert (inbound.case, inbound.route, case.status) == (case, "reference", Status.IN_PROGRESS)
    assert case.events.filter(kind=Event.Kind.MESSAGE_IN).get().data["body"] == "Ça recommence."


def test_an_auto_reply_is_ignored_and_makes_no_case():
    inbound = _store(raw_mail(subject="Absence du bureau", body="Je suis absente."))
    assert process_inbound(inbound.pk) == InboundMessage.State.IGNORED
    inbound.refresh_from_db()
    assert inbound.reason == "auto_reply"
    assert not Case.objects.exists()
    assert not Customer.objects.exists()


def test_a_bounce_is_ignored_and_marks_our_message_bounced():
    case = make_case(customer=EmailFactory(value="anne@exemple.fr").customer)
    outbound = OutboundMessage.objects.create(
        event=case.events.first(),
        case=case,
        channel="email",
        recipient="anne@exemple.fr",
        external_id="reply-from-us-0001@filrouge.example",  # quoted by the recorded bounce
        created_at=case.created_at,
    )
    inbound = _store((SAMPLES / "bounce.eml").read_bytes())
    process_inbound(inbound.pk)
    inbound.refresh_from_db()
    outbound.refresh_from_db()
    assert (inbound.state, inbound.reason) == (InboundMessage.State.IGNORED, "bounce")
    assert outbound.state == OutboundMessage.State.BOUNCED
    assert Case.objects.count() == 1


def test_unparsable_bytes_fail_with_a_reason_and_write_nothing_else():
    inbound = _store(b"\x00\xff\xfe garbage without any header", external_id="g1")
    assert process_inbound(inbound.pk) == InboundMessage.State.FAILED
    inbound.refresh_from_db()
    assert inbound.reason == "unparsable"
    assert "From" in inbound.last_error
    assert not Customer.objects.exists()
    assert not Case.objects.exists()


def test_a_crash_while_filing_leaves_no_partial_write(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(services, "open_case", broken)
    inbound = _store(raw_mail(sender="nouveau@exemple.fr"))
    assert process_inbound(inbound.pk) == InboundMessage.State.FAILED
    inbound.refresh_from_db()
    assert (inbound.reason, inbound.attempts) == ("error", 1)
    assert "database on fire" in inbound.last_error
    assert not Customer.objects.exists()  # the prospect was rolled back with the rest
    monkeypatch.undo()
    assert process_inbound(inbound.pk) == InboundMessage.State.PROCESSED


def test_an_empty_or_oversized_payload_is_refused_before_anything_is_stored(monkeypatch):
    with pytest.raises(InboundRejected):
        store_inbound(channel="email", external_id="e", payload=b"")
    monkeypatch.setattr(services, "MAX_INBOUND_BYTES", 100)
    with pytest.raises(InboundRejected):
        store_inbound(channel="email", external_id="big", payload=b"x" * 101)
    assert not InboundMessage.objects.exists()


def test_the_sweep_reenqueues_messages_stored_but_never_processed(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    inbound = _store(raw_mail())  # the on_commit enqueue never ran: the test is one transaction
    assert services.sweep(at=inbound.received_at + timedelta(minutes=5)) == 1
    inbound.refresh_from_db()
    assert inbound.state == InboundMessage.State.PROCESSED


def test_the_sweep_leaves_a_message_whose_task_still_waits_in_the_queue():
    """A backlog is not an orphan: re-enqueuing it would only queue the same work twice."""
    inbound = _store(raw_mail())
    assert services.sweep(at=inbound.received_at + timedelta(minutes=5)) == 0
    assert processing_tasks() == [inbound.pk]


def test_the_sweep_reenqueues_a_message_whose_task_failed_outside_the_filing():
    inbound = _store(raw_mail())
    DBTaskResult.objects.filter(status="READY").update(status="FAILED")  # e.g. connection lost
    assert services.sweep(at=inbound.received_at + timedelta(minutes=5)) == 1
    assert processing_tasks() == [inbound.pk]
