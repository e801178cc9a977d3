"""Group commit of the webhooks' inbound messages: many requests, one transaction.

A webhook may answer 2xx only once its raw payload is committed with its
processing task (ADR 0004). One commit per request costs a round trip, a WAL
flush and the whole of Django's ORM per message; under a storm, dozens of
requests wait on those at once. Here each web process has one committer thread:
requests hand it their rows and wait; it takes everything waiting, writes it in
**one** transaction — a single `INSERT … SELECT FROM unnest(…) ON CONFLICT DO
NOTHING` for the messages, feeding the insert of their tasks, exactly the rows
django-tasks-db would write — commits, then wakes each request. A request is
woken with success only after that commit; if the batch fails, every request of
it is told so and answers an error (the provider sends again; the unique key
drops what was stored after all). Nothing is acknowledged before it is durable,
and no request waits for a timer: a batch is whatever arrived during the
previous commit.

PostgreSQL only, and only with the database task backend; elsewhere (SQLite,
another backend) `store` commits the request's own rows in its own transaction
through `services.store_inbound`, as the views do.

See docs/decisions/0005-lean-webhook-entry-and-group-commit.md.
"""

import logging
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult, get_date_max

from filrouge.channels import tasks
from filrouge.channels.models import InboundMessage
from filrouge.channels.services import store_inbound

logger = logging.getLogger(__name__)

MAX_BATCH = 500  # requests per transaction: bounds the statement's size, not the wait
WAIT = 30.0  # seconds a request waits for its commit before it answers an error
# The columns that differ from one message to the next; the others take the model's defaults.
VARYING = ("channel", "external_id", "payload", "received_at", "group")


class IntakeFailed(RuntimeError):
    """The rows were not (or not surely) committed: the request must not answer 2xx."""


@dataclass
class _Ticket:
    rows: Sequence[InboundMessage]
    done: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None


def group_commit_applies(alias: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether this database and task backend take the group commit."""
    return connections[alias].vendor == "postgresql" and isinstance(
        tasks.process_inbound.get_backend(), DatabaseBackend
    )


def store_each(rows: Sequence[InboundMessage]) -> None:
    """The per-request path: the rows in the caller's own transaction (SQLite, other backends)."""
    with transaction.atomic():
        for row in rows:
            store_inbound(
                channel=row.channel,
                external_id=row.external_id,
                payload=row.payload,
                received_at=row.received_at,
                group=row.group,
            )


class Committer:
    """One thread writing the rows of every waiting request in one transaction.

    `before_commit(connection)` is a seam for the tests: it runs inside the batch's
    transaction, after the insert and before the commit.
    """

    def __init__(
        self,
        *,
        alias: str = DEFAULT_DB_ALIAS,
        max_batch: int = MAX_BATCH,
        wait: float = WAIT,
        before_commit: Callable | None = None,
    ) -> None:
        self.alias, self.max_batch, self.wait = alias, max_batch, wait
        self.before_commit = before_commit
        self._cond = threading.Condition()
        self._waiting: list[_Ticket] = []
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._sql: str | None = None
        self.batches = 0  # committed transactions, for the tests and the benchmark

    def store(self, rows: Sequence[InboundMessage]) -> None:
        """Return once `rows` are committed (new ones with their task); else `IntakeFailed`."""
        ticket = _Ticket(rows)
        with self._cond:
            if self._stopping:
                raise IntakeFailed("the committer is stopping")
            if self._thread is None or not self._thread.is_alive():  # first use, or it died
                self._thread = threading.Thread(
                    target=self._run, name="filrouge-intake", daemon=True
                )
                self._thread.start()
            self._waiting.append(ticket)
            self._cond.notify()
        if not ticket.done.wait(self.wait):
            raise IntakeFailed(f"no commit within {self.wait:g} s")
        if ticket.error is not None:
            raise IntakeFailed(str(ticket.error)) from ticket.error

    def stop(self) -> None:
        """Let the thread finish what waits, close its connection and end (tests)."""
        with self._cond:
            self._stopping = True
            self._cond.notify()
            thread = self._thread
        if thread is not None:
            thread.join(timeout=self.wait)

    def _run(self) -> None:
        try:
            while batch := self._next_batch():
                error = None
                try:
                    self._commit(batch)
                    self.batches += 1
                except Exception as exc:  # noqa: BLE001 - told to every waiting request
                    logger.exception("Group commit of %d requests failed", len(batch))
                    error = exc
                    connections[self.alias].close()  # a fresh connection for the next batch
                for ticket in batch:
                    ticket.error = error
                    ticket.done.set()
        finally:
            connections[self.alias].close()

    def _next_batch(self) -> list[_Ticket]:
        """What waits (up to `max_batch` requests), once something does; [] when stopping."""
        with self._cond:
            while not self._waiting and not self._stopping:
                self._cond.wait()
            batch = self._waiting[: self.max_batch]
            del self._waiting[: self.max_batch]
            return batch

    def _commit(self, batch: list[_Ticket]) -> None:
        # One row per (channel, external id), in key order: two processes' batches
        # holding the same keys then take their index locks in the same order.
        rows = {(r.channel, r.external_id): r for t in batch for r in t.rows}
        ordered = [rows[key] for key in sorted(rows)]
        conn = connections[self.alias]
        conn.close_if_unusable_or_obsolete()
        with transaction.atomic(using=self.alias), conn.cursor() as cursor:
            cursor.execute(self._statement(), self._params(ordered))
            if self.before_commit is not None:
                self.before_commit(conn)

    def _statement(self) -> str:
        if self._sql is None:
            self._sql = insert_statement(connections[self.alias])
        return self._sql

    def _params(self, rows: list[InboundMessage]) -> list:
        conn = connections[self.alias]
        meta = InboundMessage._meta
        varying = [
            [meta.get_field(name).get_db_prep_save(getattr(r, name), conn) for r in rows]
            for name in VARYING
        ]
        task_ids = [DBTaskResult._meta.pk.get_default() for _ in rows]
        return [*varying, task_ids, *_constant_values(conn)]


def _inbound_constants() -> list:
    """The message columns every new row takes from the model's defaults."""
    meta = InboundMessage._meta
    return [f for f in meta.concrete_fields if not f.primary_key and f.name not in VARYING]


def _task_template() -> DBTaskResult:
    """The task row django-tasks-db writes for `process_inbound`, but its id and arguments."""
    task = tasks.process_inbound
    backend = task.get_backend()
    backend.validate_task(task)
    return DBTaskResult(
        args_kwargs={},
        priority=task.priority,
        task_path=task.module_path,
        queue_name=task.queue_name,
        run_after=task.run_after or get_date_max(),  # what its pre_save signal puts
        backend_name=backend.alias,
    )


def _task_constants() -> list:
    return [f for f in DBTaskResult._meta.concrete_fields if f.name not in {"id", "args_kwargs"}]


def _constant_values(conn) -> list:
    inbound = InboundMessage()
    values = [f.get_db_prep_save(f.pre_save(inbound, add=True), conn) for f in _inbound_constants()]
    task = _task_template()  # enqueued_at (auto_now_add) is the batch's time
    values += [f.get_db_prep_save(f.pre_save(task, add=True), conn) for f in _task_constants()]
    return values


def insert_statement(conn) -> str:
    """`WITH input AS (unnest of the varying columns), fresh AS (INSERT the messages … ON
    CONFLICT DO NOTHING RETURNING their keys) INSERT the tasks of the fresh ones`.

    Identifiers and types come from the models; every value is a bound parameter.
    """
    quote = conn.ops.quote_name
    inbound, task = InboundMessage._meta, DBTaskResult._meta
    columns = [inbound.get_field(name) for name in VARYING]
    unnest = ", ".join(f"%s::{f.db_type(conn)}[]" for f in columns)
    names = ", ".join(quote(f.column) for f in columns)
    constants = _inbound_constants()
    inbound_cols = ", ".join(quote(f.column) for f in [*columns, *constants])
    inbound_vals = ", ".join(
        [f"i.{quote(f.column)}" for f in columns] + [f"%s::{f.db_type(conn)}" for f in constants]
    )
    task_fields = _task_constants()
    task_cols = ", ".join(
        quote(f.column) for f in [task.pk, task.get_field("args_kwargs"), *task_fields]
    )
    task_vals = ", ".join(f"%s::{f.db_type(conn)}" for f in task_fields)
    key = f"{quote('channel')}, {quote('external_id')}"
    return (
        f"WITH i AS (SELECT * FROM unnest({unnest}, %s::uuid[]) AS i({names}, task_id)), "  # noqa: S608
        f"fresh AS (INSERT INTO {quote(inbound.db_table)} ({inbound_cols}) "
        f"SELECT {inbound_vals} FROM i "
        f"ON CONFLICT ({key}) DO NOTHING "
        f"RETURNING {quote(inbound.pk.column)}, {key}) "
        f"INSERT INTO {quote(task.db_table)} ({task_cols}) "
        f"SELECT i.task_id, jsonb_build_object('args', jsonb_build_array(fresh.id), "
        f"'kwargs', '{{}}'::jsonb), {task_vals} "
        f"FROM fresh JOIN i USING ({key})"
    )


_committer: Committer | None = None
_committer_pid = 0
_committer_lock = threading.Lock()


def store(rows: Sequence[InboundMessage]) -> None:
    """Commit `rows` (new ones with their processing task) before returning.

    Raises `IntakeFailed` when they may not be committed: answer anything but 2xx.
    """
    if not group_commit_applies():
        try:
            store_each(rows)
        except Exception as exc:
            raise IntakeFailed(str(exc)) from exc
        return
    global _committer, _committer_pid  # one committer per process
    with _committer_lock:
        if _committer is None or _committer_pid != os.getpid():  # a fork gets its own
            _committer, _committer_pid = Committer(), os.getpid()
        committer = _committer
    committer.store(rows)
