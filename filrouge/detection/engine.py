"""The detector's arithmetic on one network element, free of the database.

An element keeps a small `Load`: the reports of its sliding window (one per
distinct customer: the time, the customer, the child element the report came
through — 0 when the customer's line hangs off the element itself — and the
case) and its background rate, learned from the reports that left the window.

The background rate is an exponentially forgetting average: `weight` is the
number of past reports, each discounted by exp(-age / memory), and the rate is

    (weight + prior_rate × prior_hours) / (effective hours observed + prior_hours)

where the effective hours are memory × (1 − exp(−age of the load / memory)) (the
current window excluded: its reports are not learned yet): a new
element starts at the prior rate (the floor) and a busy one converges to its own
rate within days. An element first seen under one already watched starts its clock
at its parent's (`store.lock_loads`): it was watched, and quiet, since then.
Reports in the window do not count in the background they are tested against;
a report leaves the window into the background, except while its element (or
the branch it came through) is explained by an open suspicion or incident —
those reports are the outage, not the background.

The test: with `k` distinct customers in the window and `mu` the count expected
in a window at this hour (rate × window × how busy this hour is × margin), the
element is abnormal when k ≥ min_customers and P(X ≥ k | mu) < alpha, in any of
the windows (each p-value multiplied by the number of windows). An element with
elements below it must stay abnormal without its busiest branch: reports coming
mostly through one child are that child's business, judged by its own background.
Conversely, an open suspicion on an element explains the reports of a branch below it
only while its window stays abnormal without that branch (`explains`).

How busy an hour is (the daily shape: few reports at night, peaks in the morning
and evening) is learned on each top element (an NRO: hundreds of reports a day)
by hour of day, and every element below it follows that shape; until it has
learned enough, the configured `DETECTION_HOURLY_PROFILE` stands in.
"""

import math
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import itemgetter
from zoneinfo import ZoneInfo

from filrouge.detection.conf import Params
from filrouge.detection.poisson import tail

PARIS = ZoneInfo("Europe/Paris")
TS, CUSTOMER, CHILD, CASE = range(4)  # the fields of one report in `Load.recent`
BY_TIME = itemgetter(TS)


@dataclass(slots=True)
class Load:
    recent: list[list]  # [time (epoch seconds), customer id, child element id or 0, case id]
    weight: float  # past reports, each discounted by exp(-age / memory), as of weight_at
    weight_at: float  # epoch seconds
    since: float  # epoch seconds: when the element was first seen
    prior: float = 0.01  # reports per hour assumed before anything was seen, and the floor
    # Top elements only (an NRO, a cell): the learned reports by hour of day (Paris), with
    # the same forgetting as `weight` — the daily shape every element below it follows.
    hourly: list[float] | None = None


@dataclass(frozen=True, slots=True)
class Verdict:
    customers: int  # distinct customers in the window (on branches not already explained)
    branches: int  # distinct child elements those reports came through
    expected: float  # the count expected in a window at this hour
    p_value: float
    abnormal: bool


def rate(load: Load, at: float, p: Params) -> float:
    """The background, in reports per hour, at `at` (never under the prior rate)."""
    decayed = load.weight * math.exp(-max(0.0, at - load.weight_at) / p.memory)
    memory_h = p.memory / 3600
    # The last window's reports are not learned yet: its time is not counted either.
    age = max(0.0, at - load.since - p.window)
    observed_h = memory_h * (1 - math.exp(-age / p.memory))
    learned = (decayed + load.prior * p.prior_hours) / (observed_h + p.prior_hours)
    return max(learned, load.prior)


def shape(top: Load | None, middle: float, p: Params) -> float:
    """How busy the hour of a window whose middle is `middle` is, compared with the day's
    mean (1.0): the hourly profile learned on the top element above (`top.hourly`),
    blended with the configured profile, which it replaces as reports accumulate."""
    hour = datetime.fromtimestamp(middle, PARIS).hour
    default = p.profile[hour]
    if top is None or top.hourly is None:
        return default
    total = sum(top.hourly)  # forgetting scales every hour alike: the shape is unchanged
    prior = p.profile_weight
    return (top.hourly[hour] + prior * default) * 24 / (total + 24 * prior)


def learn(load: Load, times: Iterable[float], at: float, p: Params) -> None:
    """Fold reports (their times) into the background, as of `at`."""
    decay = math.exp(-max(0.0, at - load.weight_at) / p.memory)
    weight = load.weight * decay
    hourly = [v * decay for v in load.hourly] if load.hourly is not None else None
    for t in times:
        w = math.exp(-max(0.0, at - t) / p.memory)
        weight += w
        if hourly is not None:
            hourly[datetime.fromtimestamp(t, PARIS).hour] += w
    load.weight, load.weight_at = weight, max(at, load.weight_at)
    if hourly is not None:
        load.hourly = hourly


def add(
    load: Load,
    reports: list[list],
    *,
    at: float,
    p: Params,
    explained: bool,
    explained_branches: set[int] | frozenset[int] = frozenset(),
) -> None:
    """Add new reports (a customer already in the window is refreshed, not counted twice)
    and move those older than the window into the background — unless they are explained
    (the element or an ancestor under an open suspicion or incident: `explained`; the
    branch they came through holding one: `explained_branches`)."""
    latest: dict[int, list] = {r[CUSTOMER]: r for r in load.recent}
    for report in reports:
        known = latest.get(report[CUSTOMER])
        if known is None or known[TS] <= report[TS]:
            latest[report[CUSTOMER]] = report
    cutoff = at - p.window
    kept, aged = [], []
    for report in latest.values():
        (kept if report[TS] >= cutoff else aged).append(report)
    if aged and not explained:
        learn(load, (r[TS] for r in aged if r[CHILD] not in explained_branches), at, p)
    kept.sort(key=BY_TIME)
    load.recent = kept


def judge(
    load: Load,
    *,
    at: float,
    p: Params,
    top: Load | None = None,
    explained_branches: set[int] | frozenset[int] = frozenset(),
) -> Verdict:
    """Is the window abnormal for this element's own background?"""
    cutoff = at - p.window
    counted = [r for r in load.recent if r[TS] >= cutoff and r[CHILD] not in explained_branches]
    per_branch = Counter(r[CHILD] for r in counted)
    base = rate(load, at, p) * p.margin
    customers, expected, p_value = _scan(counted, base, at, p, top or load)
    abnormal = customers >= p.min_customers and p_value < p.alpha
    if abnormal and set(per_branch) != {0}:
        # Reports through elements below: the busiest branch alone would be that child's
        # business. Without it, what is left must still be abnormal here.
        busiest = per_branch.most_common(1)[0][0]
        rest = [r for r in counted if r[CHILD] != busiest]
        k, _mu, rest_p = _scan(rest, base, at, p, top or load)
        abnormal = k >= p.min_customers and rest_p < p.alpha
    return Verdict(customers, len(per_branch), expected, p_value, abnormal)


@dataclass(frozen=True, slots=True)
class Seen:
    """An element's windows as the elements below it see them: the distinct customers in
    each window (`Params.windows`), in all and by the branch they came through, and the
    count expected in each."""

    total: tuple[int, ...]
    by_branch: tuple[Counter, ...]
    expected: tuple[float, ...]

    def explains(self, branch: int, p: Params) -> bool:
        """Does this element's open suspicion explain reports coming through `branch`?
        Only while its window stays abnormal without that branch: a real fault here keeps
        showing in its other branches, whereas a suspicion raised on a burst that has
        passed explains nothing new."""
        for total, by_branch, expected in zip(
            self.total, self.by_branch, self.expected, strict=True
        ):
            k = total - by_branch[branch]
            if k >= p.min_customers and tail(k, expected) * len(p.windows) < p.alpha:
                return True
        return False


def seen(
    load: Load,
    fresh: list[list],
    *,
    at: float,
    p: Params,
    top: Load | None = None,
    explained_branches: set[int] | frozenset[int] = frozenset(),
) -> Seen:
    """The element's windows at `at`, without the branches already explained below it;
    `fresh` are the reports of the batch not yet added to the load (elements are judged
    deepest first)."""
    latest: dict[int, list] = {}
    for report in [*load.recent, *fresh]:
        known = latest.get(report[CUSTOMER])
        if known is None or known[TS] <= report[TS]:
            latest[report[CUSTOMER]] = report
    base = rate(load, at, p) * p.margin
    counted = [r for r in latest.values() if r[CHILD] not in explained_branches]
    total, by_branch, expected = [], [], []
    for window in p.windows:
        inside = [r[CHILD] for r in counted if r[TS] >= at - window]
        total.append(len(inside))
        by_branch.append(Counter(inside))
        expected.append(base * (window / 3600) * shape(top or load, at - window / 2, p))
    return Seen(tuple(total), tuple(by_branch), tuple(expected))


def explains(load: Load, fresh: list[list], *, branch: int, at: float, p: Params, **kw) -> bool:
    """`seen(...).explains(branch)`: one branch's question, for a single use."""
    return seen(load, fresh, at=at, p=p, **kw).explains(branch, p)


def _scan(reports: list[list], base: float, at: float, p: Params, top: Load):
    """The most abnormal of the windows: (customers, expected, p-value × windows)."""
    best = (0, 0.0, 1.0)
    times = sorted(r[TS] for r in reports)  # already in order: `add` keeps them sorted
    for window in p.windows:
        k = len(times) - bisect_left(times, at - window)
        expected = base * (window / 3600) * shape(top, at - window / 2, p)
        if not best[1]:
            best = (k, expected, 1.0)
        if k >= p.min_customers:
            p_value = min(1.0, tail(k, expected) * len(p.windows))
            if p_value < best[2]:
                best = (k, expected, p_value)
    return best


def from_epoch(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)
