"""A customer with a fibre line served by a PM of one area, a case, and that area's slots."""

import datetime as dt
from dataclasses import dataclass

from filrouge.accounts.tests.factories import AgentFactory
from filrouge.appointments.models import PARIS, HalfDay, Slot
from filrouge.cases.models import Case
from filrouge.cases.tests.factories import make_case
from filrouge.customers.models import Address, Line
from filrouge.customers.tests.factories import AddressFactory, CustomerFactory, LineFactory
from filrouge.network.models import Area, NetworkElement
from filrouge.network.services import add_element

# A Monday, 10:00 in Paris: tomorrow's slots are still bookable (cut-off 18:00 today).
MONDAY_10 = dt.datetime(2026, 3, 9, 10, 0, tzinfo=PARIS)
TUESDAY = dt.date(2026, 3, 10)


@dataclass
class World:
    area: Area
    pm: NetworkElement
    line: Line
    address: Address
    case: Case


def area(postcode: str = "75011", commune: str = "Paris 11e Arrondissement") -> Area:
    return Area.objects.get_or_create(postcode=postcode, commune=commune)[0]


def world(*, the_area: Area | None = None, owner=None, n: int = 0) -> World:
    the_area = the_area or area()
    pm = NetworkElement.objects.filter(kind="pm", areas=the_area).first()
    if pm is None:
        nro = add_element(kind="nro", code=f"NRO-{the_area.pk}", areas=[the_area])
        pm = add_element(kind="pm", code=f"PM-{the_area.pk}", parent=nro, areas=[the_area])
    cable = add_element(
        kind="cable", code=f"CAB-{the_area.pk}-{n}-{Line.objects.count()}", parent=pm
    )
    customer = CustomerFactory()
    address = AddressFactory(
        customer=customer, postcode=the_area.postcode, commune=the_area.commune
    )
    line = LineFactory(customer=customer, service_address=address, network_element=cable)
    owner = owner or AgentFactory()
    case = make_case(customer=customer, owner=owner, line=line)
    return World(the_area, pm, line, address, case)


def slot(the_area: Area, day: dt.date = TUESDAY, half: str = HalfDay.MORNING, capacity=2, booked=0):
    return Slot.objects.create(
        area=the_area, date=day, half_day=half, capacity=capacity, booked=booked
    )
