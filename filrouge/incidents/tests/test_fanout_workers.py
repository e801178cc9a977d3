"""Two workers on the chunks of one update at once: each chunk taken by one of them, every
affected customer told exactly once. PostgreSQL only (row locks, a second process).

The first worker claims a chunk and stays in the middle of it (its transaction open, its
locks held); meanwhile the second runs every chunk of the update. It must skip the claimed
chunk — and only that one: a claim locking the update's or the incident's row as well
(read with the chunk) would make it skip all the others too."""

import subprocess
import sys
from contextlib import suppress

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
CUSTOMERS = 24
CHUNK = 5  # 5 chunks: 5, 5, 5, 5, 4 customers

# The first worker: claims and sends its chunk inside an outer transaction, says how many
# it sent, and commits only when told (a line on its stdin).
FIRST = """
import sys
from django.db import transaction
from filrouge.incidents import fanout
fanout.CHUNK = {chunk}
with transaction.atomic():
    sent = fanout.send_chunk({chunk_id})
    print(sent, flush=True)
    sys.stdin.readline()
print("committed", flush=True)
"""


def test_two_workers_never_take_the_same_chunk_nor_tell_anyone_twice(
    transactional_db, tree, monkeypatch
):
    monkeypatch.setattr(fanout, "CHUNK", CHUNK)
    pm = tree[1]
    for _ in range(CUSTOMERS):
        customer = CustomerFactory()
        LineFactory(customer=customer, network_element=pm)
        EmailFactory(customer=customer)
    incident = declare_incident(title="Coupure fibre", elements=[pm], text="Nous cherchons.")
    update = incident.updates.get()
    assert fanout.plan_notices(update.pk) == 5
    chunks = list(NoticeChunk.objects.filter(update=update).order_by("number"))
    taken = chunks[2]  # the first worker's: in the middle

    url = serving.database_url(connection.settings_dict)
    code = FIRST.format(chunk=CHUNK, chunk_id=taken.pk)
    first = subprocess.Popen(  # noqa: S603 - our own interpreter and command
        [sys.executable, "-m", "filrouge", "shell", "--no-imports", "-c", code],
        env=serving.environ(database_url=url),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        first_sent = int(first.stdout.readline())  # it holds its chunk now, uncommitted
        assert first_sent == 5

        # The second worker runs every chunk while the first is in the middle of its own.
        second_sent = {c.number: fanout.send_chunk(c.pk) for c in chunks}
        assert second_sent == {1: 5, 2: 5, 3: 0, 4: 5, 5: 4}
        assert not IncidentNotice.objects.filter(
            update=update,
            customer_id__gte=taken.first_customer_id,
            customer_id__lte=taken.last_customer_id,
        ).exists()  # the first worker's notices are not visible yet, nor written twice

        first.stdin.write("commit\n")
        first.stdin.flush()
        assert first.stdout.readline().strip() == "committed"
        assert first.wait(timeout=30) == 0
    finally:
        if first.poll() is None:
            first.kill()
        with suppress(Exception):
            first.stdin.close()
            first.stdout.close()

    # Both run everything again (a sweep, a retried task): nothing more.
    assert [fanout.send_chunk(c.pk) for c in chunks] == [0] * 5
    assert set(NoticeChunk.objects.filter(update=update).values_list("state", flat=True)) == {
        NoticeChunk.State.DONE
    }
    notices = IncidentNotice.objects.filter(update=update)
    assert notices.count() == CUSTOMERS
    assert set(notices.values_list("state", flat=True)) == {IncidentNotice.State.SENT}
    told = Event.objects.filter(kind=Event.Kind.MESSAGE_OUT, data__update=update.pk)
    assert told.count() == CUSTOMERS
    assert told.values("customer_id").distinct().count() == CUSTOMERS
    assert OutboundMessage.objects.filter(event__in=told).count() == CUSTOMERS


def test_a_rerun_of_the_notice_insert_writes_nothing(db, tree):
    """The notices' insert is idempotent: run twice for the same range, one row per customer."""
    pm = tree[1]
    customers = [LineFactory(network_element=pm).customer for _ in range(3)]
    LineFactory(network_element=tree[3])  # elsewhere: never a notice
    incident = declare_incident(title="Coupure fibre", elements=[pm], text="Nous cherchons.")
    update = incident.updates.get()
    first, last = customers[0].pk, customers[-1].pk + 10
    fanout.write_notices(update, first, last, at=update.published_at)
    fanout.write_notices(update, first, last, at=update.published_at)
    assert sorted(
        IncidentNotice.objects.filter(update=update).values_list("customer_id", flat=True)
    ) == sorted(c.pk for c in customers)
