"""`filrouge bench status`: the public status page in a storm, against gunicorn on loopback.

1. **Data.** A network of `--communes` communes (an NRO and two PMs each, every
   element serving its commune), `--incidents` open incidents with three public
   updates each and two planned works — made once through the incidents'
   services, reused by later runs (codes `SPB-…`).
2. **Storm.** gunicorn serves `filrouge.wsgi` (the fast path in front of Django)
   with `--web-workers` processes; `wrk` (Debian's package: `apt-get install
   wrk`), else this package's asyncio client (`loadgen.py`), sends GETs to
   `/etat-du-reseau/`, `/status/` and `/etat-du-reseau/summary.json` in turn over
   `--connections` connections for `--seconds`, with `Accept-Encoding: gzip` as
   browsers do. Reported: requests/s, p50/p99/max latency, non-2xx answers, and
   CPU seconds per request of the web processes, of PostgreSQL's backends and of
   the load generator, with the load average — on a shared machine, CPU per
   request says more than wall throughput.
3. **Freshness.** An update is published while the server runs; reported: the
   time until 30 consecutive fresh-connection reads of summary.json (spread over
   the workers) all carry it — every process noticed.

Targets: ≥ 3,000 requests/s, p99 < 50 ms, and every process fresh within 2 s.
Bounded in time (`--seconds`) and requests (`--max-requests`); loopback only.
"""

import asyncio
import http.client
import json
import os
import re
import resource
import shutil
import subprocess
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from django.db import connection

from filrouge.core import serving
from filrouge.core.clock import now
from filrouge.core.management.commands.bench import Bench
from filrouge.incidents.models import Incident
from filrouge.incidents.services import declare_incident, post_update
from filrouge.network.models import Area, NetworkElement
from filrouge.network.services import add_element

TARGET_RPS, TARGET_P99_MS, TARGET_FRESH_S = 3000, 50, 2.0
PATHS = ["/etat-du-reseau/", "/status/", "/etat-du-reseau/summary.json"]

WRK_SCRIPT = """
local paths = {"/etat-du-reseau/", "/status/", "/etat-du-reseau/summary.json"}
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i], {["Accept-Encoding"] = "gzip"})
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "JSON {\\"requests\\":%d,\\"duration_us\\":%d,\\"p50_us\\":%d,\\"p99_us\\":%d,\\"max_us\\":%d,"
    .. "\\"status_errors\\":%d,\\"socket_errors\\":%d}\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, e.status, e.connect + e.read + e.write + e.timeout))
end
"""


def add_arguments(parser) -> None:
    parser.add_argument("--communes", type=int, default=300)
    parser.add_argument("--incidents", type=int, default=12)
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn processes.")
    parser.add_argument("--threads", type=int, default=4, help="> 1: gthread (keep-alive).")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--max-requests", type=int, default=1_000_000, help="Python client cap.")
    parser.add_argument("--client", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--results", default="bench/results")


def seed(communes: int, incidents: int, write) -> dict:
    """The bench's network and incidents, made once (codes SPB-…)."""
    have = NetworkElement.objects.filter(code__startswith="SPB-NRO-").count()
    pms = []
    for n in range(have, communes):
        area = Area.objects.create(
            postcode=f"{10000 + n * 7:05d}"[:5], commune=f"Bancville-{n + 1:03d}", insee_code=""
        )
        nro = add_element(kind="nro", code=f"SPB-NRO-{n + 1:03d}", areas=[area])
        for k in (1, 2):
            add_element(kind="pm", code=f"SPB-PM-{n + 1:03d}-{k}", parent=nro, areas=[area])
    if have < communes:
        write(f"  {communes - have} communes added")
    pms = list(NetworkElement.objects.filter(code__startswith="SPB-PM-").order_by("code"))
    open_now = Incident.objects.filter(title__startswith="[bench]").exclude(
        status__in=["resolved", "completed"]
    )
    for n in range(open_now.count(), incidents):
        pm = pms[(n * 37) % len(pms)]
        incident = declare_incident(
            title=f"[bench] Coupure fibre {pm.code}",
            elements=[pm],
            text="Un câble est endommagé. Nos techniciens sont en route.",
            impact=["minor", "major", "critical"][n % 3],
        )
        post_update(incident, text="Le défaut est localisé.", status="identified")
        post_update(
            incident,
            text="Soudures en cours.",
            status="identified",
            eta=now() + timedelta(hours=6),
        )
    if not Incident.objects.filter(title__startswith="[bench] Travaux").exists():
        for pm in pms[1:3]:
            declare_incident(
                title=f"[bench] Travaux {pm.code}",
                elements=[pm],
                text="Coupures brèves entre 2 h et 4 h.",
                kind="maintenance",
                impact="minor",
                scheduled_until=now() + timedelta(days=2),
            )
    return {
        "communes": Area.objects.values("commune").distinct().count(),
        "open_incidents": Incident.objects.exclude(status__in=["resolved", "completed"]).count(),
    }


def _backend_cpu() -> dict[int, float]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        pids = [row[0] for row in cursor.fetchall()]
    return {pid: serving.cpu_seconds(pid, children=False) for pid in pids}


def _wrk(port: int, o: dict) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    args = ["wrk", "-t", "1", "-c", str(o["connections"]), "-d", f"{int(o['seconds'])}s"]
    args += ["--timeout", "5s", "-s", script.name, f"http://127.0.0.1:{port}/"]
    done = subprocess.run(  # noqa: S603 - Debian's wrk, our own arguments
        args, capture_output=True, text=True, timeout=o["seconds"] + 60, check=True
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    os.unlink(script.name)
    found = json.loads(re.search(r"^JSON (.*)$", done.stdout, re.M).group(1))
    seconds = found["duration_us"] / 1e6
    return {
        "client": "wrk",
        "requests": found["requests"],
        "seconds": round(seconds, 2),
        "p50_ms": found["p50_us"] / 1000,
        "p99_ms": found["p99_us"] / 1000,
        "max_ms": found["max_us"] / 1000,
        "non_2xx": found["status_errors"],
        "socket_errors": found["socket_errors"],
        "client_cpu": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
    }


def _python(port: int, o: dict) -> dict:
    from filrouge.statuspage import loadgen

    cpu = time.process_time()
    out = asyncio.run(
        loadgen.run(
            port=port,
            paths=PATHS,
            connections=o["connections"],
            seconds=o["seconds"],
            max_requests=o["max_requests"],
        )
    )
    ok = sum(n for status, n in out.statuses.items() if 200 <= status < 400)
    return {
        "client": "python",
        "requests": len(out.latencies),
        "seconds": round(out.seconds, 2),
        "p50_ms": round(loadgen.percentile(out.latencies, 50) * 1000, 2),
        "p99_ms": round(loadgen.percentile(out.latencies, 99) * 1000, 2),
        "max_ms": round(max(out.latencies, default=0) * 1000, 2),
        "non_2xx": len(out.latencies) - ok,
        "socket_errors": out.errors,
        "client_cpu": time.process_time() - cpu,
    }


def _freshness(port: int, marker: str, timeout: float = 10.0) -> float | None:
    """Seconds until 30 reads in a row (new connections) carry `marker`; None if never."""
    started, streak = time.perf_counter(), 0
    while time.perf_counter() - started < timeout:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", "/etat-du-reseau/summary.json")
        body = conn.getresponse().read().decode()
        conn.close()
        streak = streak + 1 if marker in body else 0
        if streak >= 30:
            return time.perf_counter() - started
    return None


def run(o: dict, write) -> bool:
    write(f"Data: {o['communes']} communes, {o['incidents']} open incidents…")
    dataset = seed(o["communes"], o["incidents"], write)
    client = o["client"]
    if client == "auto":
        client = "wrk" if shutil.which("wrk") else "python"
    postgres = connection.vendor == "postgresql"
    env = serving.environ(
        database_url=serving.database_url(connection.settings_dict),
        extra={"CONN_MAX_AGE": "3600"},
    )
    out_dir = Path(o["results"])
    out_dir.mkdir(parents=True, exist_ok=True)
    port = serving.free_port()
    web = serving.web(
        port=port,
        env=env,
        log=out_dir / "status-children.log",
        workers=o["web_workers"],
        threads=o["threads"],
    ).start()
    try:
        serving.wait_until_up(port, timeout=60)
        for _ in range(20 * o["web_workers"]):  # every process builds its snapshot first
            for path in PATHS:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                c.request("GET", path)
                c.getresponse().read()
                c.close()
        write(
            f"Storm: {client}, {o['connections']} connections, {o['seconds']:.0f} s, "
            f"gunicorn × {o['web_workers']}"
            + (f" × {o['threads']} threads" if o["threads"] > 1 else " (sync)")
        )
        load_before = os.getloadavg()
        cpu_web, cpu_db = serving.cpu_seconds(web.pid), _backend_cpu() if postgres else {}
        storm = (_wrk if client == "wrk" else _python)(port, o)
        cpu_web = serving.cpu_seconds(web.pid) - cpu_web
        cpu_db_after = _backend_cpu() if postgres else {}
        cpu_pg = sum(v - cpu_db.get(pid, 0.0) for pid, v in cpu_db_after.items())
        load_after = os.getloadavg()
        marker = f"Mise à jour du banc {time.time():.0f}"
        incident = (
            Incident.objects.filter(title__startswith="[bench] Coupure")
            .exclude(status__in=["resolved", "completed"])
            .first()
        )
        post_update(incident, text=marker, status="identified")  # committed on return
        fresh_s = _freshness(port, marker)
    finally:
        web.stop()
    n = max(1, storm["requests"])
    result = {
        "dataset": dataset,
        "server": {"web_workers": o["web_workers"], "threads": o["threads"]},
        "storm": {
            **{k: v for k, v in storm.items() if k != "client_cpu"},
            "connections": o["connections"],
            "requests_per_s": round(storm["requests"] / storm["seconds"], 1),
            "cpu_ms_per_request": {
                "web": round(cpu_web / n * 1000, 4),
                "postgresql": round(cpu_pg / n * 1000, 4) if postgres else None,
                "load_generator": round(storm["client_cpu"] / n * 1000, 4),
            },
            "cpu_seconds": {
                "web": round(cpu_web, 2),
                "postgresql": round(cpu_pg, 2),
                "load_generator": round(storm["client_cpu"], 2),
            },
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in load_after],
        },
        "fresh_everywhere_after_s": None if fresh_s is None else round(fresh_s, 2),
    }
    s = result["storm"]
    passed = (
        s["requests_per_s"] >= TARGET_RPS
        and s["p99_ms"] < TARGET_P99_MS
        and s["non_2xx"] == 0
        and fresh_s is not None
        and fresh_s <= TARGET_FRESH_S
    )
    result["passed"] = passed
    path = out_dir / f"status-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    write(json.dumps(result, indent=2, ensure_ascii=False))
    write(f"Results written to {path}")
    return passed


BENCHES = {
    "status": Bench(
        "The public status page in a storm: requests/s, p99, CPU per request, freshness.",
        add_arguments,
        run,
    )
}
