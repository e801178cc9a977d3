"""`filrouge bench ingest`: a storm of inbound webhooks against the real server, then the drain.

On a PostgreSQL database seeded with `filrouge demo --customers N`:

1. **Ingest.** gunicorn serves `filrouge.wsgi` on 127.0.0.1 (`--web-workers`
   processes); no task worker runs, so the web processes are measured alone and
   the whole burst becomes a backlog, as in a storm. A burst of `--messages`
   signed webhooks (Vonage SMS, WhatsApp Cloud API, X direct messages; French
   texts from the demo catalogue; senders are real customers' phone numbers
   from the database plus unknown ones; a share of exact duplicates) is sent
   over keep-alive connections by an asyncio client (`channels/burst.py`) in
   this process; what is not answered 2xx is sent again, like a provider.
   Reported: acknowledged messages/s, p50/p99 latency of the 2xx answers, and
   the rows stored against the unique ids acknowledged (duplicates dropped).
2. **Drain.** gunicorn is stopped; `--workers` `filrouge worker --batch`
   processes file the backlog (parse, identity, threading, landing on the case)
   and exit when it is empty. Reported: processed messages/s end to end, and
   the check that every unique message of the burst landed (one inbound row
   processed, one `message_in` event each), and how many of those messages
   triage read ("messages filed read by triage: N of M": one `triaged` event
   naming each; issue 6's "every inbound message is analysed").

CPU seconds of each side (web processes, task workers, PostgreSQL backends,
the load generator) are reported too: on a shared machine they say more than
wall time does. Bounded in count (`--messages`) and time (`--deadline`,
`--drain-deadline`); loopback only.
"""

import asyncio
import json
import os
import random
import secrets
import time
from datetime import date, timedelta
from pathlib import Path

import phonenumbers
from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import BigIntegerField, Count
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.utils import timezone

from filrouge.channels import burst
from filrouge.channels.models import InboundMessage
from filrouge.core import serving
from filrouge.core.management.pagebench import machine, require_postgresql

TARGET_ACK_PER_S, TARGET_P99_MS, TARGET_DRAIN_PER_S = 1000, 200, 1000


def senders(count: int) -> list[str]:
    """`count` real customers' phone numbers, spread over the whole table (valid ones only)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id) FROM customers_contactpoint")
        low, high = cursor.fetchone()
        if low is None:
            return []
        rng = random.Random(11)
        picks = [rng.randint(low, high) for _ in range(count * 2)]
        cursor.execute(
            "SELECT value FROM customers_contactpoint WHERE kind = 'phone' AND id = ANY(%s)",
            [picks],
        )
        phones = [row[0] for row in cursor.fetchall()]
    valid = [p for p in phones if phonenumbers.is_valid_number(phonenumbers.parse(p))]
    return valid[:count]


def backend_cpu() -> dict[int, float]:
    """CPU seconds of each PostgreSQL backend serving this database but ours (same host)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        pids = [row[0] for row in cursor.fetchall()]
    return {pid: serving.cpu_seconds(pid, children=False) for pid in pids}


def _counts(since) -> dict[str, int]:
    fresh = InboundMessage.objects.filter(received_at__gte=since)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM cases_event e "
            "JOIN channels_inboundmessage i ON i.event_id = e.id "
            "WHERE i.received_at >= %s AND e.kind = 'message_in'",
            [since],
        )
        landed_events = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FROM (SELECT event_id FROM channels_inboundmessage "
            "WHERE received_at >= %s AND event_id IS NOT NULL "
            "GROUP BY event_id HAVING count(*) > 1) AS shared",
            [since],
        )
        shared_events = cursor.fetchone()[0]
    by_state = dict(fresh.values_list("state").annotate(n=Count("pk")).order_by())
    read, filed = triage_read(since)
    return {
        "read_by_triage": read,
        "filed_events": filed,
        "stored": sum(by_state.values()),
        "processed": by_state.get("processed", 0),
        "ignored": by_state.get("ignored", 0),
        "failed": by_state.get("failed", 0),
        "received": by_state.get("received", 0),
        "landed_events": landed_events,
        "events_shared_by_two_messages": shared_events,
        "new_cases": fresh.filter(route="new_case").count(),
    }


def triage_read(since) -> tuple[int, int]:
    """(filed messages of the burst that triage read, filed messages): a message is read when
    a `triaged` event names its `message_in` event (`data.message`)."""
    from filrouge.cases.models import Event

    landed = Event.objects.filter(
        kind=Event.Kind.MESSAGE_IN,
        pk__in=InboundMessage.objects.filter(received_at__gte=since, event__isnull=False).values(
            "event_id"
        ),
    )
    read = (
        Event.objects.filter(kind=Event.Kind.TRIAGED, case_id__in=landed.values("case_id"))
        .annotate(message=Cast(KeyTextTransform("message", "data"), BigIntegerField()))
        .filter(message__in=landed.values("pk"))
        .values("message")
        .distinct()
        .count()
    )
    return read, landed.count()


def commits() -> int:
    """Transactions committed in this database so far (PostgreSQL's statistics, which
    lag by up to a second: read after a pause)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"
        )
        return cursor.fetchone()[0]


def ingest(hooks, *, env, port, web_workers, threads, connections, deadline, log, write) -> dict:
    web = serving.web(port=port, env=env, log=log, workers=web_workers, threads=threads).start()
    try:
        serving.wait_until_up(port, timeout=60)
        time.sleep(1)
        commits_before = commits()
        cpu_web, cpu_db, cpu_client = (
            serving.cpu_seconds(web.pid),
            backend_cpu(),
            time.process_time(),
        )
        load_before = os.getloadavg()
        step = max(1, len(hooks) // 20)

        def progress(done: int, total: int) -> None:
            if done % step == 0:
                write(f"  {done:,}/{total:,} acknowledged")

        outcome = asyncio.run(
            burst.send(
                hooks, port=port, connections=connections, deadline=deadline, on_progress=progress
            )
        )
        cpu_db_at_end = backend_cpu()  # while the web processes still hold their connections
        cpu = {
            "web": serving.cpu_seconds(web.pid) - cpu_web,
            "postgresql": sum(v - cpu_db.get(pid, 0.0) for pid, v in cpu_db_at_end.items()),
            "load_generator": time.process_time() - cpu_client,
        }
        load_after = os.getloadavg()
        time.sleep(1)
        committed = commits() - commits_before
    finally:
        web.stop()
    latencies = outcome.latencies
    per = max(len(latencies), 1)
    return {
        "sent_requests": outcome.sent,
        "acknowledged_requests": len(latencies),
        "acknowledged_unique": len(outcome.acknowledged),
        "statuses": {str(k): v for k, v in sorted(outcome.statuses.items())},
        "resent": outcome.retried,
        "given_up": outcome.given_up,
        "seconds": round(outcome.seconds, 2),
        "ack_per_s": round(len(latencies) / outcome.seconds, 1),
        "p50_ms": round(burst.percentile(latencies, 50) * 1000, 1),
        "p99_ms": round(burst.percentile(latencies, 99) * 1000, 1),
        "max_ms": round(max(latencies, default=0) * 1000, 1),
        "cpu_seconds": {k: round(v, 1) for k, v in cpu.items()},
        # What decides the rate on free cores: CPU of each side per acknowledged request.
        "cpu_ms_per_message": {k: round(v * 1000 / per, 3) for k, v in cpu.items()},
        "transactions_committed": committed,
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in load_after],
    }, outcome.acknowledged


def drain(*, env, workers, claim, since, expected, deadline, log, write) -> dict:
    started, load_before = time.perf_counter(), os.getloadavg()
    cpu_db_before, cpu_db = backend_cpu(), {}
    children = [
        serving.worker(env=env, log=log, claim=claim, extra=["--batch"]).start()
        for _ in range(workers)
    ]
    cpu_workers = dict.fromkeys(range(workers), 0.0)
    try:
        while any(c.process.poll() is None for c in children):
            for i, child in enumerate(children):
                if child.process.poll() is None:
                    cpu_workers[i] = serving.cpu_seconds(child.pid)
            cpu_db.update(backend_cpu())  # sampled: a worker's backend ends with it
            if time.perf_counter() - started > deadline:
                write("  drain deadline reached: stopping the workers")
                break
            time.sleep(2)
            done = InboundMessage.objects.filter(received_at__gte=since).exclude(state="received")
            write(f"  {done.count():,}/{expected:,} filed")
    finally:
        for child in children:
            child.stop()
    seconds = time.perf_counter() - started
    counts = _counts(since)
    filed = counts["processed"] + counts["ignored"] + counts["failed"]
    cpu = {
        "workers": sum(cpu_workers.values()),
        "postgresql": sum(v - cpu_db_before.get(pid, 0.0) for pid, v in cpu_db.items()),
    }
    per_message = {k: 1000 * v / max(1, filed) for k, v in cpu.items()}
    return {
        "workers": workers,
        "claim": claim,
        "seconds": round(seconds, 2),
        "filed_per_s": round(filed / seconds, 1),
        "cpu_seconds": {k: round(v, 1) for k, v in cpu.items()},
        # What decides the rate on dedicated cores: CPU ms per message, workers + PostgreSQL.
        "cpu_ms_per_message": {
            **{k: round(v, 2) for k, v in per_message.items()},
            "total": round(sum(per_message.values()), 2),
        },
        "ceiling_per_s_on_2_cores": round(2000 / max(0.01, sum(per_message.values()))),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        **counts,
    }


def run(
    *,
    messages: int,
    duplicates: float,
    web_workers: int,
    threads: int,
    connections: int,
    workers: int,
    claim: int,
    deadline: float,
    drain_deadline: float,
    out_dir: Path,
    write,
) -> dict:
    require_postgresql()
    phones = senders(20_000)
    if not phones:
        raise CommandError("No customers: seed first, e.g. `filrouge demo --customers 1000000`.")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM customers_customer")
        customers = cursor.fetchone()[0]
    keys = burst.Secrets(
        sms=secrets.token_hex(16),
        sms_method="sha256",
        whatsapp=secrets.token_hex(16),
        x=secrets.token_hex(16),
    )
    write(f"Building {messages:,} signed webhooks ({len(phones):,} customers' numbers)…")
    start = (int(time.time()) % 10**6) * 10**6  # ids never seen by an earlier run
    hooks = burst.build(
        messages, phones=phones, secrets=keys, host="127.0.0.1", duplicates=duplicates, start=start
    )
    unique = {(h.channel, h.external_id) for h in hooks}
    since = timezone.now() - timedelta(seconds=1)
    # Connections kept for the whole run, so that each PostgreSQL backend's CPU is counted.
    env = serving.environ(
        database_url=serving.database_url(connection.settings_dict),
        extra={**keys.environ(), "CONN_MAX_AGE": "3600"},
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    log = out_dir / "ingest-children.log"
    info = machine()
    write(f"Ingest: gunicorn × {web_workers}, {connections} connections, no task worker running…")
    result_ingest, acknowledged = ingest(
        hooks,
        env=env,
        port=serving.free_port(),
        web_workers=web_workers,
        threads=threads,
        connections=connections,
        deadline=deadline,
        log=log,
        write=write,
    )
    stored = InboundMessage.objects.filter(received_at__gte=since).count()
    result_ingest.update(
        unique_in_burst=len(unique),
        duplicates_in_burst=len(hooks) - len(unique),
        stored_rows=stored,
        duplicates_dropped=stored == len(acknowledged),
    )
    write(f"Drain: {workers} × filrouge worker --batch (claim {claim})…")
    result_drain = drain(
        env=env,
        workers=workers,
        claim=claim,
        since=since,
        expected=stored,
        deadline=drain_deadline,
        log=log,
        write=write,
    )
    d = result_drain
    d["every_message_landed"] = (
        d["received"] == d["failed"] == d["events_shared_by_two_messages"] == 0
        and d["landed_events"] == d["processed"]
        and d["processed"] + d["ignored"] == d["stored"] == len(acknowledged)
    )
    d["every_message_read"] = d["read_by_triage"] == d["filed_events"]
    write(f"messages filed read by triage: {d['read_by_triage']:,} of {d['filed_events']:,}")
    result = {
        "date": date.today().isoformat(),  # noqa: DTZ011 (a file name, local day is right)
        "machine": info,
        "dataset": {"customers": customers, "sender_numbers": len(phones)},
        "burst": {
            "messages": messages,
            "duplicates": duplicates,
            "web_workers": web_workers,
            "threads": threads,
            "connections": connections,
            "debug": settings.DEBUG,
        },
        "ingest": result_ingest,
        "drain": result_drain,
    }
    path = out_dir / f"ingest-{result['date']}-{int(time.time())}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    result["markdown"] = markdown(result)
    path.with_suffix(".md").write_text(result["markdown"] + "\n")
    result["path"] = str(path)
    return result


def markdown(result: dict) -> str:
    m, b, i, d = result["machine"], result["burst"], result["ingest"], result["drain"]
    ceiling = d["ceiling_per_s_on_2_cores"]

    def ok(good: bool) -> str:
        return " ✅" if good else " ❌"

    server_ms = i["cpu_ms_per_message"]["web"] + i["cpu_ms_per_message"]["postgresql"]
    lines = [
        f"Measured {result['date']} on {m['nproc']} × {m['cpu']}, {m.get('ram_gb')} GB RAM, "
        f"{m['postgresql']} (shared_buffers {m['shared_buffers']}), "
        f"{result['dataset']['customers']:,} customers; {b['messages']:,} webhooks "
        f"({i['unique_in_burst']:,} unique, {i['duplicates_in_burst']:,} exact duplicates); "
        f"gunicorn × {b['web_workers']}"
        + (f" × {b['threads']} threads" if b["threads"] > 1 else " (sync)")
        + f", {b['connections']} client connections; drain by {d['workers']} workers "
        f"claiming {d['claim']} tasks at a time.",
        "",
        "| measure | value | target |",
        "|---|---:|---:|",
        f"| acknowledged messages/s | {i['ack_per_s']:,}{ok(i['ack_per_s'] >= TARGET_ACK_PER_S)}"
        f" | ≥ {TARGET_ACK_PER_S:,} |",
        f"| webhook latency p50 | {i['p50_ms']} ms | |",
        f"| webhook latency p99 | {i['p99_ms']} ms{ok(i['p99_ms'] < TARGET_P99_MS)}"
        f" | < {TARGET_P99_MS} ms |",
        f"| stored rows / unique ids acknowledged | {i['stored_rows']:,} / "
        f"{i['acknowledged_unique']:,}{ok(i['duplicates_dropped'])} | equal |",
        f"| drain: messages filed/s (end to end) | {d['filed_per_s']:,}"
        f"{ok(d['filed_per_s'] >= TARGET_DRAIN_PER_S)} | ≥ {TARGET_DRAIN_PER_S:,} |",
        f"| every unique message landed once | {d['processed']:,} processed, "
        f"{d['ignored']:,} ignored, {d['failed']:,} failed, {d['received']:,} left"
        f"{ok(d['every_message_landed'])} | all |",
        f"| messages filed read by triage | {d.get('read_by_triage', 0):,} of "
        f"{d.get('filed_events', 0):,}{ok(d.get('every_message_read', False))} | all |",
        f"| new cases opened / threaded on an open case | {d['new_cases']:,} / "
        f"{d['processed'] - d['new_cases']:,} | |",
        f"| drain: CPU per message, workers + PostgreSQL | "
        f"{d['cpu_ms_per_message']['workers']} + {d['cpu_ms_per_message']['postgresql']} = "
        f"{d['cpu_ms_per_message']['total']} ms | |",
        f"| drain: what 2 dedicated cores would file (2 s ÷ CPU per message) | "
        f"{ceiling:,}/s{ok(ceiling >= TARGET_DRAIN_PER_S)}"
        f" | ≥ {TARGET_DRAIN_PER_S:,} |",
        "",
        f"CPU per acknowledged message (ingest): web {i['cpu_ms_per_message']['web']} ms + "
        f"PostgreSQL {i['cpu_ms_per_message']['postgresql']} ms = {server_ms:.2f} ms "
        f"(≈ {2000 / max(server_ms, 0.001):,.0f} messages/s on two free cores, load generator "
        f"{i['cpu_ms_per_message']['load_generator']} ms aside); "
        f"{i['transactions_committed']:,} transactions committed for "
        f"{i['acknowledged_requests']:,} requests. Load average (1 min) "
        f"{i['load_average_before'][0]} → {i['load_average_after'][0]}.",
        "",
        f"CPU seconds — ingest: web {i['cpu_seconds']['web']}, PostgreSQL "
        f"{i['cpu_seconds']['postgresql']}, load generator {i['cpu_seconds']['load_generator']} "
        f"for {i['acknowledged_requests']:,} requests in {i['seconds']} s; drain: workers "
        f"{d['cpu_seconds']['workers']}, PostgreSQL {d['cpu_seconds']['postgresql']} for "
        f"{d['stored']:,} messages in {d['seconds']} s. Load average (1 min) "
        f"{i['load_average_before'][0]} → {i['load_average_after'][0]} during the ingest, "
        f"{d['load_average_before'][0]} → {d['load_average_after'][0]} during the drain.",
    ]
    return "\n".join(lines)


__all__ = ["run"]
