"""The set-based filing (`channels.batch`) files a batch exactly as `process_inbound` files
each of its messages, one after the other."""

import json
import os
import re
from contextlib import closing
from datetime import timedelta

import psycopg
import pytest
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from filrouge.cases import hooks as case_hooks
from filrouge.cases.models import Case, Event, Intent, Status
from filrouge.cases.services import REFERENCE_LOCK, change_status
from filrouge.cases.tests.factories import make_case
from filrouge.cases.tokens import make_tracking_token
from filrouge.channels import filing
from filrouge.channels.batch import process_batch
from filrouge.channels.identity import create_prospect
from filrouge.channels.message import Sender
from filrouge.channels.models import InboundMessage, OutboundMessage
from filrouge.channels.services import process_inbound, store_inbound
from filrouge.channels.tests.builders import raw_mail
from filrouge.channels.tests.test_kill import (
    _backlog,
    _claims,
    _running,
    _wait_for,
    own_database,
    query,
)
from filrouge.core import serving, worker
from filrouge.customers.models import Channel, ContactPoint, Customer
from filrouge.customers.tests.factories import (
    CustomerFactory,
    EmailFactory,
    LineFactory,
    PhoneFactory,
)

pytestmark = pytest.mark.django_db
TOKEN = re.compile(r"t=[0-9a-f]{32}")
IDS_IN_DATA = {"customer", "case", "account", "case_reference", "inbound"}


def _mail(n: int, sender: str, subject: str, body: str, **headers) -> int:
    raw = raw_mail(
        sender=sender, subject=subject, body=body, message_id=f"<m{n}@exemple.fr>", **headers
    )
    inbound, _new = store_inbound(
        channel=Channel.EMAIL, external_id=f"m{n}@exemple.fr", payload=raw
    )
    return inbound.pk


def _sms(n: int, phone: str, text: str, *, part: tuple[int, int] | None = None) -> int:
    params = {
        "msisdn": phone.lstrip("+"),
        "to": "33644630000",
        "messageId": f"0A{n:014d}",
        "text": text,
        "type": "unicode",
        "message-timestamp": "2026-03-02 08:15:03",
    }
    group = ""
    if part is not None:
        params |= {"concat": "true", "concat-ref": "17", "concat-part": str(part[0])}
        params["concat-total"] = str(part[1])
        group = f"{params['msisdn']}:17:{part[1]}"
    payload = json.dumps(params).encode()
    inbound, _new = store_inbound(
        channel=Channel.SMS, external_id=params["messageId"], payload=payload, group=group
    )
    return inbound.pk


def _customer(email: str = "", phone: str = "") -> Customer:
    customer = CustomerFactory(first_name=(email or phone).split("@")[0], last_name="Client")
    if email:
        EmailFactory(customer=customer, value=email)
    if phone:
        PhoneFactory(customer=customer, value=phone)
    return customer


def _ours(case: Case, external_id: str) -> None:
    """One of our messages on `case`, that a customer's mail can reply to."""
    OutboundMessage.objects.create(
        event=case.events.first(),
        case=case,
        channel=Channel.EMAIL,
        recipient="someone@exemple.fr",
        external_id=external_id,
        created_at=timezone.now(),
    )


def _world() -> list[int]:
    """Customers and cases for every threading rule, and the stored messages, in order."""
    anne = _customer("anne@exemple.fr")
    outage = make_case(customer=anne, subject="Plus d'internet", intent=Intent.OUTAGE)
    _ours(outage, "ours-1@filrouge.example")
    bruno = _customer("bruno@exemple.fr")
    make_case(customer=bruno, subject="Facture de mars", intent=Intent.BILLING)
    chloe = _customer(phone="+33622222222")
    make_case(customer=chloe, subject="Question", intent=Intent.OTHER)
    denis = _customer("denis@exemple.fr")
    closed = make_case(customer=denis, subject="Ancien dossier")
    for status in (Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED):
        change_status(closed, to=status, by=None)
    resolved = make_case(customer=denis, subject="Résolu", intent=Intent.DELIVERY)
    for status in (Status.IN_PROGRESS, Status.RESOLVED):
        change_status(resolved, to=status, by=None)
    _ours(resolved, "ours-2@filrouge.example")
    emma = _customer("emma@exemple.fr")
    tracked = make_case(customer=emma, subject="Suivi", intent=Intent.MOVE)
    _customer("fabrice@exemple.fr")
    _customer("gaelle@exemple.fr")
    prospect = create_prospect(Sender(email="prospect@exemple.fr", name="Zoé"))
    make_case(customer=prospect, subject="Premier message", channel=Channel.EMAIL)
    LineFactory(customer=_customer("henri@exemple.fr"), number="FTTH00000042")
    link = f"https://filrouge.example/suivi/{tracked.reference}/?t={make_tracking_token(tracked)}"
    done_before = _mail(0, "fabrice@exemple.fr", "Déjà traité", "Un message déjà classé.")
    process_inbound(done_before)
    return [
        _mail(
            1,
            "autre@exemple.fr",
            "Re: votre dossier",
            "Merci.",
            In_Reply_To="<ours-1@filrouge.example>",
        ),
        _sms(2, "+33622222222", "Des nouvelles de mon dossier ?"),
        _mail(3, "bruno@exemple.fr", "Facture", "Ma facture est trop élevée."),
        _mail(4, "fabrice@exemple.fr", "Colis", "Mon colis n'est pas arrivé."),
        _mail(5, "Zoé <inconnue@exemple.fr>", "Bonjour", "Je voudrais une offre."),
        _sms(6, "+33633333333", "Bonjour, ma box ne s'allume plus", part=(1, 2)),
        _mail(7, "emma@exemple.fr", "Mon déménagement", f"Voir {link}"),
        InboundMessage.objects.create(
            channel=Channel.SMS, external_id="bad", payload=b"{not json", received_at=timezone.now()
        ).pk,
        _mail(8, "denis@exemple.fr", f"Rappel {closed.reference}", "Encore ce souci."),
        _mail(9, "gaelle@exemple.fr", f"Dossier {outage.reference}", "Où en est ce dossier ?"),
        _mail(10, "Zoé <prospect@exemple.fr>", "Encore moi", "Toujours rien reçu."),
        _sms(11, "+33633333333", "depuis ce matin.", part=(2, 2)),
        _mail(12, "bruno@exemple.fr", "Facture encore", "Le prélèvement est faux."),
        _mail(
            13,
            "denis@exemple.fr",
            "Re: livraison",
            "Le colis est revenu.",
            In_Reply_To="<ours-2@filrouge.example>",
        ),
        _mail(14, "Jean <jean@exemple.fr>", "Ligne", "Ma ligne FTTH00000042 est coupée."),
        done_before,
    ]


REFERENCE = re.compile(r"FR-\d{4}-\d{6}")


def _masked(text: str) -> str:
    """PostgreSQL's reference sequence is not rolled back: both runs number differently."""
    return REFERENCE.sub("FR-…", text)


def _label(customer: Customer) -> str:
    points = ContactPoint.objects.filter(customer=customer).order_by("value")
    return ",".join(points.values_list("value", flat=True))


def _data(event: Event) -> str:
    if event.kind == Event.Kind.TRIAGED:
        # A reading of the text, whose case references (and so the figures) follow the order.
        return "reading"
    data = {k: v for k, v in event.data.items() if k not in IDS_IN_DATA}
    return _masked(TOKEN.sub("t=…", json.dumps(data, sort_keys=True)))  # tokens: per run


def _snapshot() -> dict:
    """Everything filing wrote, without the ids and references that depend on the order."""
    rows = []
    for inbound in InboundMessage.objects.order_by("external_id"):
        case = inbound.case
        rows.append(
            (
                inbound.external_id,
                inbound.state,
                inbound.reason,
                inbound.route,
                inbound.sender,
                inbound.attempts,
                _label(inbound.customer) if inbound.customer else "",
                (_masked(case.subject), case.status, case.intent, _label(case.customer))
                if case
                else None,
                (inbound.event.kind, _data(inbound.event)) if inbound.event else None,
            )
        )
    events = sorted(
        (
            _masked(e.case.subject) if e.case else "",
            _label(e.customer),
            e.kind,
            e.actor_label,
            e.visibility,
            e.channel,
            _data(e),
        )
        for e in Event.objects.select_related("case", "customer")
    )
    cases = sorted(
        (_masked(c.subject), c.status, c.intent, c.version, _label(c.customer))
        for c in Case.objects.all()
    )
    return {
        "inbound": rows,
        "events": events,
        "cases": cases,
        "customers": Customer.objects.count(),
    }


def _one_by_one(ids: list[int]) -> None:
    for pk in ids:
        process_inbound(pk)


def _batch(ids: list[int]) -> dict[int, str]:
    outcome = process_batch(ids)
    _one_by_one(outcome.left)
    return outcome.states


def test_a_batch_files_every_message_as_the_one_by_one_path_does():
    with transaction.atomic():
        _one_by_one(_world())
        expected = _snapshot()
        transaction.set_rollback(True)
    ids = _world()
    states = _batch([*ids, ids[2]])  # a task delivered twice
    got = _snapshot()
    assert got["inbound"] == expected["inbound"]
    assert got["events"] == expected["events"]
    assert got["cases"] == expected["cases"]
    assert got["customers"] == expected["customers"]
    # The common messages went through the batch; the unusual ones were left to the one by one.
    routes = dict(InboundMessage.objects.filter(pk__in=states).values_list("external_id", "route"))
    assert set(routes.values()) >= {
        "reply",
        "followup",
        "same_topic",
        "new_case",
        "tracking_token",
        "after_closed",
        "unverified_reference",
    }
    left = set(InboundMessage.objects.exclude(pk__in=states).values_list("external_id", flat=True))
    assert left == {
        "0A00000000000006",  # the parts of a long SMS
        "0A00000000000011",
        "m13@exemple.fr",  # reopens Denis's resolved case
    }
    assert states[InboundMessage.objects.get(external_id="bad").pk] == "failed"
    # A line number from an unknown sender: filed by the batch, the possible match recorded
    # and the sender asked who they are, as the one by one does (the snapshots above).
    jean = InboundMessage.objects.get(external_id="m14@exemple.fr")
    assert states[jean.pk] == "processed"
    assert jean.case.events.filter(kind=Event.Kind.POSSIBLE_MATCH).count() == 1
    assert jean.case.events.filter(kind=Event.Kind.MESSAGE_OUT).count() == 1
    # Bruno's second message went through a second pass of the batch, after his first one.
    assert states[InboundMessage.objects.get(external_id="m12@exemple.fr").pk] == "processed"


def test_a_customer_s_messages_in_one_batch_are_filed_in_order_by_successive_passes():
    chloe = _customer("chloe@exemple.fr")
    ids = [
        _mail(1, "chloe@exemple.fr", "Panne", "Plus d'internet depuis ce matin."),
        _mail(2, "autre@exemple.fr", "Facture", "Ma facture est fausse."),
        _mail(3, "chloe@exemple.fr", "Panne", "Toujours pas d'internet, la box clignote."),
        _mail(4, "chloe@exemple.fr", "Panne", "Et le téléphone fixe ne marche plus non plus."),
    ]
    outcome = process_batch(ids)
    assert outcome.left == []
    assert set(outcome.states.values()) == {"processed"}
    rows = {r.pk: r for r in InboundMessage.objects.filter(pk__in=ids)}
    # One case for Chloé: the first message opened it, the next two were threaded onto it.
    assert rows[ids[0]].case_id == rows[ids[2]].case_id == rows[ids[3]].case_id
    assert [rows[pk].route for pk in (ids[0], ids[2], ids[3])] == [
        "new_case",
        "followup",  # "toujours pas": it saw the case the first message opened
        "same_topic",
    ]
    case = Case.objects.get(pk=rows[ids[0]].case_id)
    assert case.customer == chloe
    bodies = list(
        case.events.filter(kind=Event.Kind.MESSAGE_IN).order_by("pk").values_list("data", flat=True)
    )
    assert [b["body"].split(",")[0] for b in bodies] == [
        "Plus d'internet depuis ce matin.",
        "Toujours pas d'internet",
        "Et le téléphone fixe ne marche plus non plus.",
    ]


def test_the_hooks_are_called_once_for_the_whole_batch():
    calls, opened = [], []
    filing.register(calls.append)
    case_hooks.on_case_opened(opened.append)
    try:
        ids = [
            _mail(n, f"client{n}@exemple.fr", "Facture", "Ma facture est fausse.") for n in range(5)
        ]
        for n in range(3):
            _customer(f"connu{n}@exemple.fr")
        ids += [
            _mail(10 + n, f"connu{n}@exemple.fr", "Panne", "Plus d'internet.") for n in range(3)
        ]
        states = process_batch(ids).states
    finally:
        filing._hooks.remove(calls.append)
        case_hooks._on_opened.remove(opened.append)
    assert set(states.values()) == {"processed"}
    assert len(calls) == 1
    assert [item.inbound.pk for item in calls[0]] == ids
    assert all(item.new_case and item.event.kind == Event.Kind.MESSAGE_IN for item in calls[0])
    assert len(opened) == 1
    assert {case.pk for case in opened[0]} == {item.case.pk for item in calls[0]}


def test_a_batch_that_fails_writes_nothing(monkeypatch):
    ids = [_mail(n, f"client{n}@exemple.fr", "Facture", "Ma facture est fausse.") for n in range(3)]

    def broken(items):
        raise RuntimeError("a hook failed")

    filing.register(broken)
    try:
        with pytest.raises(RuntimeError):
            process_batch(ids)
    finally:
        filing._hooks.remove(broken)
    assert not Case.objects.exists()
    assert set(InboundMessage.objects.values_list("state", "attempts")) == {("received", 0)}


STORE = """
import json
from filrouge.channels.services import store_inbound
for n in range({count}):
    phone = f"3375{{n % {senders}:07d}}"
    params = {{"msisdn": phone, "to": "33644630000", "messageId": f"0B{{n:014d}}",
              "text": "Ma facture est fausse" if n % 2 else "Plus d'internet", "type": "unicode"}}
    payload = json.dumps(params).encode()
    store_inbound(channel="sms", external_id=params["messageId"], payload=payload)
"""


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="PostgreSQL row locks"
)
def test_a_worker_killed_in_the_middle_of_a_batch_files_nothing_twice_and_loses_nothing(tmp_path):
    """The worker is frozen inside its batch (the year's reference sequence is dropped and
    the lock under which it is created again is held by the test, so the batch waits
    there after it locked its rows and wrote prospects and events), killed, then the
    lock is released and a new worker takes the tasks back."""
    with own_database(tmp_path) as settings:
        env = serving.environ(database_url=serving.database_url(settings))
        serving.manage("migrate", "--noinput", "-v0", env=env)
        serving.manage("shell", "-c", STORE.format(count=300, senders=200), env=env)
        log = tmp_path / "children.log"
        with closing(psycopg.connect(serving.database_url(settings))) as holder:
            holder.execute(f"DROP SEQUENCE IF EXISTS cases_reference_{timezone.now().year}")
            holder.commit()
            holder.execute("SELECT pg_advisory_xact_lock(%s)", [REFERENCE_LOCK])
            worker = serving.worker(env=env, log=log, claim=100).start()
            try:
                _wait_for(lambda: _waiting_on_a_lock(settings), "the batch to wait on the lock")
                running = _running(settings)
                worker.kill()
            finally:
                worker.stop()
            holder.rollback()
        assert running == 100  # the batch held its 100 tasks when it died
        assert query(settings, "SELECT count(*) FROM cases_case")[0][0] == 0
        worker = serving.worker(env=env, log=log, claim=100, extra=["--reclaim-every", "1"])
        worker.start()
        try:
            _wait_for(lambda: _backlog(settings) == 0, "the backlog to drain", timeout=90)
        finally:
            worker.stop()
        rows = query(settings, "SELECT state, event_id FROM channels_inboundmessage")
        assert len(rows) == 300
        assert {state for state, _event in rows} == {"processed"}
        assert len({event for _state, event in rows} - {None}) == 300
        events = query(settings, "SELECT count(*) FROM cases_event WHERE kind = 'message_in'")
        assert events[0][0] == 300
        prospects = query(settings, "SELECT count(*) FROM customers_customer")
        assert prospects[0][0] == 200  # one file per sender, none twice
        tasks = query(settings, "SELECT status, worker_ids FROM django_tasks_database_dbtaskresult")
        assert {status for status, _ids in tasks} == {"SUCCESSFUL"}
        assert sum(_claims(ids) > 1 for _status, ids in tasks) >= 100


def _batch_worker() -> worker.BatchWorker:
    return worker.BatchWorker(
        claim=100,
        lease=timedelta(minutes=15),
        reclaim_every=30,
        queue_names=["default"],
        interval=0.01,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker.new_worker_id(),
        excluded_queue_names=[],
    )


def _waiting_on_a_lock(settings: dict) -> bool:
    waiting = query(
        settings,
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND wait_event_type = 'Lock'",
    )
    return waiting[0][0] > 0


@pytest.mark.django_db(transaction=True)
def test_the_worker_files_a_batch_and_one_bad_message_does_not_block_the_others():
    """A hook fails on one message: the batch rolls back and the worker files the batch
    one by one; that message fails alone (recorded, its task done), the others land."""

    def fragile(items):
        if any("BOUM" in item.text for item in items):
            raise RuntimeError("the hook failed on this message")

    texts = ["Ma facture est fausse.", "Plus d'internet.", "BOUM", "Mon colis.", "Ma box."]
    ids = [_mail(n, f"client{n}@exemple.fr", "Bonjour", text) for n, text in enumerate(texts)]
    filing.register(fragile)
    try:
        _batch_worker().run()
    finally:
        filing._hooks.remove(fragile)
    states = dict(InboundMessage.objects.values_list("pk", "state"))
    assert [states[pk] for pk in ids] == [
        "processed",
        "processed",
        "failed",
        "processed",
        "processed",
    ]
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}


class _Lost(Exception):
    """What psycopg raises, as far as the worker reads it: the SQLSTATE."""

    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


@pytest.mark.parametrize(
    ("error", "sqlstate"),
    [
        (OperationalError, "40P01"),  # deadlock detected
        (IntegrityError, "23505"),  # another worker just created the same sender's file
    ],
)
@pytest.mark.django_db(transaction=True)
def test_a_batch_that_lost_to_another_worker_is_run_again_as_a_batch(error, sqlstate):
    """PostgreSQL rolled the batch back for another worker's transaction: nothing of it
    was written, and the worker runs the same batch again rather than one by one."""
    calls = []

    def loses_once(items):
        calls.append(len(items))
        if len(calls) == 1:
            raise error("lost to another transaction") from _Lost(sqlstate)

    for n in range(4):
        _mail(n, f"client{n}@exemple.fr", "Bonjour", "Plus d'internet.")
    filing.register(loses_once)
    try:
        _batch_worker().run()
    finally:
        filing._hooks.remove(loses_once)
    assert calls == [4, 4]  # the whole batch twice, never one message at a time
    assert set(InboundMessage.objects.values_list("state", flat=True)) == {"processed"}
    assert Case.objects.count() == 4
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}


def test_the_worker_files_claimed_messages_as_one_set(django_assert_max_num_queries):
    """Twenty messages (five customers, fifteen unknown senders): 17 queries on SQLite,
    savepoints included, plus the hooks' few (the detector's, the incidents'), where filing
    them one by one takes about twenty each."""
    for n in range(5):
        _customer(f"connu{n}@exemple.fr")
    ids = [
        _mail(n, f"connu{n % 5}@exemple.fr" if n < 5 else f"x{n}@exemple.fr", "Colis", "Mon colis.")
        for n in range(20)
    ]
    with django_assert_max_num_queries(30):
        states = process_batch(ids).states
    assert len(states) == 20
    assert Case.objects.count() == 20
