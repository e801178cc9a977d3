"""The detector's arithmetic on synthetic streams, without the database."""

import math
import random

import pytest

from filrouge.detection import engine
from filrouge.detection.conf import params
from filrouge.detection.poisson import tail

T0 = 1_773_136_800.0  # 2026-03-10 10:00 UTC, 11:00 in Paris


def test_poisson_tail_matches_the_definition():
    mu = 0.7
    pmf = [math.exp(-mu) * mu**i / math.factorial(i) for i in range(60)]
    for k in (0, 1, 2, 3, 5, 9):
        assert tail(k, mu) == pytest.approx(sum(pmf[k:]), rel=1e-9)
    assert tail(3, 0.01) == pytest.approx(0.01**3 / 6 * math.exp(-0.01), rel=1e-2)
    big = [math.exp(-20 + i * math.log(20) - math.lgamma(i + 1)) for i in range(200)]
    assert tail(40, 20.0) == pytest.approx(sum(big[40:]), rel=1e-9)
    assert tail(15, 20.0) == pytest.approx(sum(big[15:]), rel=1e-9)
    assert tail(1, 0.0) == 0.0


def _poisson_stream(rng, per_day: float, days: int, p) -> list[float]:
    """Report times of a background following the hourly profile, `per_day` on average."""
    times = []
    for hour in range(days * 24):
        at = T0 + hour * 3600
        lam = per_day / 24 * p.profile[engine.datetime.fromtimestamp(at, engine.PARIS).hour]
        t = at
        while True:
            t += rng.expovariate(lam) * 3600
            if t >= at + 3600:
                break
            times.append(t)
    return times


@pytest.mark.parametrize("per_day", [0.1, 0.5, 3.0, 20.0])
def test_a_steady_background_never_raises(per_day):
    """30 days of one element's ordinary reports (each from a new customer), at rates from
    a quiet cable to a busy PM: never abnormal, once the first day has taught the rate."""
    rng, p = random.Random(per_day), params()
    load = engine.Load([], 0.0, T0, T0)
    verdicts = []
    for n, t in enumerate(_poisson_stream(rng, per_day, 30, p)):
        engine.add(load, [[t, n, 0, n]], at=t, p=p, explained=False)
        verdicts.append(engine.judge(load, at=t, p=p))
    assert len(verdicts) > per_day * 20
    assert not [v for v in verdicts if v.abnormal]
    if per_day >= 3:  # enough reports for the learned rate to be close
        assert engine.rate(load, T0 + 30 * 86400, p) == pytest.approx(per_day / 24, rel=0.3)


def test_the_third_customer_within_the_hour_raises_a_quiet_element():
    p = params()
    load = engine.Load([], 0.0, T0 - 30 * 86400, T0 - 30 * 86400)
    seen = [
        engine.add(load, [[T0 + i * 600, i, 0, i]], at=T0 + i * 600, p=p, explained=False)
        or engine.judge(load, at=T0 + i * 600, p=p)
        for i in range(3)
    ]
    assert [v.abnormal for v in seen] == [False, False, True]
    assert seen[2].customers == 3
    assert seen[2].p_value < 1e-5


def test_the_same_customer_again_is_not_a_new_report():
    p = params()
    load = engine.Load([], 0.0, T0 - 86400, T0 - 86400)
    for i in range(5):
        engine.add(load, [[T0 + i * 60, 42, 0, 7]], at=T0 + i * 60, p=p, explained=False)
    assert engine.judge(load, at=T0 + 300, p=p).customers == 1


def test_reports_spread_over_more_than_the_window_do_not_raise():
    p = params()
    load = engine.Load([], 0.0, T0 - 30 * 86400, T0 - 30 * 86400)
    for i in range(3):
        t = T0 + i * 2 * 3600
        engine.add(load, [[t, i, 0, i]], at=t, p=p, explained=False)
        assert not engine.judge(load, at=t, p=p).abnormal
    assert load.weight > 0  # the first two left the window into the background


def test_an_element_above_needs_its_reports_from_several_branches():
    p = params()
    one_branch = engine.Load([], 0.0, T0 - 30 * 86400, T0 - 30 * 86400)
    spread = engine.Load([], 0.0, T0 - 30 * 86400, T0 - 30 * 86400)
    for i in range(4):
        engine.add(one_branch, [[T0 + i, i, 11, i]], at=T0 + i, p=p, explained=False)
        engine.add(spread, [[T0 + i, i, 11 + i % 4, i]], at=T0 + i, p=p, explained=False)
    assert not engine.judge(one_branch, at=T0 + 4, p=p).abnormal
    assert engine.judge(spread, at=T0 + 4, p=p).abnormal
    assert not engine.judge(spread, at=T0 + 4, p=p, explained_branches={12}).abnormal


def test_one_busy_branch_and_a_stray_report_beside_it_do_not_raise_the_element_above():
    p = params()
    load = engine.Load([], 0.0, T0 - 30 * 86400, T0 - 30 * 86400, 0.06)
    reports = [[T0 + i, i, 11 if i < 3 else 12, i] for i in range(4)]  # 3 + 1
    engine.add(load, reports, at=T0 + 4, p=p, explained=False)
    assert not engine.judge(load, at=T0 + 4, p=p).abnormal


def test_the_daily_shape_is_learned_on_the_top_element():
    p = params()
    top = engine.Load([], 0.0, T0, T0, 0.6, [0.0] * 24)
    night = engine.datetime(2026, 3, 10, 3, 30, tzinfo=engine.PARIS).timestamp()
    assert engine.shape(top, night, p) == pytest.approx(p.profile[3])
    # A month of reports arriving evenly round the clock: the night is as busy as the day.
    engine.learn(top, [T0 + i * 360 for i in range(24 * 10 * 30)], T0 + 30 * 86400, p)
    assert engine.shape(top, night, p) == pytest.approx(1.0, abs=0.12)  # the table weighs little
    assert engine.shape(top, night, p) > 5 * p.profile[3]


def test_a_suspicion_above_explains_a_branch_only_while_abnormal_without_it():
    """An NRO suspected on reports from many PMs explains a new burst on one of them while
    the others still report abnormally; once their burst has passed, it explains nothing."""
    p = params()
    nro = engine.Load([], 0.0, T0 - 30 * 86400, T0 - 30 * 86400, 0.6)
    spread = [[T0 + i * 60, i, 100 + i % 8, i] for i in range(12)]  # 12 customers, 8 PMs
    engine.add(nro, spread, at=T0 + 660, p=p, explained=True)
    assert engine.judge(nro, at=T0 + 660, p=p).abnormal
    burst = [[T0 + 700 + i, 50 + i, 100, 50 + i] for i in range(3)]  # 3 more through PM 100
    assert engine.explains(nro, burst, branch=100, at=T0 + 702, p=p)

    later = T0 + 3 * 3600
    burst = [[later + i * 60, 60 + i, 100, 60 + i] for i in range(3)]
    engine.add(nro, burst[:2], at=later + 60, p=p, explained=True)
    assert not engine.explains(nro, burst[2:], branch=100, at=later + 120, p=p)
    # The same reports spread over other branches: the NRO's own window is abnormal again.
    others = [[later + 130 + i, 70 + i, 101 + i, 70 + i] for i in range(6)]
    assert engine.explains(nro, others, branch=100, at=later + 135, p=p)
