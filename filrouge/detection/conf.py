"""The detector's parameters: Django settings with these defaults (README, "Detector").

Read once per batch (`params()`), so a test's `settings` fixture changes them.
"""

from dataclasses import dataclass

from django.conf import settings

# Share of a day's outage contacts in each hour (Europe/Paris, 0 h … 23 h); scaled so
# the mean is 1. Customers report an outage when they are awake and at home: few at
# night, a morning and an evening peak.
DEFAULT_PROFILE = (
    0.25, 0.15, 0.1, 0.1, 0.1, 0.2,
    0.45, 0.9, 1.35, 1.6, 1.6, 1.5,
    1.4, 1.4, 1.4, 1.4, 1.5, 1.6,
    1.75, 1.75, 1.6, 1.3, 0.9, 0.5,
)  # fmt: skip

DEFAULTS = {
    "DETECTION_WINDOW_SECONDS": 3600,
    "DETECTION_ALPHA": 1e-5,
    "DETECTION_MIN_CUSTOMERS": 3,
    "DETECTION_MIN_CHILDREN": 2,
    "DETECTION_MEMORY_DAYS": 7.0,
    # Reports per hour assumed of an element never seen, by kind (about 0.0002 an hour
    # per line served: 50 lines on a cable, 300 on a PM, 3,000 on an NRO).
    "DETECTION_PRIOR_RATE": {"cable": 0.01, "pm": 0.06, "nro": 0.6, "dslam": 0.2, "cell": 0.2},
    "DETECTION_PRIOR_HOURS": 12.0,
    "DETECTION_RATE_MARGIN": 1.25,
    "DETECTION_HOURLY_PROFILE": DEFAULT_PROFILE,
}


@dataclass(frozen=True, slots=True)
class Params:
    window: float  # seconds: the sliding window a burst of reports must fall in
    alpha: float  # the p-value under which a count is abnormal
    min_customers: int  # never raise on fewer distinct customers than this
    min_children: int  # an element above others: its reports must come through this many
    memory: float  # seconds: time constant of the background rate's exponential forgetting
    prior_rate: dict[str, float]  # by kind: reports per hour assumed of a new element (the floor)
    prior_hours: float  # how many hours of observation that assumption weighs
    margin: float  # the expected count is multiplied by this (over-dispersion, profile error)
    profile: tuple[float, ...]  # 24 hourly weights of mean 1


def params() -> Params:
    get = {name: getattr(settings, name, default) for name, default in DEFAULTS.items()}
    raw = [float(v) for v in get["DETECTION_HOURLY_PROFILE"]]
    if len(raw) != 24 or min(raw) <= 0:
        raise ValueError("DETECTION_HOURLY_PROFILE needs 24 positive numbers.")
    mean = sum(raw) / 24
    return Params(
        window=float(get["DETECTION_WINDOW_SECONDS"]),
        alpha=float(get["DETECTION_ALPHA"]),
        min_customers=int(get["DETECTION_MIN_CUSTOMERS"]),
        min_children=int(get["DETECTION_MIN_CHILDREN"]),
        memory=float(get["DETECTION_MEMORY_DAYS"]) * 86400,
        prior_rate={k: float(v) for k, v in get["DETECTION_PRIOR_RATE"].items()},
        prior_hours=float(get["DETECTION_PRIOR_HOURS"]),
        margin=float(get["DETECTION_RATE_MARGIN"]),
        profile=tuple(v / mean for v in raw),
    )
