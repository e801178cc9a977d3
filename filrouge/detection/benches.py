"""`filrouge bench detector`: false alarms over a day, outages caught, reports counted a second.

On a scratch database (it leaves its network, customers and cases behind):

1. A network of `--cables` fibre cables (10 a PM, 40 PMs an NRO) and a background
   of outage reports per cable drawn from a gamma distribution (some cables are
   busier than others) following a daily shape (few at night, morning and evening
   peaks) — a smooth curve of its own, not the detector's configured profile.
2. The detector's state after `--warm-days` of that background: the history is
   pushed through the detector's own arithmetic (`engine.add`), in memory, and the
   loads it learned are written as rows — what a week of running would leave.
3. (a)+(b) One simulated day: `--contacts` contacts, of which `--outage-share`
   are outage reports (the others are filed without reaching the detector), plus
   `--outages` cable outages at random times between 7:00 and 22:00 (Paris), each
   reported by 4 to 12 of the cable's customers within minutes (exponential
   delays, mean 15 min). Every report goes through `services.record_reports`, in
   batches of 10 simulated seconds, as the filing worker would send them; a
   suspicion's time is its simulated time. Counted: false suspicions (about no
   outage: not on an outage's path, or raised before its first report or more than
   the longest window after its last), outages raised on their cable, and the delay
   from each outage's 3rd report to its suspicion.
4. (c) Throughput: `--burst` reports from as many customers spread over every
   cable within 4 simulated hours (a heavy storm day), in batches of `--batch`,
   timed by CPU: this process plus the PostgreSQL backend serving it (read from
   /proc), and by the wall clock.
"""

import math
import os
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.core.management import call_command
from django.db import connection, transaction

from filrouge.cases.models import Case, Intent
from filrouge.core.management.commands.bench import Bench
from filrouge.customers.models import Customer, Line
from filrouge.detection import engine
from filrouge.detection.conf import params
from filrouge.detection.models import ElementLoad, Suspicion
from filrouge.detection.services import Report, record_reports
from filrouge.network.models import NetworkElement

CABLES_PER_PM, PMS_PER_NRO, HOMES_PER_CABLE = 10, 40, 24
T0 = datetime(2026, 3, 3, 0, 0, tzinfo=engine.PARIS)  # a Tuesday, midnight in Paris
SLICE = 10.0  # seconds of simulated time per batch during the day


def curve(hour: float) -> float:
    """The bench's daily shape of outage reports (not the detector's table)."""
    return (
        0.15
        + 1.0 * math.exp(-(((hour - 10.5) / 3.0) ** 2))
        + 0.6 * math.exp(-(((hour - 14.0) / 3.0) ** 2))
        + 1.1 * math.exp(-(((hour - 18.5) / 2.5) ** 2))
    )


CURVE_MEAN = sum(curve(h + 0.5) for h in range(24)) / 24


def _poisson(rng: random.Random, lam: float) -> int:
    limit, k, product = math.exp(-lam), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def background(rng: random.Random, rates: list[float], start: float, days: int) -> list:
    """(time, cable index) of the background reports, hour by hour along the curve."""
    events = []
    for hour in range(days * 24):
        at = start + hour * 3600
        local = datetime.fromtimestamp(at + 1800, engine.PARIS).hour + 0.5
        weight = curve(local) / CURVE_MEAN / 24
        for cable, per_day in enumerate(rates):
            for _n in range(_poisson(rng, per_day * weight)):
                events.append((at + rng.random() * 3600, cable))
    events.sort()
    return events


@dataclass
class World:
    stamp: str
    cables: list[int]  # element ids
    paths: list[list[int]]  # cable index → [nro, pm, cable] ids
    rates: list[float]
    next_customer: int = 0
    made: dict = field(default_factory=dict)


def build_network(cables: int, stamp: str) -> World:
    pms = math.ceil(cables / CABLES_PER_PM)
    nros = math.ceil(pms / PMS_PER_NRO)
    make = NetworkElement.objects.bulk_create
    nro_rows = make(
        [NetworkElement(kind="nro", code=f"BD{stamp}-N{n}") for n in range(nros)], batch_size=2000
    )
    pm_rows = make(
        [
            NetworkElement(kind="pm", code=f"BD{stamp}-P{n}", parent=nro_rows[n // PMS_PER_NRO])
            for n in range(pms)
        ],
        batch_size=2000,
    )
    cable_rows = make(
        [
            NetworkElement(kind="cable", code=f"BD{stamp}-C{n}", parent=pm_rows[n // CABLES_PER_PM])
            for n in range(cables)
        ],
        batch_size=2000,
    )
    for row in nro_rows:
        row.path = f"/{row.pk}/"
    for row in pm_rows:
        row.path = f"/{row.parent_id}/{row.pk}/"
    paths = []
    pm_parent = {pm.pk: pm.parent_id for pm in pm_rows}
    for row in cable_rows:
        ids = [pm_parent[row.parent_id], row.parent_id, row.pk]
        row.path = "".join(f"/{i}" for i in ids) + "/"
        paths.append(ids)
    _set_paths([*nro_rows, *pm_rows, *cable_rows])
    return World(stamp, [c.pk for c in cable_rows], paths, [])


def _set_paths(rows: list[NetworkElement]) -> None:
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 2000):
            chunk = rows[start : start + 2000]
            values = ", ".join(["(%s, %s)"] * len(chunk))
            args = [v for r in chunk for v in (r.pk, r.path)]
            table = NetworkElement._meta.db_table
            cursor.execute(
                f"UPDATE {table} SET path = v.path FROM (VALUES {values}) AS v(id, path) "  # noqa: S608
                f"WHERE {table}.id = v.id",
                args,
            )


def make_reporters(world: World, cable_indexes: list[int]) -> list[tuple[int, int, int]]:
    """One customer, fibre line and outage case per report (customer, line, case ids)."""
    n0, stamp, now_ = world.next_customer, world.stamp, datetime.now(UTC)
    world.next_customer += len(cable_indexes)
    customers = Customer.objects.bulk_create(
        [
            Customer(
                account_number=f"BD{stamp}{n0 + i:07d}",
                first_name="Client",
                last_name=f"Banc {n0 + i}",
                search_name=f"banc {n0 + i} client",
            )
            for i in range(len(cable_indexes))
        ],
        batch_size=5000,
    )
    lines = Line.objects.bulk_create(
        [
            Line(
                customer=c,
                number=f"BD{stamp}{n0 + i:07d}",
                product=Line.Product.FIBRE,
                network_element_id=world.cables[cable_indexes[i]],
            )
            for i, c in enumerate(customers)
        ],
        batch_size=5000,
    )
    cases = Case.objects.bulk_create(
        [
            Case(
                reference=f"B{stamp[-6:]}{n0 + i:07d}",
                customer=c,
                line=lines[i],
                subject="Plus d'internet",
                intent=Intent.OUTAGE,
                channel="sms",
                created_at=now_,
                updated_at=now_,
            )
            for i, c in enumerate(customers)
        ],
        batch_size=5000,
    )
    return [(c.pk, line.pk, case.pk) for c, line, case in zip(customers, lines, cases, strict=True)]


def warm_up(world: World, days: int, rng: random.Random) -> int:
    """Run `days` of background through the detector's arithmetic and store what it learned."""
    p = params()
    start = T0.timestamp() - days * 86400
    history = background(rng, world.rates, start, days)
    states: dict[int, engine.Load] = {}
    priors = {0: p.prior_rate["nro"], 1: p.prior_rate["pm"], 2: p.prior_rate["cable"]}
    for n, (t, cable) in enumerate(history):
        ids = world.paths[cable]
        for depth, element_id in enumerate(ids):
            state = states.get(element_id)
            if state is None:
                hourly = [0.0] * 24 if depth == 0 else None
                state = states[element_id] = engine.Load(
                    [], 0.0, start, start, priors[depth], hourly
                )
            child = ids[depth + 1] if depth + 1 < len(ids) else 0
            engine.add(state, [[t, -1 - n, child, 0]], at=t, p=p, explained=False)
    end = T0.timestamp()
    loads = []
    for element_id, state in states.items():
        engine.learn(state, [r[engine.TS] for r in state.recent], end, p)  # the last hour too
        loads.append(
            ElementLoad(
                element_id=element_id,
                recent=[],
                weight=state.weight,
                prior=state.prior,
                hourly=state.hourly,
                weight_at=engine.from_epoch(state.weight_at),
                since=engine.from_epoch(state.since),
                updated_at=datetime.now(UTC),
            )
        )
    ElementLoad.objects.bulk_create(loads, batch_size=2000)
    return len(history)


class CpuClock:
    """CPU seconds of this process plus the PostgreSQL backend serving its connection."""

    def __init__(self) -> None:
        self.backend = None
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                self.backend = cursor.fetchone()[0]

    def _backend(self) -> float:
        if self.backend is None:
            return 0.0
        try:
            fields = open(f"/proc/{self.backend}/stat").read().rsplit(")", 1)[1].split()  # noqa: SIM115
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def read(self) -> tuple[float, float]:
        return time.process_time(), self._backend()


def _outages(rng: random.Random, world: World, count: int) -> list[dict]:
    chosen = rng.sample(range(len(world.cables)), count)
    outages = []
    for cable in chosen:
        start = T0.timestamp() + rng.uniform(7 * 3600, 22 * 3600)
        reporters = rng.randint(4, 12)
        times = sorted(start + rng.expovariate(1 / 900) for _i in range(reporters))
        outages.append({"cable": cable, "start": start, "times": times})
    return outages


def _day(world: World, rng: random.Random, contacts: int, share: float, outages: int, write):
    bg = background(rng, world.rates, T0.timestamp(), 1)
    injected = _outages(rng, world, outages)
    events = [(t, cable, None) for t, cable in bg]
    for n, outage in enumerate(injected):
        events += [(t, outage["cable"], n) for t in outage["times"]]
    events.sort()
    people = make_reporters(world, [cable for _t, cable, _o in events])
    write(
        f"  day: {contacts:,} contacts, {len(bg):,} of them background outage reports "
        f"({len(bg) / max(contacts, 1):.1%}), + {len(events) - len(bg)} reports of "
        f"{outages} injected cable outages"
    )
    clock = CpuClock()
    cpu0, wall0 = clock.read(), time.perf_counter()
    batch: list[Report] = []
    slice_end = events[0][0] + SLICE if events else 0
    batches = 0
    for (t, _cable, _o), (customer, line, case) in zip(events, people, strict=True):
        if t >= slice_end and batch:
            record_reports(batch)
            batches += 1
            batch = []
            slice_end = t + SLICE
        batch.append(Report(engine.from_epoch(t), customer, case, line))
    if batch:
        record_reports(batch)
        batches += 1
    cpu1, wall = clock.read(), time.perf_counter() - wall0
    cpu = (cpu1[0] - cpu0[0]) + (cpu1[1] - cpu0[1])
    return events, injected, batches, cpu, wall


def _about(suspicion: Suspicion, path: list[int], outage: dict, window: float) -> bool:
    """Is this suspicion about this cable outage? Its element is on the outage's path
    (`path`: NRO, PM, cable), and it was raised from the outage's first report until the
    detector's longest window after its last — later, none of the outage's reports is in
    any window, so they cannot have raised it."""
    at = suspicion.raised_at.timestamp()
    return suspicion.element_id in path and outage["times"][0] <= at <= outage["times"][-1] + window


def _judge_day(world: World, injected: list[dict], write) -> dict:
    day = (T0, T0 + timedelta(days=1, hours=2))
    raised = sorted(
        Suspicion.objects.filter(
            raised_at__range=day, element__code__startswith=f"BD{world.stamp}-"
        ).select_related("element"),
        key=lambda s: s.raised_at,
    )
    window = params().window
    false = [
        s
        for s in raised
        if not any(_about(s, world.paths[o["cable"]], o, window) for o in injected)
    ]
    delays, on_cable, wrong_level, missed = [], 0, 0, 0
    windowed = []  # delay after the report that first put 3 of them within the longest window
    for outage in injected:
        path = world.paths[outage["cable"]]
        about = [s for s in raised if _about(s, path, outage, window)]
        third = outage["times"][2]
        s = next((s for s in about if s.element_id == path[2]), None)
        if s is not None:
            on_cable += 1
            delays.append(s.raised_at.timestamp() - third)
            times = outage["times"]
            held = next(
                (t for i, t in enumerate(times) if i >= 2 and t - times[i - 2] <= window), None
            )
            if held is not None:  # else never 3 within the window: not counted here
                windowed.append(s.raised_at.timestamp() - held)
            if delays[-1] > 60:
                rate = world.rates[outage["cable"]]
                write(
                    f"    outage on {outage['cable']} (background {rate:.2f} a day) raised "
                    f"{delays[-1]:.0f} s after its 3rd report ({s.customers} customers in "
                    "its window); "
                    f"reports at {_hm(*outage['times'])}"
                )
        elif about:
            wrong_level += 1
            s = about[0]
            write(
                f"    outage on {outage['cable']} ({len(outage['times'])} reports from "
                f"{_hm(outage['times'][0])}) raised on {s.element.code} at {s.raised_at:%H:%M:%S}"
                f" ({s.customers} customers, {s.branches} branches)"
            )
        else:
            missed += 1
            write(f"    outage on {outage['cable']} missed: reports at {_hm(*outage['times'])}")
    return {
        "raised": len(raised),
        "false": false,
        "on_cable": on_cable,
        "wrong_level": wrong_level,
        "missed": missed,
        "delays": sorted(delays),
        "windowed": sorted(windowed),
    }


def _burst(
    world: World, rng: random.Random, size: int, batch: int
) -> tuple[int, float, float, float]:
    cables = [rng.randrange(len(world.cables)) for _i in range(size)]
    people = make_reporters(world, cables)
    start = T0.timestamp() + 2 * 86400 + 9 * 3600  # two days later, 9:00
    times = sorted(start + rng.random() * 4 * 3600 for _i in range(size))
    reports = [
        Report(engine.from_epoch(t), customer, case, line)
        for t, (customer, line, case) in zip(times, people, strict=True)
    ]
    clock = CpuClock()
    cpu0, wall0 = clock.read(), time.perf_counter()
    before = Suspicion.objects.count()
    for start_at in range(0, len(reports), batch):
        record_reports(reports[start_at : start_at + batch])
    cpu1, wall = clock.read(), time.perf_counter() - wall0
    return (
        Suspicion.objects.count() - before,
        cpu1[0] - cpu0[0],
        cpu1[1] - cpu0[1],
        wall,
    )


def add_arguments(parser) -> None:
    parser.add_argument("--cables", type=int, default=10_000)
    parser.add_argument("--contacts", type=int, default=100_000, help="Contacts in the day.")
    parser.add_argument(
        "--outage-share",
        type=float,
        default=0.03,
        help="Share of the day's contacts that are outage reports (0.03: 0.3 a cable a day).",
    )
    parser.add_argument("--outages", type=int, default=20, help="Cable outages injected.")
    parser.add_argument("--warm-days", type=int, default=7)
    parser.add_argument("--burst", type=int, default=20_000, help="Reports timed for (c).")
    parser.add_argument("--batch", type=int, default=1000, help="Reports a batch for (c).")
    parser.add_argument("--seed", type=int, default=5)


def run(o: dict, write) -> bool:
    call_command("migrate", verbosity=0)  # a scratch database may be empty
    rng = random.Random(o["seed"])
    stamp = datetime.now(UTC).strftime("%d%H%M%S")
    write(f"detector bench {stamp} on {connection.vendor}; load average {_load()}")
    with transaction.atomic():
        world = build_network(o["cables"], stamp)
        per_cable = o["contacts"] * o["outage_share"] / o["cables"]
        world.rates = [rng.gammavariate(2.0, per_cable / 2.0) for _i in world.cables]
        history = warm_up(world, o["warm_days"], rng)
    write(
        f"  network: {o['cables']:,} cables, {len(world.cables) // CABLES_PER_PM:,} PMs; "
        f"background {per_cable:.2f} outage reports a cable a day (gamma, shape 2); "
        f"warm-up: {history:,} reports over {o['warm_days']} days learned"
    )
    events, injected, batches, cpu, wall = _day(
        world, rng, o["contacts"], o["outage_share"], o["outages"], write
    )
    verdict = _judge_day(world, injected, write)
    delays = verdict["delays"]
    write(
        f"(a) false suspicions in the day: {len(verdict['false'])} (target ≤ 1); "
        f"{verdict['raised']} raised in all; {len(events):,} reports in {batches:,} batches, "
        f"{cpu:.1f} CPU-s, {wall:.1f} s wall; load average {_load()}"
    )
    for s in verdict["false"]:
        write(
            f"    false: {s.element.code} at {s.raised_at:%H:%M}, {s.customers} customers, "
            f"expected {s.expected:.3f}, p = {s.p_value:.1e}"
        )
    late = [d for d in delays if d > 60]
    write(
        f"(b) outages raised on their cable: {verdict['on_cable']}/{len(injected)}, on a wrong "
        f"level {verdict['wrong_level']}, missed {verdict['missed']}; delay after the 3rd "
        f"report (simulated): max {max(delays, default=float('nan')):.0f} s, "
        f"{len(late)} over 60 s; after the report that first put 3 of them within "
        f"{params().window / 60:.0f} min: max {max(verdict['windowed'], default=float('nan')):.0f} "
        f"s, {sum(d > 60 for d in verdict['windowed'])} over 60 s"
    )
    raised, cpu_py, cpu_pg, wall = _burst(world, rng, o["burst"], o["batch"])
    cpu = cpu_py + cpu_pg
    write(
        f"(c) {o['burst']:,} outage reports in batches of {o['batch']}: "
        f"{o['burst'] / cpu:,.0f} reports per CPU-second (this process {cpu_py:.2f} s + "
        f"PostgreSQL backend {cpu_pg:.2f} s), {o['burst'] / wall:,.0f} a second wall "
        f"({wall:.1f} s); {raised} suspicions raised meanwhile; load average {_load()}"
    )
    return (
        len(verdict["false"]) <= 1
        and verdict["on_cable"] == len(injected)
        and not late
        and o["burst"] / cpu >= 5000
    )


def _hm(*times: float) -> str:
    return ", ".join(f"{engine.from_epoch(t).astimezone(engine.PARIS):%H:%M:%S}" for t in times)


def _load() -> str:
    try:
        return " ".join(open("/proc/loadavg").read().split()[:3])  # noqa: SIM115
    except OSError:
        return "?"


BENCHES = {
    "detector": Bench(
        help="Weak-signal detector: false suspicions over a day, outages caught, reports/s.",
        add_arguments=add_arguments,
        run=run,
    )
}
