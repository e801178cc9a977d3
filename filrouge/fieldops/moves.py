"""A move of house, declared by the customer (tracking page) or an advisor (console).

Story A4: the address change was recorded in one place and not in the shipment.
Here it is one transaction: the new address becomes current from the move date
(the old one is closed and kept, `customers.services.move_customer`), then
everything on its way to the customer follows —

- a parcel still being prepared goes to the new address (`shipment_rerouted`);
- a parcel already with the carrier gets a redirect request on its case, and the
  case's owner is told what to ask the carrier (`request_redirect`);
- a booked technician visit on or after the move date goes to the new address
  (`appointments.services.reroute`). The slot is kept; when the new address is
  in another area the customer is told to pick a new slot there.

Only what arrives on or after the move date follows: a parcel expected before it
still finds the customer at the old address. Once the move date has come, every
parcel still on its way follows. Anything refused leaves everything unchanged.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import transaction
from django.utils import formats
from django.utils.translation import gettext as _

from filrouge.accounts.models import Agent
from filrouge.appointments import services as appointments
from filrouge.appointments.models import Appointment
from filrouge.cases import services as cases
from filrouge.cases.models import Case, Event
from filrouge.cases.services import CaseError
from filrouge.core.clock import today
from filrouge.customers.models import Address, Channel, Customer
from filrouge.customers.normalise import InvalidContact, fold, normalise_postcode
from filrouge.customers.selectors import current_address
from filrouge.customers.services import CustomerError, move_customer
from filrouge.fieldops import services as shipments
from filrouge.fieldops.models import Shipment

# A move is declared at most a month after it happened, and at most six months ahead.
DAYS_BACK = 31
DAYS_AHEAD = 183


class MoveError(CaseError):
    pass


@dataclass
class MoveOutcome:
    address: Address
    on: date
    rerouted: list[Shipment] = field(default_factory=list)
    redirected: list[Shipment] = field(default_factory=list)
    appointments: list[Appointment] = field(default_factory=list)
    # Re-routed visits whose slot belongs to another area than the new address.
    other_area: list[Appointment] = field(default_factory=list)
    event: Event | None = None  # the `move_declared` event

    @property
    def followed(self) -> int:
        return len(self.rerouted) + len(self.redirected) + len(self.appointments)


def check_move_date(on: date) -> None:
    day = today()
    if on < day - timedelta(days=DAYS_BACK):
        raise MoveError(
            _("The move date cannot be more than %(days)s days ago.") % {"days": DAYS_BACK}
        )
    if on > day + timedelta(days=DAYS_AHEAD):
        raise MoveError(
            _("The move date cannot be more than six months from now (%(last)s at the latest).")
            % {"last": formats.date_format(day + timedelta(days=DAYS_AHEAD), "DATE_FORMAT")}
        )


@transaction.atomic
def declare_move(
    customer: Customer,
    *,
    line1: str,
    postcode: str,
    commune: str,
    on: date,
    line2: str = "",
    by: Agent | None = None,
    case: Case | None = None,
) -> MoveOutcome:
    """The customer lives at the new address from `on`; what is on its way follows.

    `case` is the case the customer declared it from (their tracking link), if any.
    """
    check_move_date(on)
    try:
        postcode = normalise_postcode(postcode)
        _refuse_same_address(customer, line1=line1, postcode=postcode, commune=commune, on=on)
        address = move_customer(
            customer, line1=line1, line2=line2, postcode=postcode, commune=commune, on=on
        )
    except (CustomerError, InvalidContact) as refused:
        raise MoveError(str(refused)) from refused
    outcome = follow_move(customer, new_address=address, on=on, by=by)
    outcome.event = cases.record_event(
        case,
        customer=customer,
        kind=Event.Kind.MOVE_DECLARED,
        visibility=Event.Visibility.PUBLIC if case else Event.Visibility.INTERNAL,
        actor=by,
        actor_label="" if by else "customer",
        channel="" if by else Channel.WEB,
        data={
            "address": str(address),
            "address_id": address.pk,
            "on": on.isoformat(),
            "rerouted": [s.pk for s in outcome.rerouted],
            "redirected": [s.pk for s in outcome.redirected],
            "appointments": [a.pk for a in outcome.appointments],
        },
    )
    return outcome


def _refuse_same_address(customer: Customer, *, line1, postcode, commune, on) -> None:
    current = current_address(customer, on=on)
    if current is None:
        return
    same = (fold(current.line1), current.postcode, fold(current.commune)) == (
        fold(line1),
        postcode,
        fold(commune),
    )
    if same:
        raise MoveError(_("This is already the address on file for that date."))


def follow_move(
    customer: Customer, *, new_address: Address, on: date, by: Agent | None
) -> MoveOutcome:
    """Re-route what is on its way to the customer and arrives from `on` (call in a
    transaction: `declare_move` does)."""
    outcome = MoveOutcome(address=new_address, on=on)
    moved_in = on <= today()
    on_the_way = Shipment.objects.filter(
        customer=customer, state__in=[Shipment.State.PREPARING, Shipment.State.DISPATCHED]
    ).order_by("pk")
    for shipment in on_the_way:
        if not moved_in and shipment.expected_on < on:
            continue  # it arrives while the customer still lives at the old address
        if shipment.state == Shipment.State.PREPARING:
            outcome.rerouted.append(shipments.reroute(shipment, to=new_address, by=by))
        else:
            outcome.redirected.append(shipments.request_redirect(shipment, to=new_address, by=by))
    visits = (
        Appointment.objects.filter(
            customer=customer,
            state=Appointment.State.BOOKED,
            slot__date__gte=max(on, today()),
        )
        .select_related("slot__area")
        .order_by("slot__date", "pk")
    )
    for visit in visits:
        visit = appointments.reroute(visit, to=new_address, by=by)
        outcome.appointments.append(visit)
        if visit.slot.area.postcode != new_address.postcode:
            outcome.other_area.append(visit)
    return outcome
