"""The one place Fil Rouge asks what time it is (a seam for tests)."""

from datetime import date, datetime

from django.utils import timezone


def now() -> datetime:
    return timezone.now()


def today() -> date:
    return timezone.localdate(now())
