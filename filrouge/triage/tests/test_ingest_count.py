"""The ingest benchmark says how many of the messages it filed triage read (issue 6, Done when).

`filrouge bench ingest` needs PostgreSQL and a 100k-message storm; its count of the
messages read is checked here on a small filing through the real channels' path.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from filrouge.cases.models import Event
from filrouge.channels.batch import process_batch
from filrouge.channels.services import process_inbound, store_inbound
from filrouge.channels.tests.builders import raw_mail
from filrouge.core.management.ingestbench import _counts, triage_read
from filrouge.customers.models import Channel
from filrouge.customers.tests.factories import CustomerFactory, EmailFactory

pytestmark = pytest.mark.django_db


def store(n: int, body: str):
    raw = raw_mail(
        sender=f"Client {n} <c{n}@exemple.fr>", body=body, message_id=f"<i{n}@exemple.fr>"
    )
    inbound, _new = store_inbound(
        channel=Channel.EMAIL, external_id=f"i{n}@exemple.fr", payload=raw
    )
    return inbound


def test_the_bench_counts_the_filed_messages_triage_read():
    since = timezone.now() - timedelta(seconds=1)
    for n in range(3):
        EmailFactory(customer=CustomerFactory(), value=f"c{n}@exemple.fr")
    one = store(0, "Plus d'internet depuis lundi")
    process_inbound(one.pk)  # one by one
    batch = [store(n, f"Ma facture {n} est fausse, je vais passer chez Free") for n in (1, 2)]
    process_batch([i.pk for i in batch])  # as the bench's workers file them
    assert triage_read(since) == (3, 3)
    counts = _counts(since)
    assert (counts["read_by_triage"], counts["filed_events"]) == (3, 3)

    one.refresh_from_db()  # a reading lost: the bench says so
    Event.objects.filter(kind=Event.Kind.TRIAGED, data__message=one.event_id).delete()
    assert triage_read(since) == (2, 3)
