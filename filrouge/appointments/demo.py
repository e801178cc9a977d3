"""Demo slots: three weeks planned everywhere, and the first days of the first demo
commune filled by real bookings of other customers, so the pages show free and full
slots side by side (`filrouge demo` calls `seed` after loading the operator)."""

from filrouge.appointments import services
from filrouge.appointments.models import Slot
from filrouge.appointments.planning import Plan, plan_slots
from filrouge.appointments.selectors import first_bookable_day
from filrouge.cases.models import ACTIVE_STATUSES, Case
from filrouge.customers.models import Line
from filrouge.network.models import Area

FULL_SLOTS = 3


def seed(*, commune_postcode: str, skip_customers: set[int]) -> int:
    """Plan 21 days for every area, then book the first slots of `commune_postcode`'s
    area to the full with open cases of its other customers. Returns bookings made."""
    plan_slots(days=21, plan=Plan())
    area = Area.objects.filter(postcode=commune_postcode).order_by("pk").first()
    if area is None:
        return 0
    slots = list(
        Slot.objects.filter(area=area, date__gte=first_bookable_day()).order_by("date", "half_day")[
            :FULL_SLOTS
        ]
    )
    places = sum(s.capacity for s in slots)
    cases = (
        Case.objects.filter(
            status__in=ACTIVE_STATUSES,
            owner__isnull=False,
            line__network_element__areas=area,
        )
        .exclude(line__product=Line.Product.MOBILE)
        .exclude(customer_id__in=skip_customers)
        .order_by("customer_id", "pk")
        .distinct()
    )
    booked, seen = 0, set()
    for case in cases.iterator():
        if booked == places:
            break
        if case.customer_id in seen:
            continue
        seen.add(case.customer_id)
        target = next(s for s in slots if s.booked < s.capacity)
        services.book(case, slot=target, by=case.owner)
        target.booked += 1
        booked += 1
    return booked
