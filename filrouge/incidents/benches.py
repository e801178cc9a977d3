"""`filrouge bench fanout`: an update told to 100,000 affected customers, notices queued.

Seeds (once, reused) one PM with `--customers` customers, each with an active fibre
line under it and an e-mail address (every fifth prefers SMS and has a mobile
number instead). Then declares an incident there and runs what the workers run:
the planning task, then every chunk's task, in this process, one after the other
(one worker). "Queued" means what the issue means: for each customer an
`IncidentNotice` sent, its `message_out` event and its delivery row written, and
the delivery tasks enqueued — the SMTP/SMS hand-over itself is the channels'
`deliver_outbound`, measured by their own benchmark.

Reports wall time, this process's CPU time and the PostgreSQL backend's CPU time
(read from /proc on this machine), with the load average beside them: on a
loaded machine the CPU seconds per 1,000 notices are the figure to compare. The
incident and everything it wrote are deleted at the end, so it can run again.

Run during the SMS quiet hours (21:00–08:00 Paris), a fifth of the notices would
wait for the morning and be handed over by a second run of their chunks then; the
benchmark measures the daytime fan-out, so at night it moves its clock to the next
noon in Paris (time-machine, ticking from there) and says so (`--now` keeps it).
"""

import json
import os
import resource
import time
from pathlib import Path

from django.db import connection, connections, transaction

from filrouge.core import serving
from filrouge.core.management.commands.bench import Bench

PM_CODE = "PM-BENCH-FANOUT"
TITLE = "Banc d'essai"
TARGET_SECONDS = 60.0


def add_arguments(parser) -> None:
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--chunk", type=int, default=0, help="Customers per task (0: default).")
    parser.add_argument("--keep", action="store_true", help="Keep the incident afterwards.")
    parser.add_argument(
        "--workers", type=int, default=1, help="Processes running the chunks (SKIP LOCKED)."
    )
    parser.add_argument(
        "--now", action="store_true", help="Keep the real clock, even in the SMS quiet hours."
    )


def _daytime(write):
    """A context in which it is day in Paris: the real clock by day, else the next noon."""
    import contextlib
    from datetime import datetime, time, timedelta
    from zoneinfo import ZoneInfo

    from django.conf import settings

    from filrouge.core.clock import now
    from filrouge.notifications.rules import after_quiet_hours

    moment = now()
    if after_quiet_hours(moment) == moment:
        return contextlib.nullcontext()
    import time_machine  # a development dependency, as the benchmarks are

    zone = ZoneInfo(settings.FILROUGE_SMS_QUIET_HOURS_ZONE)
    day = after_quiet_hours(moment).astimezone(zone).date()
    noon = datetime.combine(day, time(12), tzinfo=zone)
    write(f"  SMS quiet hours now: the clock moved to {noon:%Y-%m-%d %H:%M} Paris (--now: not)")
    return time_machine.travel(noon + timedelta(seconds=0), tick=True)


def _seed(count: int, write) -> object:
    from filrouge.customers.models import Channel, ContactPoint, Customer, Line
    from filrouge.network.models import NetworkElement
    from filrouge.network.services import add_element

    pm = NetworkElement.objects.filter(code=PM_CODE).first()
    if pm is None:
        nro = add_element(kind="nro", code="NRO-BENCH-FANOUT")
        pm = add_element(kind="pm", code=PM_CODE, parent=nro)
    have = Line.objects.filter(network_element=pm).count()
    if have >= count:
        return pm
    started = time.monotonic()
    batch = 5000
    for start in range(have, count, batch):
        numbers = range(start, min(start + batch, count))
        with transaction.atomic():
            customers = Customer.objects.bulk_create(
                Customer(
                    account_number=f"BF{n:09d}",
                    first_name="Camille",
                    last_name=f"Banc{n}",
                    search_name=f"banc{n} camille",
                    preferred_channel=Channel.SMS if n % 5 == 0 else Channel.EMAIL,
                )
                for n in numbers
            )
            Line.objects.bulk_create(
                Line(customer=c, number=f"BF{n:010d}", product="fibre", network_element=pm)
                for n, c in zip(numbers, customers, strict=True)
            )
            ContactPoint.objects.bulk_create(
                ContactPoint(
                    customer=c,
                    kind=ContactPoint.Kind.PHONE if n % 5 == 0 else ContactPoint.Kind.EMAIL,
                    value=f"+3361{n:07d}" if n % 5 == 0 else f"banc{n}@bench.example",
                    is_primary=True,
                )
                for n, c in zip(numbers, customers, strict=True)
            )
    with connection.cursor() as cursor:  # what autovacuum would do after such a load
        for table in ("customers_customer", "customers_line", "customers_contactpoint"):
            cursor.execute(f"ANALYZE {table}")
    write(f"seeded {count - have} customers in {time.monotonic() - started:.1f} s")
    return pm


def _backend_cpu() -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    return serving.cpu_seconds(pid, children=False)


def _chunks(ids: list[int]) -> tuple[int, float, float]:
    """Every chunk, in this process: (notices sent, its CPU seconds, its backend's)."""
    from filrouge.incidents import fanout

    cpu0, db0 = time.process_time(), _backend_cpu()
    sent = sum(fanout.send_chunk(pk) for pk in ids)
    return sent, time.process_time() - cpu0, _backend_cpu() - db0


def _run_chunks(ids: list[int], workers: int) -> tuple[int, float, float]:
    """Like several `filrouge worker`s: each process tries every chunk; SKIP LOCKED and
    the chunk's state make each one run once. Returns the children's totals (the
    parent's own CPU is counted by the caller)."""
    if workers <= 1:
        sent, _cpu, _db = _chunks(ids)
        return sent, 0.0, 0.0
    connections.close_all()
    children = []
    for n in range(workers):
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: its own connection, its share first, then the rest
            os.close(read)
            order = ids[n::workers] + [pk for pk in ids if pk not in set(ids[n::workers])]
            result = _chunks(order)
            os.write(write, json.dumps(result).encode())
            os._exit(0)
        os.close(write)
        children.append((pid, read))
    sent, cpu, db = 0, 0.0, 0.0
    for pid, read in children:
        with os.fdopen(read) as pipe:
            got = json.loads(pipe.read() or "[0, 0, 0]")
        os.waitpid(pid, 0)
        sent, cpu, db = sent + got[0], cpu + got[1], db + got[2]
    return sent, cpu, db


def _cleanup(incident) -> None:
    from filrouge.cases.models import Event
    from filrouge.channels.models import OutboundMessage
    from filrouge.incidents.models import IncidentNotice

    with transaction.atomic():
        updates = list(incident.updates.values_list("pk", flat=True))
        events = Event.objects.filter(data__update__in=updates, kind="message_out")
        outbound = OutboundMessage.objects.filter(event__in=events)
        outbound._raw_delete(outbound.db)
        notices = IncidentNotice.objects.filter(update_id__in=updates)
        notices._raw_delete(notices.db)
        events._raw_delete(events.db)
        incident.delete()


def run(options: dict, write) -> bool:
    from filrouge.incidents import fanout

    if connection.vendor != "postgresql":
        write("fanout: run it on PostgreSQL (DATABASE_URL=postgres://…).")
        return False
    if options["chunk"]:
        fanout.CHUNK = options["chunk"]
    if not options["now"]:
        with _daytime(write):
            return _run(options, write)
    return _run(options, write)


def _run(options: dict, write) -> bool:
    from django_tasks_db.models import DBTaskResult

    from filrouge.incidents import fanout
    from filrouge.incidents.models import Incident, IncidentNotice, NoticeChunk
    from filrouge.incidents.services import declare_incident

    count = options["customers"]
    pm = _seed(count, write)
    from filrouge.customers.models import Line

    count = Line.objects.filter(network_element=pm).count()  # every one is affected
    for old in Incident.objects.filter(title=TITLE):  # left by an interrupted run
        _cleanup(old)
    load = Path("/proc/loadavg").read_text().split()[:3]
    DBTaskResult.objects.filter(task_path__startswith="filrouge.incidents.").delete()
    wall0, cpu0, db0 = time.monotonic(), time.process_time(), _backend_cpu()
    incident = declare_incident(title=TITLE, elements=[pm], text="Coupure (banc).")
    update = incident.updates.get()
    declared = time.monotonic() - wall0
    try:
        chunks = fanout.plan_notices(update.pk)
        ids = list(NoticeChunk.objects.filter(update=update).values_list("pk", flat=True))
        sent, child_cpu, child_db = _run_chunks(ids, options["workers"])
        wall = time.monotonic() - wall0
        cpu = time.process_time() - cpu0 + child_cpu
        db = _backend_cpu() - db0 + child_db
        told = IncidentNotice.objects.filter(update=update, state="sent").count()
        morning = IncidentNotice.objects.filter(update=update, state="pending").count()
        tasks = DBTaskResult.objects.filter(
            task_path="filrouge.incidents.tasks.deliver_notices", status="READY"
        ).count()
    finally:
        if not options["keep"]:
            _cleanup(incident)
            DBTaskResult.objects.filter(task_path__startswith="filrouge.incidents.").delete()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    per_k = 1000 / max(told, 1)
    write(
        f"fanout: {told} of {count} customers told ({sent} notices queued) in {chunks} chunks "
        f"of {fanout.CHUNK} by {options['workers']} worker(s), {tasks} delivery tasks enqueued"
        f"{f', {morning} SMS waiting for the morning (quiet hours)' if morning else ''}\n"
        f"  wall {wall:.1f} s (declaration {declared:.2f} s), {told / wall:.0f} notices/s\n"
        f"  CPU: workers {cpu:.1f} s, PostgreSQL backends {db:.1f} s "
        f"= {(cpu + db) * per_k:.2f} CPU-s per 1,000 notices; max RSS {rss} MB\n"
        f"  load average before: {' '.join(load)}, after: "
        f"{' '.join(Path('/proc/loadavg').read_text().split()[:3])}; pid {os.getpid()}\n"
        f"  target: < {TARGET_SECONDS:.0f} s wall for 100,000"
    )
    return told == count and wall < TARGET_SECONDS * count / 100_000


BENCHES = {
    "fanout": Bench(
        help="An incident update told to 100,000 affected customers: notices queued.",
        add_arguments=add_arguments,
        run=run,
    )
}
