"""`filrouge bench tmf`: the TMF621 API against gunicorn on loopback, on PostgreSQL.

1. **List.** `GET /troubleTicket?status=held&limit=100` with an operator system's
   token (every held case: the count and a page of 100 full tickets), from
   `--clients` keep-alive connections, `--gets` requests. Target: p95 < 80 ms.
2. **Create.** `POST /troubleTicket` with a partner's key (each ticket a new case
   on the partner's file, entrusted to it, announced to its listeners), `--posts`
   requests. Targets: ≥ 300/s, p99 < 200 ms.

Reuses the seeded database of `filrouge bench pages` (or seeds `--customers` with
the same generator). The machine is shared, so beside wall-clock figures it
reports CPU seconds per request of the web processes and of the PostgreSQL
backends, with the load average. Bounded in count and time; loopback only.
"""

import http.client
import json
import threading
import time
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from filrouge.accounts.models import Agent
from filrouge.accounts.tokens import create_api_token
from filrouge.cases.models import Case
from filrouge.core import serving
from filrouge.core.management.commands.bench import Bench
from filrouge.core.management.ingestbench import backend_cpu
from filrouge.core.management.pagebench import require_postgresql, seed
from filrouge.partners.models import Partner
from filrouge.partners.services import add_partner

BASE = "/tmf-api/troubleTicket/v5"
TICKET = {
    "description": "Coupure fibre signalée par le bench",
    "severity": "Major",
    "ticketType": "outage",
    "externalIdentifier": [{"id": "BENCH"}],
}


def add_arguments(parser) -> None:
    parser.add_argument("--customers", type=int, default=1_000_000, help="Seed size if empty.")
    parser.add_argument("--gets", type=int, default=600)
    parser.add_argument("--posts", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=8, help="Concurrent connections.")
    parser.add_argument(
        "--web-workers", type=int, default=4, help="gunicorn processes (2 per core)."
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="Threads per process: 1 is gunicorn's sync workers, the API pool's "
        "(docs/ARCHITECTURE.md, Processes); 16 is the webhooks' gthread pool.",
    )
    parser.add_argument("--deadline", type=float, default=150.0, help="Seconds, whole run.")
    parser.add_argument("--results", default="bench/results")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def _hammer(port, requests, *, clients, method, path, body, token, deadline) -> dict:
    """`requests` calls from `clients` keep-alive connections; latencies and statuses."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    remaining = [requests]
    payload = json.dumps(body).encode() if body is not None else None
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < deadline:
            with lock:
                if remaining[0] <= 0:
                    break
                remaining[0] -= 1
            started = time.perf_counter()
            conn.request(method, path, body=payload, headers=headers)
            answer = conn.getresponse()
            answer.read()
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                statuses[answer.status] = statuses.get(answer.status, 0) + 1
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    return {"latencies": latencies, "statuses": statuses, "wall": wall}


def _phase(name, web, port, *, write, **options) -> dict:
    load_before = Path("/proc/loadavg").read_text().split()[:3]
    cpu_web, cpu_db, cpu_client = serving.cpu_seconds(web.pid), backend_cpu(), time.process_time()
    outcome = _hammer(port, **options)
    cpu_db_after = backend_cpu()
    done = len(outcome["latencies"])
    ms = [v * 1000 for v in outcome["latencies"]]
    web_cpu = serving.cpu_seconds(web.pid) - cpu_web
    db_cpu = sum(v - cpu_db.get(pid, 0.0) for pid, v in cpu_db_after.items())
    result = {
        "requests": done,
        "statuses": outcome["statuses"],
        "per_second": round(done / outcome["wall"], 1),
        "p50_ms": round(percentile(ms, 50), 1),
        "p95_ms": round(percentile(ms, 95), 1),
        "p99_ms": round(percentile(ms, 99), 1),
        "cpu_ms_per_request": {
            "web": round(web_cpu * 1000 / max(done, 1), 2),
            "postgresql": round(db_cpu * 1000 / max(done, 1), 2),
            "load_generator": round((time.process_time() - cpu_client) * 1000 / max(done, 1), 2),
        },
        "loadavg_before": load_before,
        "loadavg_after": Path("/proc/loadavg").read_text().split()[:3],
    }
    write(f"{name}: {json.dumps(result)}")
    return result


def _credentials() -> tuple[str, str]:
    agent = Agent.objects.filter(is_active=True).order_by("pk").first()
    if agent is None:
        raise CommandError("No agent in this database: seed it first.")
    _token, agent_token = create_api_token(agent, name="bench tmf")
    Partner.objects.filter(name__startswith="Bench TMF").update(is_active=False)
    _partner, partner_key = add_partner(f"Bench TMF {int(time.time())}")
    return agent_token, partner_key


def run(options: dict, write) -> bool:
    require_postgresql()
    call_command("migrate", verbosity=0)
    if not Case.objects.exists():
        seed(customers=options["customers"], cases_per_customer=2.0, write=write)
    held = Case.objects.filter(status="held").count()
    if held < 100:
        raise CommandError(f"Only {held} held cases: seed a bigger data set first.")
    write(f"{Case.objects.count():,} cases, {held:,} held.")
    agent_token, partner_key = _credentials()
    env = serving.environ(
        database_url=serving.database_url(connection.settings_dict),
        extra={"CONN_MAX_AGE": "3600", "TMF_RATE_LIMIT_PER_MINUTE": "100000000"},
    )
    out = Path(options["results"])
    out.mkdir(parents=True, exist_ok=True)
    port = serving.free_port()
    web = serving.web(
        port=port,
        env=env,
        log=out / "tmf-children.log",
        workers=options["web_workers"],
        threads=options["threads"],
    ).start()
    deadline = time.monotonic() + options["deadline"]
    try:
        serving.wait_until_up(port)
        common = {"clients": options["clients"], "deadline": deadline}
        # Warm-up: each web process connects and imports everything once.
        _hammer(
            port,
            20,
            method="GET",
            path=f"{BASE}/troubleTicket?limit=1",
            body=None,
            token=agent_token,
            **common,
        )
        listing = _phase(
            "GET /troubleTicket?status=held&limit=100",
            web,
            port,
            write=write,
            requests=options["gets"],
            method="GET",
            path=f"{BASE}/troubleTicket?status=held&limit=100",
            body=None,
            token=agent_token,
            **common,
        )
        creating = _phase(
            "POST /troubleTicket",
            web,
            port,
            write=write,
            requests=options["posts"],
            method="POST",
            path=f"{BASE}/troubleTicket",
            body=TICKET,
            token=partner_key,
            **common,
        )
    finally:
        web.stop()
    result = {
        "cases": Case.objects.count(),
        "held": held,
        "web": {"workers": options["web_workers"], "threads": options["threads"]},
        "list": listing,
        "create": creating,
    }
    (out / "tmf.json").write_text(json.dumps(result, indent=2))
    met = (
        listing["p95_ms"] < 80
        and creating["per_second"] >= 300
        and creating["p99_ms"] < 200
        and set(listing["statuses"]) == {200}
        and set(creating["statuses"]) == {201}
    )
    write(("Targets met." if met else "Targets NOT met.") + f" Results in {out / 'tmf.json'}")
    return met


BENCHES = {
    "tmf": Bench(
        help="TMF621 API: list held tickets (p95 < 80 ms), create tickets (≥ 300/s, p99 < 200 ms).",
        add_arguments=add_arguments,
        run=run,
    )
}
