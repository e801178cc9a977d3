"""Turn a capacity plan into slots: how many technicians work each half-day, per area.

The plan is deliberately simple — the same number of technicians every
weekday morning and afternoon, Saturday mornings only, no Sundays — and
idempotent: slots that already exist (and their bookings) are left alone.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction

from filrouge.appointments.models import HalfDay, Slot
from filrouge.core.clock import today
from filrouge.network.models import Area


class PlanError(ValueError):
    pass


@dataclass(frozen=True)
class Plan:
    morning: int = 2
    afternoon: int = 2
    saturday_morning: int = 1

    def capacity(self, day: date, half_day: str) -> int:
        weekday = day.weekday()
        if weekday == 6:
            return 0
        if weekday == 5:
            return self.saturday_morning if half_day == HalfDay.MORNING else 0
        return self.morning if half_day == HalfDay.MORNING else self.afternoon


@transaction.atomic
def plan_slots(*, days: int, plan: Plan, areas=None, start: date | None = None) -> tuple[int, int]:
    """Create the missing slots from tomorrow (or `start`) for `days` days.

    Returns (slots created, slots already there)."""
    if days < 1 or days > 366:
        raise PlanError("--days must be between 1 and 366.")
    if min(plan.morning, plan.afternoon, plan.saturday_morning) < 0:
        raise PlanError("A number of technicians cannot be negative.")
    first = start or today() + timedelta(days=1)
    areas = areas if areas is not None else Area.objects.all()
    area_ids = list(areas.values_list("pk", flat=True))
    wanted = [
        Slot(area_id=area_id, date=day, half_day=half, capacity=capacity)
        for area_id in area_ids
        for day in (first + timedelta(days=n) for n in range(days))
        for half in HalfDay.values
        if (capacity := plan.capacity(day, half)) > 0
    ]
    existing = Slot.objects.filter(
        area_id__in=area_ids, date__gte=first, date__lt=first + timedelta(days=days)
    ).count()
    Slot.objects.bulk_create(wanted, batch_size=1000, ignore_conflicts=True)
    after = Slot.objects.filter(
        area_id__in=area_ids, date__gte=first, date__lt=first + timedelta(days=days)
    ).count()
    return after - existing, existing
