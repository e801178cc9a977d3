"""An in-memory replica of `filrouge bench detector` (a) and (b), for parameter sweeps.

Same random draws as the benchmark (same seed → same rates, warm-up week, day and
injected outages), the detector's own arithmetic (`filrouge.detection.engine`) and the
judging order of `services._record` (deepest element first; nothing raised under an
open suspicion; a branch under one set aside), without the database: a day takes
about 2 s instead of 25, so 30 seeds × a dozen settings fit in minutes. It reproduces
the database runs' verdicts on seeds 5, 11 and 17; the README's detector table comes
from it. Throughput is not measured here (use the real benchmark).

    SECRET_KEY=x .venv/bin/python bench/detector_sweep.py --seeds 1-30 \\
        --windows 900,3600 --alpha 1e-5 [--first-report-clock] [--silenced-below] \\
        [--quiet-release] [--dismiss-after 30] [--nro-outage 300] [--memory-days 7]
        [--warm-days 7] [-v]
    SECRET_KEY=x .venv/bin/python bench/detector_sweep.py --triples

`--first-report-clock` emulates the detector before 2026-12-06: an element's first
load started its clock at its first report instead of its parent's `since`;
`--silenced-below` the rule replaced on 2026-12-06 too: nothing was raised below an open
suspicion, whether it still explained the reports or not. Two alternatives to that
rule, measured and not kept: `--quiet-release` (a suspicion with no report for the
window's length stops silencing) and `--dismiss-after MIN` (a supervisor dismisses,
MIN minutes after its raise, every suspicion about no outage). `--nro-outage N` adds
a real NRO-wide outage reported by N customers (its own random draws: the rest of
the day is unchanged). `--warm-days` (7, as the benchmark) changes the day's draws
too: the warm-up uses the same generator. `--triples` prints, from the benchmark's
rate model alone, how often background reports put three customers of one cable
within 15, 30, 60 and 120 minutes (the false suspicions a detector raising every
outage by its third report would pay), and the false suspicions on cables the
detector's own test would raise a day if it knew every cable's rate exactly.

A suspicion is false when it is about no injected outage: not on the outage's path
(at, above or below its element), or raised before the outage's first report or
more than the longest window after its last (`related`).
"""

import argparse
import dataclasses
import math
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
from filrouge.detection.poisson import tail  # noqa: E402

PM0, CABLE0 = 100_000, 1_000_000  # synthetic ids: NROs from 1, PMs, cables


def kind(element: int) -> str:
    return "nro" if element < PM0 else "pm" if element < CABLE0 else "cable"


def paths(cables: int) -> list[list[int]]:
    return [
        [1 + c // benches.CABLES_PER_PM // benches.PMS_PER_NRO, PM0 + c // benches.CABLES_PER_PM,
         CABLE0 + c]
        for c in range(cables)
    ]  # fmt: skip


def path_of(element: int) -> list[int]:
    """The synthetic element's path, top first (`paths` gives a cable's)."""
    if element >= CABLE0:
        c = element - CABLE0
        pm = c // benches.CABLES_PER_PM
        return [1 + pm // benches.PMS_PER_NRO, PM0 + pm, element]
    if element >= PM0:
        return [1 + (element - PM0) // benches.PMS_PER_NRO, element]
    return [element]


def related(element: int, at: float, outage: dict, window: float) -> bool:
    """Is a suspicion on `element` raised at `at` about this outage? Its element is at,
    above or below the outage's, and it was raised from the outage's first report until
    the detector's longest window after its last (later, none of its reports is in any
    window: they cannot have raised it)."""
    on_path = outage["element"] in path_of(element) or element in path_of(outage["element"])
    return on_path and outage["times"][0] <= at <= outage["times"][-1] + window


def nro_outage(seed: int, cables: int, reporters: int) -> dict:
    """A real NRO-wide outage (every cable below it cut), reported by `reporters` of its
    customers on random cables, exponential delays of mean 20 min: drawn from a generator
    of its own, so the day's other draws stay those of the benchmark."""
    rng = random.Random(seed * 7919 + 1)
    per_nro = benches.CABLES_PER_PM * benches.PMS_PER_NRO
    nro = rng.randrange(cables // per_nro)
    start = benches.T0.timestamp() + rng.uniform(8 * 3600, 20 * 3600)
    times = sorted(start + rng.expovariate(1 / 1200) for _i in range(reporters))
    picks = [nro * per_nro + rng.randrange(per_nro) for _t in times]
    return {"element": 1 + nro, "times": times, "cables": picks}


def day(seed: int, p, *, first_report_clock=False, cables=10_000, contacts=100_000,
        share=0.03, outages=20, warm=7, rule="explained", quiet_release=False,
        dismiss_after=None, nro_reporters=0, verbose=False) -> dict:  # fmt: skip
    """One simulated day. `rule`: what an open suspicion above an element does to it —
    "silenced" (before 2026-12-06: nothing raised below it) or "explained" (silenced only
    while the suspicion's element stays abnormal without the branch: `engine.explains`).
    `quiet_release`: a suspicion with no report for the window's length silences nothing
    below. `dismiss_after`: seconds after which a supervisor dismisses a suspicion that is
    about no outage (`services.dismiss_suspicion`: its window learned as background)."""
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
    for o in injected:
        o["element"] = ways[o["cable"]][2]
    events = [(t, c) for t, c in bg] + [(t, o["cable"]) for o in injected for t in o["times"]]
    big = nro_outage(seed, cables, nro_reporters) if nro_reporters else None
    if big:
        events += list(zip(big["times"], big["cables"], strict=True))
    events.sort()
    every = [*injected, big] if big else injected
    raised: list[tuple[int, float, engine.Verdict]] = []
    open_: dict[int, list[int]] = {}  # open suspicions: element → its ancestry
    last_report: dict[int, float] = {}  # element → its latest report before this batch
    dismissals: list[tuple[float, int]] = []  # (when, element) the supervisor dismisses

    def silencer(e, ancestry, fresh, at, under_suspicion):  # at: the quiet release's
        """The open suspicion explaining e's reports (services._explainer)."""
        if e in open_:
            return e
        for depth in range(len(ancestry) - 2, -1, -1):
            a = ancestry[depth]
            if a not in open_:
                continue
            if quiet_release and at - last_report.get(a, at) > p.window:
                continue
            if rule == "silenced":
                return a
            children = {r[engine.CHILD] for r in states[a].recent + fresh[a]}
            if engine.explains(states[a], fresh[a], branch=ancestry[depth + 1],
                               at=max(r[engine.TS] for r in fresh[a]), p=p,
                               top=states[ancestry[0]],
                               explained_branches=children & under_suspicion):  # fmt: skip
                return a
        return None

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
        under_suspicion = {a for ancestry in open_.values() for a in ancestry}
        for e in sorted(fresh, key=lambda e: -len(anc[e])):
            state, ancestry = states[e], anc[e]
            at = max(r[engine.TS] for r in fresh[e])
            explained = silencer(e, ancestry, fresh, at, under_suspicion)
            children = {r[engine.CHILD] for r in state.recent + fresh[e]}
            set_aside = children & under_suspicion
            learn = not any(a in open_ for a in ancestry)  # services._judge
            engine.add(state, fresh[e], at=at, p=p, explained=not learn,
                       explained_branches=set_aside)  # fmt: skip
            if explained is not None:
                continue
            verdict = engine.judge(state, at=at, p=p, top=states[ancestry[0]],
                                   explained_branches=set_aside)  # fmt: skip
            if verdict.abnormal:
                raised.append((e, at, verdict))
                for below in [x for x in open_ if e in path_of(x)]:
                    del open_[below]  # widened
                open_[e] = ancestry
                under_suspicion.update(ancestry)
                if dismiss_after is not None and not any(
                    related(e, at, o, p.window) for o in every
                ):
                    dismissals.append((at + dismiss_after, e))
        for e in fresh:
            last_report[e] = at_batch

    def dismiss(until):  # services.dismiss_suspicion
        for when, e in sorted(dismissals):
            if when > until:
                break
            dismissals.remove((when, e))
            if e in open_:
                del open_[e]
                engine.learn(states[e], [r[engine.TS] for r in states[e].recent], when, p)
                states[e].recent = []

    batch: list = []
    slice_end = events[0][0] + benches.SLICE
    for n, (t, cable) in enumerate(events):
        if t >= slice_end and batch:
            dismiss(batch[0][0])
            record(batch)
            batch, slice_end = [], t + benches.SLICE
        batch.append((t, cable, n + 1))
    if batch:
        record(batch)
    return score(raised, injected, big, p, verbose)


def score(raised, injected, big, p, verbose) -> dict:
    """False suspicions (about no outage: `related`), and each cable outage's first
    suspicion on its own cable among those about it: late, missed or slow."""
    every = [*injected, big] if big else injected
    false = [s for s in raised if not any(related(s[0], s[1], o, p.window) for o in every)]
    late, missed, slow = [], [], []
    for o in injected:
        s = next((s for s in raised if s[0] == o["element"] and related(*s[:2], o, p.window)),
                 None)  # fmt: skip
        within = in_window(o["times"], p.window)
        if s is None:
            missed.append(o)
        elif s[1] - o["times"][2] > 60:
            late.append((o, s[1] - o["times"][2]))
        if within is None or s is None or s[1] - within > 60:
            slow.append(o)
    result = {"false": len(false), "late": len(late), "missed": len(missed), "slow": len(slow)}
    if big:
        about = [s for s in raised if related(s[0], s[1], big, p.window)]
        result["nro_suspicions"] = len(about)
        result["nro_delay"] = about[0][1] - big["times"][2] if about else None
        result["nro_levels"] = ",".join(kind(s[0]) for s in about)
    if verbose:
        for e, at, v in false:
            print(f"  false {kind(e)} {e} at {benches._hm(at)}: {v.customers} customers, "
                  f"{v.branches} branches, expected {v.expected:.4f}, "
                  f"p = {v.p_value:.1e}")  # fmt: skip
        for o, delay in late:
            print(f"  late by {delay:.0f} s: {benches._hm(*o['times'])}; 3 within the window "
                  f"at {benches._hm(in_window(o['times'], p.window) or 0)}")  # fmt: skip
        for o in missed:
            cover = [f"{kind(e)} {e} at {benches._hm(at)}" for e, at, _v in raised
                     if e in path_of(o["element"]) and at <= o["times"][-1]]  # fmt: skip
            print(f"  missed {o['element']}: {benches._hm(*o['times'])}; raised above: {cover}")
    return result


def in_window(times: list[float], window: float) -> float | None:
    """When the outage's reports first held 3 within `window` (None: never)."""
    return next((t for i, t in enumerate(times) if i >= 2 and t - times[i - 2] <= window), None)


DRAWS = 3  # draws of the cables' rates averaged by `triples` and `oracle`


def hourly_rates(*, cables=10_000, contacts=100_000, share=0.03):
    """Each cable's background in each hour of the day, in reports an hour, over `DRAWS`
    draws of the bench's rates (gamma, shape 2) along its daily curve."""
    per_cable = contacts * share / cables
    hours = [benches.curve(h + 0.5) / benches.CURVE_MEAN / 24 for h in range(24)]
    for draw in range(DRAWS):
        rng = random.Random(draw)
        for per_day in (rng.gammavariate(2.0, per_cable / 2.0) for _c in range(cables)):
            yield from (per_day * weight for weight in hours)


def third_within(rate: float, window_h: float) -> float:
    """How often (an hour) a report of a Poisson background at `rate` an hour comes with at
    least two others within the `window_h` hours before it."""
    mu = rate * window_h
    return rate * (1 - math.exp(-mu) * (1 + mu))


def triples(window_h: float) -> float:
    """How many times a day, on average, a cable's background alone brings a third distinct
    customer within `window_h` hours of two others (Poisson within each hour). A detector
    that raises every outage by its third report within that window, and cannot tell
    such a moment from an outage's start, raises about this many false suspicions a day."""
    return sum(third_within(rate, window_h) for rate in hourly_rates()) / DRAWS


def oracle(p) -> float:
    """The false suspicions a day the detector's test (`p`: windows, alpha) would raise on
    cables if it knew each cable's rate and the daily curve exactly: at each hour, the
    longest window in which three customers are abnormal for that rate, and how often the
    background alone puts three within it (as `triples`)."""
    total = 0.0
    for rate in hourly_rates():
        hours = [w / 3600 for w in p.windows]
        passing = [h for h in hours if tail(3, rate * h) * len(hours) < p.alpha]
        if passing:
            total += third_within(rate, max(passing))
    return total / DRAWS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", default="5,11,17", help="a list (5,11,17) or a range (1-30)")
    parser.add_argument("--windows", help="seconds, e.g. 900,3600 (default: the settings')")
    parser.add_argument("--alpha", type=float)
    parser.add_argument("--margin", type=float)
    parser.add_argument("--min-customers", type=int)
    parser.add_argument("--cable-floor", type=float, help="a cable's prior rate, reports an hour")
    parser.add_argument("--prior-hours", type=float)
    parser.add_argument("--memory-days", type=float, help="DETECTION_MEMORY_DAYS")
    parser.add_argument("--profile-weight", type=float, help="DETECTION_PROFILE_WEIGHT")
    parser.add_argument("--warm-days", type=int, default=7, help="days of background before")
    parser.add_argument("--first-report-clock", action="store_true")
    parser.add_argument(
        "--silenced-below",
        action="store_true",
        help="before 2026-12-06: nothing raised below an open suspicion",
    )
    parser.add_argument(
        "--quiet-release",
        action="store_true",
        help="a suspicion without a report for the window silences nothing",
    )
    parser.add_argument(
        "--dismiss-after",
        type=float,
        help="minutes: a supervisor dismisses suspicions about no outage",
    )
    parser.add_argument(
        "--nro-outage",
        type=int,
        default=0,
        help="add a real NRO-wide outage reported by this many customers",
    )
    parser.add_argument(
        "--triples",
        action="store_true",
        help="print how often the background alone puts 3 customers of a cable in a window",
    )
    parser.add_argument("-v", "--verbose", action="store_true")
    o = parser.parse_args()
    if o.triples:
        for minutes in (15, 30, 60, 120):
            print(f"3 distinct customers of one cable within {minutes} min: "
                  f"{triples(minutes / 60):.2f} times a day")  # fmt: skip
        for alpha in (5e-6, 1e-5, 2e-5):
            exact = dataclasses.replace(params(), alpha=alpha)
            print(f"false suspicions on cables a day at alpha {alpha:g}, the rates known "
                  f"exactly: {oracle(exact):.2f}")  # fmt: skip
        return
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
    if o.profile_weight is not None:
        change["profile_weight"] = o.profile_weight
    if o.memory_days is not None:
        change["memory"] = o.memory_days * 86400
    p = params()
    if o.cable_floor is not None:
        change["prior_rate"] = {**p.prior_rate, "cable": o.cable_floor}
    p = dataclasses.replace(p, **change)
    total = {"false": 0, "late": 0, "missed": 0, "slow": 0, "days_over_1": 0, "nro": 0}
    for seed in seeds:
        r = day(seed, p, first_report_clock=o.first_report_clock,
                rule="silenced" if o.silenced_below else "explained",
                quiet_release=o.quiet_release,
                dismiss_after=o.dismiss_after * 60 if o.dismiss_after is not None else None,
                nro_reporters=o.nro_outage, warm=o.warm_days, verbose=o.verbose)  # fmt: skip
        nro = ""
        if o.nro_outage:
            total["nro"] += r["nro_suspicions"]
            delay = r["nro_delay"] if r["nro_delay"] is not None else float("nan")
            nro = (f"; NRO outage: {r['nro_suspicions']} suspicions ({r['nro_levels']}), "
                   f"first {delay:.0f} s after its 3rd report")  # fmt: skip
        print(f"seed {seed}: {r['false']} false, {r['late']} late, {r['missed']} missed, "
              f"{r['slow']} not raised within 60 s of 3 reports in the window{nro}",
              flush=True)  # fmt: skip
        for k in ("false", "late", "missed", "slow"):
            total[k] += r[k]
        total["days_over_1"] += r["false"] > 1
    n = len(seeds)
    print(f"{n} days, windows {p.windows}, alpha {p.alpha:g}: {total['false']} false "
          f"({total['false'] / n:.2f} a day, {total['days_over_1']} days with more than one), "
          f"{total['late']} late and {total['missed']} missed of {n * 20} outages; "
          f"{total['slow']} not raised within 60 s of 3 reports in the window"
          + (f"; {total['nro']} suspicions about the NRO outages" if o.nro_outage else "")
          )  # fmt: skip


if __name__ == "__main__":
    main()
