"""Demo: the customer of the "delivery" showcase case (the 4G box sent to the old address,
story A4) gets a new box being prepared and a technician visit booked, so that moving
house from their tracking link shows both following them (`filrouge demo` calls `seed`)."""

from filrouge.appointments import selectors as diary
from filrouge.appointments import services as appointments
from filrouge.cases.models import Case
from filrouge.fieldops import services
from filrouge.fieldops.models import Shipment


def seed(case: Case) -> int:
    """A box being prepared and the first free visit on `case`; returns shipments made."""
    services.prepare_shipment(case, item=Shipment.Item.BACKUP_4G, by=case.owner)
    line = diary.service_line(case)
    area = diary.area_for(line, diary.visit_address(case, line))
    free = next((s for s in diary.open_slots(area) if s.free), None)
    if free is not None:
        appointments.book(case, slot=free, by=case.owner)
    return 1
