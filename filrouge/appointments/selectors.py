"""Reads: where a case's technician would go, which slots are really free there."""

from datetime import date, datetime, time, timedelta

from django.db.models import F, Q

from filrouge.appointments.models import CUTOFF_HOUR, PARIS, Appointment, Slot
from filrouge.cases.models import Case
from filrouge.core.clock import now
from filrouge.customers.models import Address, Line
from filrouge.customers.selectors import current_address
from filrouge.network.models import Area, NetworkElement

# How far ahead a customer is offered slots; past that, a callback instead.
SEARCH_DAYS = 14


def service_line(case: Case) -> Line | None:
    """The case's line, else the customer's first fixed line still in service."""
    if case.line_id:
        return case.line
    return (
        Line.objects.filter(customer_id=case.customer_id)
        .exclude(product=Line.Product.MOBILE)
        .exclude(status=Line.Status.TERMINATED)
        .order_by("pk")
        .first()
    )


def visit_address(case: Case, line: Line | None) -> Address | None:
    """Where the technician goes: the customer's current address, else the line's."""
    address = current_address(case.customer)
    if address is None and line is not None and line.service_address_id:
        address = line.service_address
    return address


def area_for(line: Line | None, address: Address | None) -> Area | None:
    """The area whose technicians serve this line: the one linked to its network element
    (or the nearest element above it); without a line, the area of the address."""
    if line is not None and line.network_element_id:
        element = NetworkElement.objects.only("path").get(pk=line.network_element_id)
        ids = [int(i) for i in element.path.strip("/").split("/") if i] or [element.pk]
        links = list(
            NetworkElement.areas.through.objects.filter(networkelement_id__in=ids).values_list(
                "networkelement_id", "area_id"
            )
        )
        for element_id in reversed(ids):  # deepest first
            area_ids = [a for e, a in links if e == element_id]
            if area_ids:
                areas = list(Area.objects.filter(pk__in=area_ids))
                if address is not None:
                    for area in areas:
                        if area.postcode == address.postcode:
                            return area
                return areas[0]
    if address is not None:
        return (
            Area.objects.filter(postcode=address.postcode)
            .order_by(~Q(commune__iexact=address.commune), "pk")
            .first()
        )
    return None


def first_bookable_day(at: datetime | None = None) -> date:
    """The earliest visit day whose cut-off (the day before at 18:00, Paris) is still ahead."""
    local = (at or now()).astimezone(PARIS)
    return local.date() + timedelta(days=1 if local.time() < time(CUTOFF_HOUR) else 2)


def last_search_day(at: datetime | None = None) -> date:
    return (at or now()).astimezone(PARIS).date() + timedelta(days=SEARCH_DAYS)


def open_slots(area: Area | None, *, days: int = SEARCH_DAYS, at: datetime | None = None):
    """Slots of `area` still before their cut-off, up to `days` days ahead (full ones too)."""
    if area is None:
        return Slot.objects.none()
    local_today = (at or now()).astimezone(PARIS).date()
    return Slot.objects.filter(
        area=area,
        date__gte=first_bookable_day(at),
        date__lte=local_today + timedelta(days=days),
    ).order_by("date", "half_day")


def free_slots(area: Area | None, *, days: int = SEARCH_DAYS, at: datetime | None = None):
    """The open slots of `area` with a place left."""
    return open_slots(area, days=days, at=at).filter(booked__lt=F("capacity"))


def slots_free_for(line: Line, *, days: int = SEARCH_DAYS, at: datetime | None = None):
    address = line.service_address if line.service_address_id else None
    return free_slots(area_for(line, address), days=days, at=at)


def live_appointment(case: Case) -> Appointment | None:
    return (
        Appointment.objects.filter(case=case, state=Appointment.State.BOOKED)
        .select_related("slot__area")
        .first()
    )


def appointments_of(case: Case) -> list[Appointment]:
    return list(case.appointments.select_related("slot__area").order_by("-created_at"))
