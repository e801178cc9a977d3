"""The detector's arithmetic on one network element, free of the database.

An element keeps a small `Load`: the reports of its sliding window (one per
distinct customer: the time, the customer, the child element the report came
through — 0 when the customer's line hangs off the element itself — and the
case) and its background rate, learned from the reports that left the window.

The background rate is an exponentially forgetting average: `weight` is the
number of past reports, each discounted by exp(-age / memory), and the rate is

    (weight + prior_rate × prior_hours) / (effective hours observed + prior_hours)

where the effective hours are memory × (1 − exp(−age of the load / memory)): a new
element starts at the prior rate (the floor) and a busy one converges to its own
rate within days. Reports in the window do not count in the background they are
tested against; a report leaves the window into the background, except while its
element (or the branch it came through) is explained by an open suspicion or
incident — those reports are the outage, not the background.

The test: with `k` distinct customers in the window and `mu` the count expected
in a window at this hour (rate × window × the hourly profile × margin), the
element is abnormal when k ≥ min_customers and P(X ≥ k | mu) < alpha; an element
with elements below it also needs its reports to come through `min_children`
branches at least (one branch alone is that child's business, judged by its own
background).
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from filrouge.detection.conf import Params
from filrouge.detection.poisson import tail

PARIS = ZoneInfo("Europe/Paris")
TS, CUSTOMER, CHILD, CASE = range(4)  # the fields of one report in `Load.recent`


@dataclass(slots=True)
class Load:
    recent: list[list]  # [time (epoch seconds), customer id, child element id or 0, case id]
    weight: float  # past reports, each discounted by exp(-age / memory), as of weight_at
    weight_at: float  # epoch seconds
    since: float  # epoch seconds: when the element was first seen
    prior: float = 0.01  # reports per hour assumed before anything was seen, and the floor


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
    observed_h = memory_h * (1 - math.exp(-max(0.0, at - load.since) / p.memory))
    learned = (decayed + load.prior * p.prior_hours) / (observed_h + p.prior_hours)
    return max(learned, load.prior)


def profile_at(at: float, p: Params) -> float:
    """The hourly weight for a window ending at `at` (taken at the window's middle)."""
    return p.profile[datetime.fromtimestamp(at - p.window / 2, PARIS).hour]


def learn(load: Load, times: Iterable[float], at: float, p: Params) -> None:
    """Fold reports (their times) into the background, as of `at`."""
    weight = load.weight * math.exp(-max(0.0, at - load.weight_at) / p.memory)
    for t in times:
        weight += math.exp(-max(0.0, at - t) / p.memory)
    load.weight, load.weight_at = weight, max(at, load.weight_at)


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
    kept.sort(key=lambda r: r[TS])
    load.recent = kept


def judge(
    load: Load,
    *,
    at: float,
    p: Params,
    explained_branches: set[int] | frozenset[int] = frozenset(),
) -> Verdict:
    """Is the window abnormal for this element's own background?"""
    cutoff = at - p.window
    counted = [r for r in load.recent if r[TS] >= cutoff and r[CHILD] not in explained_branches]
    customers = len(counted)
    children = {r[CHILD] for r in counted}
    expected = rate(load, at, p) * (p.window / 3600) * profile_at(at, p) * p.margin
    if customers < p.min_customers:
        return Verdict(customers, len(children), expected, 1.0, False)
    p_value = tail(customers, expected)
    spread = children == {0} or len(children) >= p.min_children
    return Verdict(customers, len(children), expected, p_value, p_value < p.alpha and spread)


def epoch(at: datetime) -> float:
    return at.timestamp()


def from_epoch(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)
