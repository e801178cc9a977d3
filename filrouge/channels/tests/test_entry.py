"""The lean webhook entry (`channels/entry.py`) and the group commit (`channels/intake.py`).

The entry must accept exactly what the views accept, store exactly what they store,
and leave every refusal to them; a 2xx only after the commit. Each request below is
sent to plain Django and to `HookEntry(Django)`, on a clean table each time, and the
answers and the rows stored are compared. The group commit runs on PostgreSQL (its
own thread and connection: `transactional_db`); on SQLite the entry stores through
`services.store_inbound` in the request, as the views do.
"""

import io
import json
import sys
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlencode

import psycopg
import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django_tasks_db.models import DBTaskResult

from filrouge.channels import intake, tasks
from filrouge.channels.entry import HookEntry
from filrouge.channels.models import InboundMessage
from filrouge.channels.phone import signature as phone_signature
from filrouge.channels.services import inbound_row, store_inbound
from filrouge.channels.sms import signature as sms_signature
from filrouge.channels.whatsapp.parse import sign as whatsapp_sign
from filrouge.channels.x.parse import sign as x_sign
from filrouge.core import serving
from filrouge.customers.models import Channel

pytestmark = pytest.mark.django_db(transaction=True)
CHANNELS = Path(__file__).parents[1]
SMS_SECRET, WHATSAPP_SECRET, X_SECRET, PHONE_SECRET = "sms-s", "wa-s", "x-s", "phone-s"
DEEP = b"[" * 100_000 + b"]" * 100_000  # under 1 MB, too deep for Python's JSON parser
needs_postgresql = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="the group commit runs on PostgreSQL only"
)


@pytest.fixture(autouse=True)
def _secrets(settings):
    settings.SMS_VONAGE_SIGNATURE_SECRET = SMS_SECRET
    settings.SMS_VONAGE_SIGNATURE_METHOD = "sha256"
    settings.WHATSAPP_APP_SECRET = WHATSAPP_SECRET
    settings.X_CONSUMER_SECRET = X_SECRET
    settings.PHONE_WEBHOOK_SECRET = PHONE_SECRET
    settings.PHONE_SIGNATURE_TOLERANCE = 300


@pytest.fixture
def committer():
    """The group commit on PostgreSQL (stopped after the test, its connection closed)."""
    if connection.vendor != "postgresql":
        yield None
        return
    each = intake.Committer()
    yield each
    each.stop()


@dataclass
class Spy:
    """Django's WSGI application, recording which requests reached it."""

    app: WSGIHandler = field(default_factory=WSGIHandler)
    paths: list[str] = field(default_factory=list)

    def __call__(self, environ, start_response):
        self.paths.append(environ["PATH_INFO"])
        return self.app(environ, start_response)


@dataclass(frozen=True)
class Request:
    path: str
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    method: str = "POST"
    query: str = ""
    host: str = "127.0.0.1"


def call(app, request: Request) -> tuple[int, str, bytes]:
    """(status, content type, body) of `app` for `request`, through WSGI as gunicorn calls it."""
    environ = {
        "REQUEST_METHOD": request.method,
        "PATH_INFO": request.path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": request.query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": request.host,
        "CONTENT_LENGTH": str(len(request.body)),
        "wsgi.input": io.BytesIO(request.body),
        "wsgi.errors": sys.stderr,
        "wsgi.url_scheme": "http",
        "wsgi.version": (1, 0),
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for name, value in request.headers:
        key = name.upper().replace("-", "_")
        environ[key if key == "CONTENT_TYPE" else f"HTTP_{key}"] = value
    answer: dict = {}

    def start_response(status, headers, exc_info=None):
        answer.update(status=int(status.split()[0]), headers=dict(headers))

    chunks = app(environ, start_response)
    try:
        body = b"".join(chunks)
    finally:
        if hasattr(chunks, "close"):
            chunks.close()
    return answer["status"], answer["headers"].get("Content-Type", ""), body


def stored() -> list[tuple]:
    """Each message stored with the arguments of its waiting processing tasks."""
    waiting: dict[int, int] = {}
    for task in DBTaskResult.objects.filter(task_path=tasks.process_inbound.module_path):
        pk = task.args_kwargs["args"][0]
        waiting[pk] = waiting.get(pk, 0) + 1
    return [
        (m.channel, m.external_id, bytes(m.payload), m.group, m.state, waiting.get(m.pk, 0))
        for m in InboundMessage.objects.order_by("channel", "external_id")
    ]


def clear() -> None:
    DBTaskResult.objects.all().delete()
    InboundMessage.objects.all().delete()


# Requests in each provider's format (the recorded samples of each channel's tests).


def sms(name="inbound.json", *, form=False, sign=True, **change) -> Request:
    params = {**json.loads((CHANNELS / "sms/tests/samples" / name).read_text()), **change}
    if sign:
        params = sms_signature.sign(params, secret=SMS_SECRET, method="sha256")
    if form:
        body, kind = urlencode(params).encode(), "application/x-www-form-urlencoded"
    else:
        body, kind = json.dumps(params).encode(), "application/json"
    return Request("/hooks/sms/", body, (("Content-Type", kind),))


def sms_by_get() -> Request:
    params = json.loads((CHANNELS / "sms/tests/samples/inbound.json").read_text())
    signed = sms_signature.sign(params, secret=SMS_SECRET, method="sha256")
    return Request("/hooks/sms/", method="GET", query=urlencode(signed))


def signed_sms_body(body: bytes) -> Request:
    return Request("/hooks/sms/", body, (("Content-Type", "application/json"),))


def whatsapp(body: bytes | str = "text.json", *, signature: str | None = None) -> Request:
    raw = (
        body
        if isinstance(body, bytes)
        else (CHANNELS / "whatsapp/tests/samples" / body).read_bytes()
    )
    given = whatsapp_sign(raw, secret=WHATSAPP_SECRET) if signature is None else signature
    headers = (("Content-Type", "application/json"),)
    headers += (("X-Hub-Signature-256", given),) if given else ()
    return Request("/hooks/whatsapp/", raw, headers)


def two_whatsapp_messages() -> bytes:
    data = json.loads((CHANNELS / "whatsapp/tests/samples/text.json").read_text())
    value = data["entry"][0]["changes"][0]["value"]
    second = {**value["messages"][0], "id": value["messages"][0]["id"] + "B"}
    value["messages"].append(second)
    return json.dumps(data).encode()


def x(body: bytes | str = "dm.json", *, signature: str | None = None) -> Request:
    raw = body if isinstance(body, bytes) else (CHANNELS / "x/tests/samples" / body).read_bytes()
    given = x_sign(raw, secret=X_SECRET) if signature is None else signature
    headers = (("Content-Type", "application/json"),)
    headers += (("x-twitter-webhooks-signature", given),) if given else ()
    return Request("/hooks/x/", raw, headers)


def phone(name="started.json") -> Request:
    raw = (CHANNELS / "phone/tests/samples" / name).read_bytes()
    signed = phone_signature.headers(raw, timestamp=int(time.time()), secret=PHONE_SECRET)
    return Request("/hooks/phone/", raw, (("Content-Type", "application/json"), *signed.items()))


def oversized(request: Request) -> Request:
    return Request(request.path, request.body + b" " * (1024 * 1024), request.headers)


# (request, taken by the lean path?) — what the lean path accepts, and what it leaves.
CASES = {
    "sms json": (sms(), True),
    "sms form": (sms(form=True), True),
    "sms part of a long message": (sms("concat_1.json"), True),
    "sms STOP": (sms("stop.json"), True),
    "sms unsigned": (sms(sign=False), False),
    "sms wrongly signed": (sms(sign=False, sig="0" * 64), False),
    "sms bad sender": (sms(msisdn="12"), False),
    "sms malformed JSON": (signed_sms_body(b'{"msisdn": '), False),
    "sms nested too deeply": (signed_sms_body(DEEP), False),
    "sms oversized": (oversized(sms()), False),
    "sms from a host not served": (replace(sms(), host="evil.example"), False),
    "sms by GET": (sms_by_get(), False),
    "sms delivery receipt": (
        replace(sms("delivery_receipt.json"), path="/hooks/sms/status/"),
        False,
    ),
    "whatsapp text": (whatsapp(), True),
    "whatsapp image": (whatsapp("image.json"), True),
    "whatsapp two messages": (whatsapp(two_whatsapp_messages()), True),
    "whatsapp status": (whatsapp("status_delivered.json"), False),
    "whatsapp unsigned": (whatsapp(signature=""), False),
    "whatsapp wrongly signed": (whatsapp(signature="sha256=" + "0" * 64), False),
    "whatsapp malformed JSON": (whatsapp(b'{"object": '), False),
    "whatsapp nested too deeply": (whatsapp(DEEP), False),
    "whatsapp not a notification": (whatsapp(b'{"object": "page"}'), False),
    "whatsapp oversized": (oversized(whatsapp()), False),
    "x direct message": (x(), True),
    "x mention": (x("mention.json"), True),
    "x nothing to store": (x("favorite.json"), False),
    "x unsigned": (x(signature=""), False),
    "x wrongly signed": (x(signature="sha256=AAAA"), False),
    "x malformed JSON": (x(b"{"), False),
    "x nested too deeply": (
        x(b'{"for_user_id": "1", "direct_message_events": ' + DEEP + b"}"),
        False,
    ),
    "phone call event": (phone(), False),
}


@pytest.mark.parametrize(("request_", "lean"), CASES.values(), ids=CASES.keys())
def test_the_entry_answers_and_stores_exactly_what_the_view_does(request_, lean, committer):
    expected = call(WSGIHandler(), request_), stored()
    clear()
    spy = Spy()
    entry = HookEntry(spy, store=committer.store if committer else intake.store)
    assert (call(entry, request_), stored()) == expected
    assert spy.paths == ([] if lean else [request_.path])  # refusals are Django's own


def test_deeply_nested_json_is_a_400_with_a_reason_on_every_json_webhook():
    for request_ in (signed_sms_body(DEEP), whatsapp(DEEP), x(DEEP)):
        status, _kind, body = call(HookEntry(WSGIHandler()), request_)
        assert (status, json.loads(body)["error"].endswith("nested too deeply")) == (400, True)
    assert InboundMessage.objects.count() == 0


def test_a_delivery_sent_twice_through_the_entry_is_one_message_with_one_task(committer):
    entry = HookEntry(Spy(), store=committer.store if committer else intake.store)
    for request_ in (sms(), sms(), whatsapp(), whatsapp()):
        assert call(entry, request_)[0] in {200, 204}
    rows = stored()
    assert [(channel, tasks_waiting) for channel, *_rest, tasks_waiting in rows] == [
        (Channel.SMS, 1),
        (Channel.WHATSAPP, 1),
    ]


def test_a_failed_store_answers_503_with_a_reason_and_never_2xx():
    def failing(rows):
        raise intake.IntakeFailed("the database is gone")

    spy = Spy()
    status, kind, body = call(HookEntry(spy, store=failing), sms())
    assert (status, kind, spy.paths) == (503, "application/json", [])
    assert (
        json.loads(body)["error"]
        == "Le message n’a pas pu être enregistré : renvoyez-le plus tard."
    )
    assert InboundMessage.objects.count() == 0


@needs_postgresql
def test_a_crash_before_the_commit_answers_503_and_stores_nothing():
    def crash(conn):
        raise RuntimeError("crash between the insert and the commit")

    committer = intake.Committer(before_commit=crash)
    try:
        assert call(HookEntry(Spy(), store=committer.store), whatsapp())[0] == 503
    finally:
        committer.stop()
    assert stored() == []


@needs_postgresql
def test_a_connection_killed_before_the_commit_answers_503_then_the_next_batch_commits():
    """PostgreSQL ends the committer's backend mid-transaction, as a crash of the server
    side would: that request gets no 2xx and nothing is stored; the committer reconnects."""
    kills = []

    def kill_once(conn):
        if not kills:
            pid = conn.connection.info.backend_pid
            with psycopg.connect(serving.database_url(conn.settings_dict), autocommit=True) as c:
                c.execute("SELECT pg_terminate_backend(%s)", [pid])
            kills.append(pid)

    committer = intake.Committer(before_commit=kill_once)
    entry = HookEntry(Spy(), store=committer.store)
    try:
        assert call(entry, sms())[0] == 503
        assert stored() == []
        assert call(entry, sms())[0] == 204
    finally:
        committer.stop()
    assert [row[-1] for row in stored()] == [1]


@needs_postgresql
def test_the_committer_writes_the_task_row_django_tasks_db_writes():
    committer = intake.Committer()
    try:
        committer.store([inbound_row(channel=Channel.SMS, external_id="A", payload=b"x")])
    finally:
        committer.stop()
    ours = DBTaskResult.objects.get()
    theirs = tasks.process_inbound.enqueue(InboundMessage.objects.get().pk).db_result
    theirs.refresh_from_db()
    skip = {"id", "enqueued_at"}
    fields = [f.attname for f in DBTaskResult._meta.concrete_fields if f.attname not in skip]
    assert {f: getattr(ours, f) for f in fields} == {f: getattr(theirs, f) for f in fields}


@needs_postgresql
def test_concurrent_requests_are_committed_together_and_none_is_lost_or_doubled():
    """24 threads store 40 messages each, one request at a time, a third of them sent
    by two threads (a provider's resend racing the original); all answers are successes,
    and every message acknowledged is stored once with one task."""
    threads_n, each = 24, 40
    committer = intake.Committer()
    acknowledged: list[tuple[str, str]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(threads_n)

    def client(n: int) -> None:
        start.wait()
        for i in range(each):
            key = f"{(n // 2) * 1000 + i}" if i % 3 == 0 else f"{n}-{i}"  # pairs share keys
            row = inbound_row(channel=Channel.SMS, external_id=key, payload=key.encode())
            try:
                committer.store([row])
            except intake.IntakeFailed as exc:
                errors.append(exc)
            else:
                acknowledged.append((Channel.SMS, key))

    clients = [threading.Thread(target=client, args=(n,)) for n in range(threads_n)]
    try:
        for t in clients:
            t.start()
        for t in clients:
            t.join()
    finally:
        committer.stop()
    assert errors == []
    rows = stored()
    assert sorted({(c, k) for c, k, *_ in rows}) == sorted(set(acknowledged))
    assert len(rows) == len(set(acknowledged)) < len(acknowledged)
    assert {tasks_waiting for *_rest, tasks_waiting in rows} == {1}
    assert committer.batches < threads_n * each / 2  # requests shared transactions


def test_without_postgresql_the_entry_stores_in_the_request_as_the_views_do(monkeypatch):
    monkeypatch.setattr(intake, "group_commit_applies", lambda alias="default": False)
    assert call(HookEntry(Spy()), sms())[0] == 204
    store_inbound(channel=Channel.SMS, external_id="0A00000012345671", payload=b"again")
    assert [row[-1] for row in stored()] == [1]
