"""`filrouge bench pages`: the agent console's hot pages over a PostgreSQL of operator size.

Seeds (or reuses) at least 1 M customers, 2 M cases and 10 M timeline events
with the demo generator (PostgreSQL COPY, indexes built once at the end), then
times each page server-side through Django's test client, in process, logged
in as an advisor with a realistic load, and counts the SQL queries per page.
Run by hand (see bench/README.md); never part of the test suite.
"""

import json
import os
import platform
import random
import statistics
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import django
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext

from filrouge.accounts.models import Agent
from filrouge.cases import selectors
from filrouge.cases.models import ACTIVE_STATUSES, OPEN_STATUSES, Case, Event
from filrouge.core.demo import Options, load
from filrouge.core.demo.staff import agent_by_email, agent_count, demo_password, ensure_staff
from filrouge.customers.models import Customer
from filrouge.customers.normalise import format_phone
from filrouge.customers.selectors import search_customers
from filrouge.portal.links import tracking_path

TARGETS_MS = {
    "case": 50,
    "case_long": 50,
    "queue": 80,
    "search_phone": 150,
    "search_name": 150,
    "tracking": 30,
    "tracking_long": 30,
}


@dataclass
class Measure:
    name: str
    url: str
    samples_ms: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    timeline_lengths: list[int] = field(default_factory=list)
    target_ms: float | None = None

    def summary(self) -> dict:
        ordered = sorted(self.samples_ms)

        def pct(p: float) -> float:
            return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))], 2)

        return {
            "name": self.name,
            "url": self.url,
            "requests": len(ordered),
            "p50_ms": pct(0.50),
            "p95_ms": pct(0.95),
            "p99_ms": pct(0.99),
            "mean_ms": round(statistics.fmean(ordered), 2),
            "max_ms": round(ordered[-1], 2),
            "queries_min": min(self.queries, default=0),
            "queries_max": max(self.queries, default=0),
            "timeline_events_min": min(self.timeline_lengths, default=None),
            "timeline_events_max": max(self.timeline_lengths, default=None),
            "target_p95_ms": self.target_ms,
            "meets_target": None if self.target_ms is None else pct(0.95) < self.target_ms,
        }


def require_postgresql() -> None:
    if connection.vendor != "postgresql":
        raise CommandError(
            "The page benchmark runs on PostgreSQL only (SQLite is the embedded demo database). "
            "Set DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/filrouge_bench"
        )


def counts() -> dict[str, int]:
    return {
        "customers": Customer.objects.count(),
        "cases": Case.objects.count(),
        "events": Event.objects.count(),
    }


def seed(*, customers: int, cases_per_customer: float, write: Callable[[str], None]) -> dict:
    """Reuse the database if it is big enough; else load it (one transaction, COPY)."""
    require_postgresql()
    call_command("migrate", verbosity=0)
    have = counts()
    wanted = {
        "customers": customers,
        "cases": int(customers * cases_per_customer),
        "events": int(customers * cases_per_customer * 5),
    }
    if all(have[k] >= v for k, v in wanted.items()):
        write(f"Reusing the seeded database: {have}")
        return have
    if have["customers"]:
        raise CommandError(
            f"The database holds {have} — less than {wanted}. Drop and recreate it "
            "(dropdb filrouge_bench; createdb filrouge_bench) and run again."
        )
    write(f"Seeding {customers:,} customers (PostgreSQL COPY)…")
    started = time.monotonic()
    options = Options(
        customers=customers,
        cases_per_customer=cases_per_customer,
        saga_share=0.0005,  # ~1,000 cases with 150–450 events: the long timelines
        saga_rounds=(50, 150),
        batch=50_000,
    )
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
            cursor.execute("SET LOCAL synchronous_commit = off")
            # The generator writes consistent rows; checking 60 M foreign keys
            # one by one would double the load time (bulk-load practice).
            cursor.execute("SET LOCAL session_replication_role = replica")
        staff = ensure_staff(agents=agent_count(customers), password=demo_password(create=True))
        agents = {f"agent{n}": agent_by_email(staff, f"agent{n}@demo.example") for n in (1, 2)}
        load(options, staff, agents)
    write(f"Seeded in {time.monotonic() - started:.0f} s; ANALYZE…")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return counts()


def machine() -> dict:
    info = {"nproc": os.cpu_count(), "python": platform.python_version()}
    info["django"] = django.get_version()
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    models = [
        line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if "model name" in line
    ]
    info["cpu"] = models[0] if models else platform.processor()
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    for line in meminfo.splitlines():
        if line.startswith("MemTotal"):
            info["ram_gb"] = round(int(line.split()[1]) / 1024 / 1024, 1)
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        info["postgresql"] = cursor.fetchone()[0].split(" on ")[0]
        cursor.execute("SHOW shared_buffers")
        info["shared_buffers"] = cursor.fetchone()[0]
    load_avg = os.getloadavg()
    info["load_average_at_start"] = [round(x, 2) for x in load_avg]
    try:
        info["git_commit"] = subprocess.run(  # noqa: S603
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        info["git_commit"] = ""
    return info


def _time(measure: Measure, call: Callable[[], object], *, capture: bool = False) -> None:
    if capture:
        with CaptureQueriesContext(connection) as queries:
            call()
        measure.queries.append(len(queries))
        return
    started = time.perf_counter()
    call()
    measure.samples_ms.append((time.perf_counter() - started) * 1000)


def samples(rng: random.Random, requests: int) -> dict[str, list]:
    """What to ask for: random cases, the longest timelines, real phones and name prefixes."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id) FROM cases_case")
        low, high = cursor.fetchone()
        ids = [rng.randint(low, high) for _ in range(requests * 2)]
        cursor.execute("SELECT reference, id FROM cases_case WHERE id = ANY(%s)", [ids])
        cases = cursor.fetchall()[:requests]
        # The longest timelines, by the case version (one step per event or so).
        cursor.execute("SELECT reference, id FROM cases_case ORDER BY version DESC LIMIT 50")
        long_cases = cursor.fetchall()
        # What customers follow: cases not finished (a finished case's link expires).
        following = [s.value for s in OPEN_STATUSES]
        cursor.execute(
            "SELECT reference, id FROM cases_case WHERE id = ANY(%s) AND status = ANY(%s)",
            [ids, following],
        )
        tracked = cursor.fetchall()[:requests]
        cursor.execute(
            "SELECT reference, id FROM cases_case WHERE status = ANY(%s)"
            " ORDER BY version DESC LIMIT 50",
            [following],
        )
        tracked_long = cursor.fetchall()
        cursor.execute("SELECT min(id), max(id) FROM customers_customer")
        low, high = cursor.fetchone()
        picks = [rng.randint(low, high) for _ in range(requests * 2)]
        cursor.execute(
            "SELECT value FROM customers_contactpoint WHERE kind = 'phone'"
            " AND customer_id = ANY(%s)",
            [picks],
        )
        phones = [format_phone(v) for (v,) in cursor.fetchall()][:requests]
        cursor.execute(
            "SELECT last_name FROM customers_customer WHERE id = ANY(%s)", [picks[:requests]]
        )
        names = [n[: rng.randint(3, 6)].lower() for (n,) in cursor.fetchall()]
    lengths = dict(
        Event.objects.filter(
            case_id__in=[i for _, i in cases + long_cases + tracked + tracked_long]
        )
        .values_list("case_id")
        .annotate(n=Count("id"))
        .values_list("case_id", "n")
    )
    return {
        "cases": cases,
        "long": long_cases,
        "tracked": tracked,
        "tracked_long": tracked_long,
        "phones": phones,
        "names": names,
        "len": lengths,
    }


def measure_pages(agent: Agent, picked: dict, requests: int, rng) -> list[Measure]:
    advisor = Client(HTTP_HOST="127.0.0.1")
    advisor.force_login(agent)
    customer = Client(HTTP_HOST="127.0.0.1")  # the tracking page: no account, a link
    lengths = picked["len"]
    links = {
        pk: tracking_path(case)
        for pk, case in Case.objects.in_bulk(
            [i for _, i in picked["tracked"] + picked["tracked_long"]]
        ).items()
    }
    plan = [
        ("case", "/agent/dossiers/<ref>/", [f"/agent/dossiers/{r}/" for r, _ in picked["cases"]],
         [lengths.get(i, 0) for _, i in picked["cases"]]),
        ("case_long", "/agent/dossiers/<ref>/ (longest timelines)",
         [f"/agent/dossiers/{r}/" for r, _ in picked["long"]],
         [lengths.get(i, 0) for _, i in picked["long"]]),
        ("queue", "/agent/?queue=mine", ["/agent/?queue=mine"], []),
        ("search_phone", "/agent/recherche/?q=<phone>",
         [f"/agent/recherche/?q={p}" for p in picked["phones"]], []),
        ("search_name", "/agent/recherche/?q=<name prefix>",
         [f"/agent/recherche/?q={n}" for n in picked["names"]], []),
        ("tracking", "/suivi/<ref>/?t=<token> (customer)",
         [links[i] for _, i in picked["tracked"]],
         [lengths.get(i, 0) for _, i in picked["tracked"]]),
        ("tracking_long", "/suivi/<ref>/?t=<token> (longest timelines)",
         [links[i] for _, i in picked["tracked_long"]],
         [lengths.get(i, 0) for _, i in picked["tracked_long"]]),
    ]  # fmt: skip
    results = []
    for name, label, urls, timeline_lengths in plan:
        measure = Measure(name, label, target_ms=TARGETS_MS[name])
        measure.timeline_lengths = timeline_lengths

        client = customer if name.startswith("tracking") else advisor

        def get(url: str, client: Client = client) -> None:
            response = client.get(url)
            if response.status_code != 200:
                raise CommandError(f"{url} answered {response.status_code}")

        for url in urls[:10]:  # warm-up: caches, first compilation of templates
            get(url)
        for n in range(max(requests, len(urls))):
            url = urls[n % len(urls)]
            _time(measure, lambda url=url: get(url))
        for url in urls[:20] + ([urls[-1]] if urls else []):
            _time(measure, lambda url=url: get(url), capture=True)
        results.append(measure)
    return results


def measure_selectors(agent: Agent, picked: dict, requests: int) -> list[Measure]:
    """The same reads without HTTP and templates: what the database side costs."""

    def case(reference: str) -> None:
        found = selectors.case_by_reference(reference)
        selectors.case_header(found)
        list(selectors.timeline(found))

    plan = [
        ("sel_case", [lambda r=r: case(r) for r, _ in picked["cases"]]),
        ("sel_case_long", [lambda r=r: case(r) for r, _ in picked["long"]]),
        ("sel_queue", [lambda: selectors.queue(agent, "mine")]),
        ("sel_search_phone", [lambda p=p: list(search_customers(p)) for p in picked["phones"]]),
        ("sel_search_name", [lambda n=n: list(search_customers(n)) for n in picked["names"]]),
    ]
    results = []
    for name, calls in plan:
        measure = Measure(name, name.removeprefix("sel_"))
        for n in range(max(requests, len(calls))):
            _time(measure, calls[n % len(calls)])
        for call in calls[:10]:
            _time(measure, call, capture=True)
        results.append(measure)
    return results


def bench_agent() -> tuple[Agent, int]:
    agent = Agent.objects.get(email="agent1@demo.example")
    active = Case.objects.filter(owner=agent, status__in=ACTIVE_STATUSES).count()
    return agent, active


def markdown(result: dict) -> str:
    m, d = result["machine"], result["dataset"]
    lines = [
        f"Measured {result['date']} on {m['nproc']} × {m['cpu']}, {m.get('ram_gb')} GB RAM, "
        f"{m['postgresql']} (shared_buffers {m['shared_buffers']}); "
        f"{d['customers']:,} customers, {d['cases']:,} cases, {d['events']:,} events; "
        f"as `{result['agent']['email']}` ({result['agent']['active_cases']} active cases, "
        f"{result['agent']['owned_cases']} owned in all). Server-side, in process "
        "(Django test client), DEBUG off.",
        "",
        "| page | requests | p50 ms | p95 ms | target p95 | SQL queries | timeline events |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for page in result["pages"] + result["selectors"]:
        queries = (
            str(page["queries_min"])
            if page["queries_min"] == page["queries_max"]
            else f"{page['queries_min']}–{page['queries_max']}"
        )
        events = ""
        if page["timeline_events_min"] is not None:
            events = f"{page['timeline_events_min']}–{page['timeline_events_max']}"
        target = f"< {page['target_p95_ms']}" if page["target_p95_ms"] else ""
        ok = {True: " ✅", False: " ❌", None: ""}[page["meets_target"]]
        lines.append(
            f"| {page['url']} | {page['requests']} | {page['p50_ms']} | {page['p95_ms']}{ok} "
            f"| {target} | {queries} | {events} |"
        )
    return "\n".join(lines)


def run(*, customers: int, cases_per_customer: float, requests: int, out_dir: Path, write) -> dict:
    if settings.DEBUG:
        write("Warning: DEBUG is on; figures are pessimistic (every query is recorded).")
    data = seed(customers=customers, cases_per_customer=cases_per_customer, write=write)
    agent, active = bench_agent()
    rng = random.Random(7)
    picked = samples(rng, requests)
    write(f"Measuring {requests} requests per page as {agent.email} ({active} active cases)…")
    pages = [m.summary() for m in measure_pages(agent, picked, requests, rng)]
    sel = [m.summary() for m in measure_selectors(agent, picked, requests)]
    result = {
        "date": date.today().isoformat(),  # noqa: DTZ011 (a file name, local day is right)
        "machine": machine(),
        "dataset": data,
        "agent": {
            "email": agent.email,
            "active_cases": active,
            "owned_cases": Case.objects.filter(owner=agent).count(),
        },
        "pages": pages,
        "selectors": sel,
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"pages-{result['date']}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    result["markdown"] = markdown(result)
    (out_dir / f"pages-{result['date']}.md").write_text(result["markdown"] + "\n")
    result["path"] = str(path)
    return result


__all__ = ["run"]
