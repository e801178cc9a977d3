"""The Poisson upper tail P(X ≥ k) for X ~ Poisson(mu), without scipy.

For the small counts the detector tests (a handful to a few hundred reports)
the tail is summed directly from its first term, so a p-value of 1e-12 keeps
its digits instead of vanishing in `1 - cdf`. When k is at or below the mean
the tail is close to 1 and `1 - cdf` is exact enough.
"""

import math


def tail(k: int, mu: float) -> float:
    """P(X ≥ k) for X ~ Poisson(mu)."""
    if k <= 0:
        return 1.0
    if mu <= 0:
        return 0.0
    if k <= mu:
        term = math.exp(-mu)
        below = term
        for i in range(1, k):
            term *= mu / i
            below += term
        return max(0.0, 1.0 - below)
    term = math.exp(k * math.log(mu) - mu - math.lgamma(k + 1))
    total, i = term, k
    while term > total * 1e-16:
        i += 1
        term *= mu / i
        total += term
    return min(1.0, total)
