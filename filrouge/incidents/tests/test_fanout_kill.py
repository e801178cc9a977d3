"""A worker killed (SIGKILL) in the middle of a chunk, then the chunk run again: every
affected customer told exactly once. PostgreSQL only (row locks, a second process)."""

import os
import signal
import subprocess
import sys
import time
from contextlib import closing

import psycopg
import pytest
from django.db import connection

from filrouge.cases.models import Event
from filrouge.channels.models import OutboundMessage
from filrouge.core import serving
from filrouge.customers.tests.factories import CustomerFactory, EmailFactory, LineFactory
from filrouge.incidents import fanout
from filrouge.incidents.models import IncidentNotice, NoticeChunk
from filrouge.incidents.services import declare_incident

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks and a second process: PostgreSQL only"
)
CUSTOMERS = 40


def _waiting_on_a_lock(url: str, pid: int) -> bool:
    with closing(psycopg.connect(url)) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND application_name = '' AND pid <> pg_backend_pid() AND state = 'active' "
            "AND query ILIKE %s",
            ["%channels_outboundmessage%"],
        ).fetchone()
        return row[0] > 0


def test_a_worker_killed_mid_chunk_then_a_rerun_tells_each_customer_once(transactional_db, tree):
    pm = tree[1]
    for _ in range(CUSTOMERS):
        customer = CustomerFactory()
        LineFactory(customer=customer, network_element=pm)
        EmailFactory(customer=customer)
    incident = declare_incident(title="Coupure fibre", elements=[pm], text="Nous cherchons.")
    update = incident.updates.get()
    fanout.plan_notices(update.pk)
    chunk = NoticeChunk.objects.get(update=update)
    url = serving.database_url(connection.settings_dict)
    env = serving.environ(database_url=url)
    code = f"from filrouge.incidents import fanout; fanout.send_chunk({chunk.pk})"

    # Deliveries are blocked: the worker writes its notices and messages, then waits on
    # the delivery table inside its transaction — where it is killed.
    with closing(psycopg.connect(url)) as blocker:
        blocker.execute("LOCK TABLE channels_outboundmessage IN SHARE ROW EXCLUSIVE MODE")
        worker = subprocess.Popen(  # noqa: S603 - our own interpreter and command
            [sys.executable, "-m", "filrouge", "shell", "-c", code],
            env=env,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 60
            while not _waiting_on_a_lock(url, worker.pid):
                assert worker.poll() is None, "the worker ended before the kill"
                assert time.monotonic() < deadline, "the worker never reached the deliveries"
                time.sleep(0.1)
            # Meanwhile a second worker on the same chunk finds it claimed and sends nothing.
            assert fanout.send_chunk(chunk.pk) == 0
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=10)
        finally:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGKILL)
        blocker.rollback()

    deadline = time.monotonic() + 20  # the server notices the dead connection and rolls back
    while NoticeChunk.objects.filter(pk=chunk.pk, runs__gt=0).exists() or _locked(chunk.pk):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert not IncidentNotice.objects.filter(state="sent").exists()

    assert fanout.send_chunk(chunk.pk) == CUSTOMERS  # the re-run
    assert fanout.send_chunk(chunk.pk) == 0  # and once more: nothing

    notices = IncidentNotice.objects.filter(update=update)
    assert notices.count() == CUSTOMERS
    assert set(notices.values_list("state", flat=True)) == {"sent"}
    told = Event.objects.filter(kind=Event.Kind.MESSAGE_OUT, data__update=update.pk)
    assert told.count() == CUSTOMERS
    assert told.values("customer_id").distinct().count() == CUSTOMERS
    assert OutboundMessage.objects.filter(event__in=told).count() == CUSTOMERS


def _locked(chunk_id: int) -> bool:
    """Whether the killed worker's row lock on the chunk is still held."""
    from django.db import transaction

    with transaction.atomic():
        return not NoticeChunk.objects.select_for_update(skip_locked=True).filter(pk=chunk_id)
