"""Reads for the shipment and move pages."""

from dataclasses import dataclass
from datetime import date

from filrouge.appointments.models import Appointment
from filrouge.cases.models import Case, Event
from filrouge.customers.models import Address, Customer
from filrouge.fieldops.models import Shipment


def shipments_of(case: Case) -> list[Shipment]:
    return list(case.shipments.select_related("address", "redirect_to").order_by("-created_at"))


def shipment_of(case: Case, pk: int) -> Shipment | None:
    return case.shipments.filter(pk=pk).first()


def customer_for_move(pk: int) -> Customer | None:
    """A customer file an advisor may declare a move on (not a merged sender's file)."""
    return (
        Customer.objects.filter(pk=pk, merged_into__isnull=True)
        .prefetch_related("addresses")
        .first()
    )


@dataclass(frozen=True)
class MoveSummary:
    address: str
    on: date
    rerouted: list[Shipment]
    redirected: list[Shipment]
    visits: list[tuple[Appointment, bool]]  # (visit, in another area than the new address)


def move_summary(case: Case, event_id: str) -> dict:
    """What followed the customer after the move declared from this case (event
    `event_id`), read back from the event's facts; {} for anything else."""
    if not event_id.isdigit():
        return {}
    event = case.events.filter(pk=int(event_id), kind=Event.Kind.MOVE_DECLARED).first()
    if event is None:
        return {}
    data = event.data
    parcels = {
        s.pk: s
        for s in Shipment.objects.filter(
            customer_id=case.customer_id, pk__in=data["rerouted"] + data["redirected"]
        )
    }
    visits = Appointment.objects.filter(
        customer_id=case.customer_id, pk__in=data["appointments"]
    ).select_related("slot__area", "address", "case")
    new_postcode = (
        Address.objects.filter(pk=data["address_id"]).values_list("postcode", flat=True).first()
    )
    summary = MoveSummary(
        address=data["address"],
        on=date.fromisoformat(data["on"]),
        rerouted=[parcels[pk] for pk in data["rerouted"] if pk in parcels],
        redirected=[parcels[pk] for pk in data["redirected"] if pk in parcels],
        visits=[(v, v.slot.area.postcode != new_postcode) for v in visits],
    )
    return {"done": summary}
