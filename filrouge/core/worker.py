"""The task worker behind `filrouge worker`: django-tasks-db's, with two changes.

1. **Abandoned tasks are taken back.** django-tasks-db marks a task RUNNING when
   a worker claims it, and nothing ever looks at it again if that worker dies
   (kill -9, out of memory, a host lost): the task stays "running" forever. Here
   every worker id names its host and process (`host:pid:random`); each worker,
   at start and every `reclaim_every` seconds, puts back to READY the running
   tasks of dead processes on its own host, and any task running longer than
   `lease` (a worker on another host that died, or hangs). Tasks are idempotent
   by rule (tasks take ids and check state), so running one again is safe: an
   inbound message already filed is left alone.
2. **Less overhead per task.** Tasks are claimed `claim` at a time in one
   transaction instead of one per transaction, and the tasks listed in
   `IN_ONE_TRANSACTION` (short, database-only work) run in the same transaction
   as the recording of their success: one commit per task instead of three, and
   a task is SUCCESSFUL exactly when its effects are committed. A task that
   talks to the outside world (a delivery) is not in that list: it must not hold
   a transaction open while it waits on a provider. The price of batches: the
   tasks claimed behind a slow one wait for it (other workers cannot take
   them), so `--claim` stays small.

3. **Tasks filed as a set.** The tasks listed in `BATCHED` (filing inbound
   messages) are run together when several are claimed at once: one call of
   the batch function (`channels.batch.file_tasks`), its effects and the
   success of every task it settled committed in one transaction. The tasks it
   leaves (what it does not handle), and every one of them if the batch fails,
   then run one by one as above: one bad message never blocks the others. A
   batch that lost to another worker's transaction (a deadlock, a serialisation
   failure, a unique key the other just wrote: rolled back, nothing of it is
   written) is run again as a batch, up to `BATCH_RETRIES` times, before that:
   one by one costs ten times the CPU a message.

A worker stopped by SIGINT/SIGTERM finishes its current task and puts the rest
of its claimed batch back.
"""

import logging
import os
import random
import socket
import time
from datetime import timedelta

from django.db import close_old_connections, connection, transaction
from django.db.utils import DatabaseError, OperationalError
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.module_loading import import_string
from django_tasks_db.compat import task_finished, task_started
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from filrouge.core.bulk import bulk_set

logger = logging.getLogger("django_tasks_db")

IN_ONE_TRANSACTION = frozenset({"filrouge.channels.tasks.process_inbound"})
# task path → batch function: first arguments of the tasks → {first argument: return value}
BATCHED = {"filrouge.channels.tasks.process_inbound": "filrouge.channels.batch.file_tasks"}
READY, RUNNING, SUCCESSFUL = "READY", "RUNNING", "SUCCESSFUL"
HOST = socket.gethostname()[:40]
# PostgreSQL's SQLSTATE when a transaction lost to another one, which committed or will:
# run again, it sees what the other wrote. Deadlock detected, serialization failure, and
# a unique key just committed by another worker (two batches each creating the file of
# the same unknown sender: the second, run again, finds the first one's).
TRANSIENT = frozenset({"40P01", "40001", "23505"})
BATCH_RETRIES = 2
SLOW_CLAIM = 0.025  # seconds; claiming 20 tasks through the queue's index takes ~1 ms


def new_worker_id() -> str:
    """`host:pid:random`, under the 64 characters django-tasks-db allows."""
    return f"{HOST}:{os.getpid()}:{get_random_string(8)}"


def _is_dead(worker_id: str) -> bool:
    """Whether `worker_id` names a process of this host that no longer exists."""
    host, _sep, rest = worker_id.partition(":")
    pid = rest.partition(":")[0]
    if host != HOST or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, someone else's
        return False
    return False


def reclaim_abandoned(*, lease: timedelta, backend_name: str = "default") -> int:
    """Put back to READY the running tasks of dead workers (this host) or past their lease."""
    expired = timezone.now() - lease
    running = DBTaskResult.objects.filter(status=RUNNING, backend_name=backend_name)
    abandoned = [
        pk
        for pk, worker_ids, started_at in running.values_list("pk", "worker_ids", "started_at")
        if (started_at is not None and started_at < expired)
        or (worker_ids and _is_dead(worker_ids[-1]))
    ]
    if not abandoned:
        return 0
    count = DBTaskResult.objects.filter(pk__in=abandoned, status=RUNNING).update(status=READY)
    logger.warning("Gave back %d abandoned task(s) to the queue.", count)
    return count


class BatchWorker(Worker):
    def __init__(self, *, claim: int, lease: timedelta, reclaim_every: float, **options):
        super().__init__(**options)
        self.claim, self.lease, self.reclaim_every = claim, lease, reclaim_every
        self.reclaimed_at = self.analyzed_at = 0.0

    def run(self) -> None:
        logger.info("Starting worker worker_id=%s claim=%d", self.worker_id, self.claim)
        while self.running:
            close_old_connections()
            if time.monotonic() - self.reclaimed_at >= self.reclaim_every:
                reclaim_abandoned(lease=self.lease, backend_name=self.backend_name)
                self.reclaimed_at = time.monotonic()
            claimed = self._claim_batch()
            for position, result in enumerate(self._run_batches(claimed or [])):
                if not self.running:
                    self._give_back(claimed[position:])
                    break
                self._run(result)
            if self.batch and claimed is not None and not claimed:
                return
            if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                return
            if self.running and not claimed:
                time.sleep(self.interval)

    def _claim_batch(self) -> list[DBTaskResult] | None:
        """Up to `claim` ready tasks, marked RUNNING in one transaction; None if the DB is busy."""
        started = time.monotonic()
        claimed = self._claim_ready()
        if time.monotonic() - started > SLOW_CLAIM and claimed:
            self._refresh_statistics()
        return claimed

    def _refresh_statistics(self) -> None:
        """ANALYZE the queue when claiming got slow (PostgreSQL), at most once a minute.

        The queue goes from empty to 100,000 rows in a minute of storm; until its
        statistics are refreshed, PostgreSQL plans the claim with those of an empty
        table and reads the whole queue (77 ms) instead of the first rows of its
        partial index (under 1 ms). Autovacuum does it in time when it runs and is
        not busy elsewhere: this is the safety net for when it does not.
        """
        if connection.vendor != "postgresql" or time.monotonic() - self.analyzed_at < 60:
            return
        self.analyzed_at = time.monotonic()
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(DBTaskResult._meta.db_table)}")
        logger.info("Claiming was slow: statistics of the task queue refreshed.")

    def _claim_ready(self) -> list[DBTaskResult] | None:
        ready = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            ready = ready.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            ready = ready.exclude(queue_name__in=self.excluded_queue_names)
        try:
            with exclusive_transaction(ready.db):
                claimed = list(ready.select_for_update(skip_locked=True)[: self.claim])
                started = timezone.now()
                for result in claimed:
                    result.status, result.started_at = RUNNING, started
                    result.worker_ids = [*result.worker_ids, self.worker_id]
                bulk_set(claimed, ["status", "started_at", "worker_ids"])
        except OperationalError as exc:
            if is_locked_database_exception(exc):
                return None
            raise
        return claimed

    def _run_batches(self, claimed: list[DBTaskResult]) -> list[DBTaskResult]:
        """Run the `BATCHED` tasks of `claimed` as sets; returns those left to run one by one."""
        for path, function in BATCHED.items():
            batch = [r for r in claimed if r.task_path == path]
            if len(batch) < 2 or not self.running:
                continue
            try:
                done = self._run_batch(import_string(function), batch)
            except Exception:
                logger.exception(
                    "A batch of %d %s failed: running them one by one.", len(batch), path
                )
                continue
            self._run_tasks += len(done)
            settled = {r.pk for r in done}
            claimed = [r for r in claimed if r.pk not in settled]
        return claimed

    def _run_batch(self, function, batch: list[DBTaskResult]) -> list[DBTaskResult]:
        """Run `batch` through `function` in one transaction; the tasks it settled. Run
        again when the database rolled it back for another transaction's sake."""
        attempt = 0
        while True:
            try:
                with transaction.atomic():
                    values = function([r.args_kwargs["args"][0] for r in batch])
                    done = [r for r in batch if r.args_kwargs["args"][0] in values]
                    _succeeded(done, [values[r.args_kwargs["args"][0]] for r in done])
            except DatabaseError as exc:
                if attempt == BATCH_RETRIES or not _transient(exc):
                    raise
                attempt += 1
                logger.info(
                    "A batch of %d tasks lost to another transaction (%s): running it again.",
                    len(batch),
                    exc.__cause__.sqlstate,
                )
                time.sleep(random.uniform(0.01, 0.05) * attempt)  # noqa: S311
            else:
                return done

    def _run(self, result: DBTaskResult) -> None:
        if result.task_path not in IN_ONE_TRANSACTION:
            self.run_task(result)
            return
        self.running_task = True
        try:
            task, task_result = result.task, result.task_result
            sender = type(task.get_backend())
            with transaction.atomic():
                task_started.send(sender=sender, task_result=task_result)
                value = task.call(*task_result.args, **task_result.kwargs)
                result.set_successful(value)  # committed with the task's effects, or not at all
        except BaseException as exc:  # the task's writes are rolled back: record why
            result.set_failed(exc)
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                raise
        else:
            task_finished.send(sender=sender, task_result=result.task_result)
        finally:
            self.running_task = False
            self._run_tasks += 1

    def _give_back(self, results: list[DBTaskResult]) -> None:
        pks = [r.pk for r in results]
        DBTaskResult.objects.filter(pk__in=pks, status=RUNNING).update(status=READY)


def _transient(exc: DatabaseError) -> bool:
    """Did the transaction lose to another one (worth running again)?"""
    return getattr(exc.__cause__, "sqlstate", None) in TRANSIENT


def _succeeded(results: list[DBTaskResult], values: list[str]) -> None:
    """Mark tasks successful with their return values (`set_successful`), one update per value."""
    finished = timezone.now()
    by_value: dict[str, list[int]] = {}
    for result, value in zip(results, values, strict=True):
        by_value.setdefault(value, []).append(result.pk)
    for value, pks in by_value.items():
        DBTaskResult.objects.filter(pk__in=pks).update(
            status=SUCCESSFUL,
            finished_at=finished,
            return_value=value,
            exception_class_path="",
            traceback="",
        )
