"""Kill test: the web server and the worker die (`kill -9`) in the middle of a burst.

The real processes run against a database of their own, created here (a file
on SQLite, a new database on PostgreSQL): gunicorn serving the webhooks and
`filrouge worker` filing the messages. A client thread sends a few hundred
signed SMS, WhatsApp and X messages, some twice, and records what was
acknowledged (2xx); what was not, it sends again later, like a provider. A
third of the way through the worker is killed, half-way the web server (master
and workers), both are restarted, the burst finishes and the backlog drains.
Then every acknowledged message must be stored once, filed once (one inbound
row, one `message_in` event on a case, no event twice) and nothing may be left
waiting.
"""

import asyncio
import json
import os
import signal
import sqlite3
import threading
import time
import uuid
from contextlib import closing, contextmanager

import psycopg
import pytest
from django.db import connection

from filrouge.channels import burst
from filrouge.core import serving

MESSAGES = 360
SECRETS = burst.Secrets(sms="kill-sms", sms_method="sha256", whatsapp="kill-wa", x="kill-x")


@contextmanager
def own_database(tmp_path):
    """A database for the child processes, named after the test database, dropped after."""
    settings = dict(connection.settings_dict)
    if connection.vendor == "sqlite":
        settings["NAME"] = str(tmp_path / "kill.sqlite3")
        yield settings
        return
    name = f"{settings['NAME']}_kill_{uuid.uuid4().hex[:6]}"
    admin = {**settings, "NAME": "postgres"}
    with closing(psycopg.connect(serving.database_url(admin), autocommit=True)) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {**settings, "NAME": name}
    finally:
        with closing(psycopg.connect(serving.database_url(admin), autocommit=True)) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def query(settings: dict, sql: str) -> list[tuple]:
    if settings["ENGINE"].endswith("sqlite3"):
        with closing(sqlite3.connect(settings["NAME"])) as conn:
            return conn.execute(sql).fetchall()
    with closing(psycopg.connect(serving.database_url(settings))) as conn:
        return conn.execute(sql).fetchall()


def senders() -> list[str]:
    """Unknown numbers, each writing several times: the first message makes a prospect, the
    next ones find it (and thread onto its case when on the same topic)."""
    return [f"+3375{n:07d}" for n in range(1, 41)]


def _running(settings: dict) -> int:
    return query(
        settings,
        "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE status = 'RUNNING'",
    )[0][0]


def _backlog(settings: dict) -> int:
    tasks = query(
        settings,
        "SELECT count(*) FROM django_tasks_database_dbtaskresult "
        "WHERE status IN ('READY', 'RUNNING')",
    )[0][0]
    waiting = query(
        settings, "SELECT count(*) FROM channels_inboundmessage WHERE state = 'received'"
    )[0][0]
    return tasks + waiting


def test_killing_the_worker_and_the_web_server_mid_burst_loses_and_doubles_nothing(tmp_path):
    with own_database(tmp_path) as settings:
        env = serving.environ(database_url=serving.database_url(settings), extra=SECRETS.environ())
        serving.manage("migrate", "--noinput", "-v0", env=env)
        port = serving.free_port()
        log = tmp_path / "children.log"
        children = {
            "web": serving.web(port=port, env=env, log=log, workers=2).start(),
            "worker": serving.worker(env=env, log=log, extra=["--reclaim-every", "1"]).start(),
        }
        try:
            _burst_with_kills(settings, port, children, env, log)
        finally:  # the ones running now, restarted ones included, even if the test failed
            for child in children.values():
                child.stop(timeout=10)


def _burst_with_kills(settings, port, children, env, log):
    serving.wait_until_up(port)
    hooks = burst.build(
        MESSAGES, phones=senders(), secrets=SECRETS, host="127.0.0.1", duplicates=0.1, unknown=0
    )
    progress, result = [0], {}

    def client() -> None:
        result["outcome"] = asyncio.run(
            burst.send(
                hooks,
                port=port,
                connections=4,
                deadline=45,
                retry_delay=0.3,
                on_progress=lambda done, total: progress.__setitem__(0, done),
            )
        )

    sender = threading.Thread(target=client, daemon=True)
    sender.start()
    _wait_for(lambda: progress[0] >= MESSAGES // 3, "a third of the burst")
    # Kill the worker while it holds claimed tasks (django-tasks-db alone would leave them
    # RUNNING forever): frozen first (SIGSTOP), so that the tasks counted are still held
    # at the kill; if it happened to hold none at that instant, let it go on and retry.
    worker = children["worker"]
    running_at_kill = 0
    deadline = time.monotonic() + 30
    while running_at_kill == 0:
        if time.monotonic() > deadline:
            pytest.fail("timed out waiting for the worker to hold tasks")
        _wait_for(lambda: _running(settings) > 0, "the worker to hold tasks")
        os.killpg(worker.pid, signal.SIGSTOP)
        running_at_kill = _running(settings)
        if running_at_kill == 0:
            os.killpg(worker.pid, signal.SIGCONT)
    worker.kill()
    _wait_for(lambda: progress[0] >= MESSAGES // 2, "half of the burst")
    children["web"].kill()
    time.sleep(0.5)  # the provider meets a closed door for a while, and retries
    children["web"] = serving.web(port=port, env=env, log=log, workers=2).start()
    children["worker"] = serving.worker(env=env, log=log, extra=["--reclaim-every", "1"]).start()
    sender.join(timeout=60)
    outcome = result["outcome"]
    _wait_for(lambda: _backlog(settings) == 0, "the backlog to drain", timeout=45)

    print(  # with -s: what the kills did
        f"acknowledged {len(outcome.acknowledged)}, refused connections or lost answers "
        f"{outcome.errors}, resent {outcome.retried}, tasks running at the worker's kill "
        f"{running_at_kill}"
    )
    assert outcome.given_up == 0, dict(outcome.statuses)
    assert outcome.errors > 0  # the web server really died under the client
    acknowledged = outcome.acknowledged
    assert len(acknowledged) == len({(h.channel, h.external_id) for h in hooks})
    rows = query(
        settings,
        "SELECT channel, external_id, state, event_id FROM channels_inboundmessage",
    )
    stored = {(channel, external_id) for channel, external_id, _state, _event in rows}
    assert stored == acknowledged  # every acknowledged message, once (the key is unique)
    assert {state for *_ids, state, _event in rows} == {"processed"}
    events = [event for *_ids, _state, event in rows]
    assert None not in events
    assert len(set(events)) == len(rows)  # each message its own event
    filed = query(settings, "SELECT count(*) FROM cases_event WHERE kind = 'message_in'")[0][0]
    assert filed == len(rows)  # no message filed twice
    unfinished = query(
        settings,
        "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE status <> 'SUCCESSFUL'",
    )[0][0]
    assert unfinished == 0
    # The killed worker's tasks were taken back and run by the new one.
    claims = query(settings, "SELECT worker_ids FROM django_tasks_database_dbtaskresult")
    assert sum(_claims(ids) > 1 for (ids,) in claims) >= running_at_kill > 0


def _claims(worker_ids) -> int:
    return len(json.loads(worker_ids) if isinstance(worker_ids, str) else worker_ids)


def _wait_for(condition, what: str, *, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)
