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
    # The sliding windows a burst is looked for in (seconds): a fast storm shows in the
    # short one, a slow one in the long one, three reports in 20-odd minutes in the
    # middle one; each window's p-value is multiplied by their number (Bonferroni), so
    # looking at several costs no false alarm (README, the detector's benchmark: 15 and
    # 60 min alone left 4 outages in 600 unraised a minute after 3 reports in the hour).
    "DETECTION_WINDOWS_SECONDS": (900, 1800, 3600),
    "DETECTION_ALPHA": 1e-5,
    "DETECTION_MIN_CUSTOMERS": 3,
    "DETECTION_MEMORY_DAYS": 7.0,
    # Reports per hour assumed of an element never seen, by kind (about 0.0002 an hour
    # per line served: 50 lines on a cable, 300 on a PM, 3,000 on an NRO).
    "DETECTION_PRIOR_RATE": {"cable": 0.01, "pm": 0.06, "nro": 0.6, "dslam": 0.2, "cell": 0.2},
    "DETECTION_PRIOR_HOURS": 12.0,
    "DETECTION_RATE_MARGIN": 1.0,
    "DETECTION_HOURLY_PROFILE": DEFAULT_PROFILE,
    "DETECTION_PROFILE_WEIGHT": 10.0,
}


@dataclass(frozen=True, slots=True)
class Params:
    windows: tuple[float, ...]  # seconds: the sliding windows a burst is looked for in
    window: float  # seconds: the longest of them (reports leave it into the background)
    alpha: float  # the p-value under which a count is abnormal
    min_customers: int  # never raise on fewer distinct customers than this
    memory: float  # seconds: time constant of the background rate's exponential forgetting
    prior_rate: dict[str, float]  # by kind: reports per hour assumed of a new element (the floor)
    prior_hours: float  # how many hours of observation that assumption weighs
    margin: float  # the expected count is multiplied by this (over-dispersion, profile error)
    profile: tuple[float, ...]  # 24 hourly weights of mean 1
    profile_weight: float  # reports per hour of day the configured profile weighs


def params() -> Params:
    get = {name: getattr(settings, name, default) for name, default in DEFAULTS.items()}
    raw = [float(v) for v in get["DETECTION_HOURLY_PROFILE"]]
    if len(raw) != 24 or min(raw) <= 0:
        raise ValueError("DETECTION_HOURLY_PROFILE needs 24 positive numbers.")
    mean = sum(raw) / 24
    windows = tuple(sorted(float(w) for w in get["DETECTION_WINDOWS_SECONDS"]))
    if not windows or windows[0] <= 0:
        raise ValueError("DETECTION_WINDOWS_SECONDS needs positive numbers of seconds.")
    return Params(
        windows=windows,
        window=windows[-1],
        alpha=float(get["DETECTION_ALPHA"]),
        min_customers=int(get["DETECTION_MIN_CUSTOMERS"]),
        memory=float(get["DETECTION_MEMORY_DAYS"]) * 86400,
        prior_rate={k: float(v) for k, v in get["DETECTION_PRIOR_RATE"].items()},
        prior_hours=float(get["DETECTION_PRIOR_HOURS"]),
        margin=float(get["DETECTION_RATE_MARGIN"]),
        profile=tuple(v / mean for v in raw),
        profile_weight=float(get["DETECTION_PROFILE_WEIGHT"]),
    )
