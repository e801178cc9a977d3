"""An in-memory replica of `filrouge bench detector` (a) and (b), for parameter sweeps.

Same random draws as the benchmark (same seed → same rates, warm-up week, day and
injected outages), the detector's own arithmetic (`filrouge.detection.engine`) and the
judging order of `services._record` (deepest element first; nothing raised under an
open suspicion; a branch under one set aside), without the database: a day takes
about 2 s instead of 25, so 30 seeds × a dozen settings fit in minutes. It reproduces
the database runs' verdicts on seeds 5, 11 and 17; the README's detector table comes
from it. Throughput is not measured here (use the real benchmark).

    SECRET_KEY=x .venv/bin/python bench/detector_sweep.py --seeds 1-30 \\
        --windows 900,3600 --alpha 1e-5 [--first-report-clock] [-v]

`--first-report-clock` emulates the detector before 2026-12-06: an element's first
load started its clock at its first report instead of its parent's `since`.
"""

import argparse
import dataclasses
import os
import random
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "filrouge.settings")
os.environ.setdefault("SECRET_KEY", "sweep-only")

import django  # noqa: E402

django.setup()

from filrouge.detection import benches, engine  # noqa: E402
from filrouge.detection.conf import params  # noqa: E402

PM0, CABLE0 = 100_000, 1_000_000  # synthetic ids: NROs from 1, PMs, cables


def kind(element: int) -> str:
    return "nro" if element < PM0 else "pm" if element < CABLE0 else "cable"


def paths(cables: int) -> list[list[int]]:
    return [
        [1 + c // benches.CABLES_PER_PM // benches.PMS_PER_NRO, PM0 + c // benches.CABLES_PER_PM,
         CABLE0 + c]
        for c in range(cables)
    ]  # fmt: skip


def day(seed: int, p, *, first_report_clock=False, cables=10_000, contacts=100_000,
        share=0.03, outages=20, warm=7, verbose=False) -> dict:  # fmt: skip
    rng = random.Random(seed)
    ways = paths(cables)
    per_cable = contacts * share / cables
    rates = [rng.gammavariate(2.0, per_cable / 2.0) for _c in range(cables)]  # as run()
    start = benches.T0.timestamp() - warm * 86400
    states: dict[int, engine.Load] = {}
    for n, (t, cable) in enumerate(benches.background(rng, rates, start, warm)):  # warm_up()
        ids = ways[cable]
        for depth, e in enumerate(ids):
            if e not in states:
                hourly = [0.0] * 24 if depth == 0 else None
                states[e] = engine.Load([], 0.0, start, start, p.prior_rate[kind(e)], hourly)
            child = ids[depth + 1] if depth + 1 < len(ids) else 0
            engine.add(states[e], [[t, -1 - n, child, 0]], at=t, p=p, explained=False)
    end = benches.T0.timestamp()
    for s in states.values():
        engine.learn(s, [r[engine.TS] for r in s.recent], end, p)
        s.recent = []
    bg = benches.background(rng, rates, end, 1)  # _day()
    injected = benches._outages(rng, type("W", (), {"cables": range(cables)}), outages)
    events = [(t, c) for t, c in bg] + [(t, o["cable"]) for o in injected for t in o["times"]]
    events.sort()
    raised: list[tuple[int, float, engine.Verdict]] = []
    covered: set[int] = set()
    under_suspicion: set[int] = set()

    def record(batch):  # services._record, with lock_loads' creation of missing loads
        fresh, anc = defaultdict(list), {}
        for t, cable, customer in batch:
            ids = ways[cable]
            for depth, e in enumerate(ids):
                child = ids[depth + 1] if depth + 1 < len(ids) else 0
                fresh[e].append([t, customer, child, customer])
                anc[e] = ids[: depth + 1]
        at_batch = max(b[0] for b in batch)
        for e in sorted(fresh, key=lambda e: len(anc[e])):
            if e not in states:
                parent = anc[e][-2] if len(anc[e]) > 1 else None
                since = at_batch
                if not first_report_clock and parent in states:
                    since = min(states[parent].since, at_batch)
                hourly = [0.0] * 24 if len(anc[e]) == 1 else None
                states[e] = engine.Load([], 0.0, since, since, p.prior_rate[kind(e)], hourly)
        for e in sorted(fresh, key=lambda e: -len(anc[e])):
            state, ancestry = states[e], anc[e]
            explained = next((a for a in reversed(ancestry) if a in covered), None)
            children = {r[engine.CHILD] for r in state.recent + fresh[e]}
            set_aside = {c for c in children if c in under_suspicion}
            at = max(r[engine.TS] for r in fresh[e])
            engine.add(state, fresh[e], at=at, p=p, explained=explained is not None,
                       explained_branches=set_aside)  # fmt: skip
            if explained is not None:
                continue
            verdict = engine.judge(state, at=at, p=p, top=states[ancestry[0]],
                                   explained_branches=set_aside)  # fmt: skip
            if verdict.abnormal:
                raised.append((e, at, verdict))
                covered.add(e)
                under_suspicion.update(ancestry)

    batch: list = []
    slice_end = events[0][0] + benches.SLICE
    for n, (t, cable) in enumerate(events):
        if t >= slice_end and batch:
            record(batch)
            batch, slice_end = [], t + benches.SLICE
        batch.append((t, cable, n + 1))
    if batch:
        record(batch)
    under_outage = {e for o in injected for e in ways[o["cable"]]}
    false = [s for s in raised if s[0] not in under_outage]
    first: dict[int, tuple] = {}
    for s in raised:
        first.setdefault(s[0], s)
    late, missed, slow = [], [], []
    for o in injected:
        s = first.get(ways[o["cable"]][2])
        within = in_window(o["times"], p.window)
        if s is None:
            missed.append(o)
        elif s[1] - o["times"][2] > 60:
            late.append((o, s[1] - o["times"][2]))
        if within is None or s is None or s[1] - within > 60:
            slow.append(o)
    if verbose:
        for e, at, v in false:
            print(f"  false {kind(e)} at {benches._hm(at)}: {v.customers} customers, "
                  f"expected {v.expected:.4f}, p = {v.p_value:.1e}")  # fmt: skip
        for o, delay in late:
            print(f"  late by {delay:.0f} s: {benches._hm(*o['times'])}; 3 within the window "
                  f"at {benches._hm(in_window(o['times'], p.window) or 0)}")  # fmt: skip
        for o in missed:
            print(f"  missed: {benches._hm(*o['times'])}")
    return {"false": len(false), "late": len(late), "missed": len(missed), "slow": len(slow)}


def in_window(times: list[float], window: float) -> float | None:
    """When the outage's reports first held 3 within `window` (None: never)."""
    return next((t for i, t in enumerate(times) if i >= 2 and t - times[i - 2] <= window), None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", default="5,11,17", help="a list (5,11,17) or a range (1-30)")
    parser.add_argument("--windows", help="seconds, e.g. 900,3600 (default: the settings')")
    parser.add_argument("--alpha", type=float)
    parser.add_argument("--margin", type=float)
    parser.add_argument("--min-customers", type=int)
    parser.add_argument("--cable-floor", type=float, help="a cable's prior rate, reports an hour")
    parser.add_argument("--prior-hours", type=float)
    parser.add_argument("--first-report-clock", action="store_true")
    parser.add_argument("-v", "--verbose", action="store_true")
    o = parser.parse_args()
    if "-" in o.seeds:
        low, high = map(int, o.seeds.split("-"))
        seeds = list(range(low, high + 1))
    else:
        seeds = [int(s) for s in o.seeds.split(",")]
    change = {}
    if o.windows:
        windows = tuple(sorted(float(w) for w in o.windows.split(",")))
        change.update(windows=windows, window=windows[-1])
    if o.alpha is not None:
        change["alpha"] = o.alpha
    if o.margin is not None:
        change["margin"] = o.margin
    if o.min_customers is not None:
        change["min_customers"] = o.min_customers
    if o.prior_hours is not None:
        change["prior_hours"] = o.prior_hours
    p = params()
    if o.cable_floor is not None:
        change["prior_rate"] = {**p.prior_rate, "cable": o.cable_floor}
    p = dataclasses.replace(p, **change)
    total = {"false": 0, "late": 0, "missed": 0, "slow": 0, "days_over_1": 0}
    for seed in seeds:
        r = day(seed, p, first_report_clock=o.first_report_clock, verbose=o.verbose)
        print(f"seed {seed}: {r['false']} false, {r['late']} late, {r['missed']} missed, "
              f"{r['slow']} not raised within 60 s of 3 reports in the window",
              flush=True)  # fmt: skip
        for k in ("false", "late", "missed", "slow"):
            total[k] += r[k]
        total["days_over_1"] += r["false"] > 1
    n = len(seeds)
    print(f"{n} days, windows {p.windows}, alpha {p.alpha:g}: {total['false']} false "
          f"({total['false'] / n:.2f} a day, {total['days_over_1']} days with more than one), "
          f"{total['late']} late and {total['missed']} missed of {n * 20} outages; "
          f"{total['slow']} not raised within 60 s of 3 reports in the window")  # fmt: skip


if __name__ == "__main__":
    main()
