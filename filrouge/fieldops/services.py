"""Writes on shipments. Each is atomic and writes its timeline event in the same transaction.

`by` is the advisor acting; None means the customer, online (their move of house
re-routes their parcels): their events carry the `web` channel, like the
appointment services'.
"""

from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils.translation import gettext as _

from filrouge.accounts.models import Agent
from filrouge.cases import services as cases
from filrouge.cases.models import Case, Event
from filrouge.cases.services import CaseError
from filrouge.core.clock import now, today
from filrouge.customers.models import Address, Channel
from filrouge.customers.selectors import current_address
from filrouge.fieldops.models import Shipment

PUBLIC = Event.Visibility.PUBLIC
INTERNAL = Event.Visibility.INTERNAL
# A parcel prepared today is expected this many days later unless the advisor says otherwise.
DELIVERY_DAYS = 3
MAX_DELIVERY_DAYS = 60


class ShipmentError(CaseError):
    pass


def _record(case: Case, shipment: Shipment, *, kind: str, by: Agent | None, at: datetime, **facts):
    return cases.record_event(
        case,
        kind=kind,
        visibility=PUBLIC,
        actor=by,
        actor_label="" if by else "customer",
        channel="" if by else Channel.WEB,
        data={"shipment": shipment.pk, "item": shipment.item, **facts},
        at=at,
    )


def _lock(shipment: Shipment, *, state: str, refusal: str) -> Shipment:
    locked = Shipment.objects.select_for_update().select_related("case").get(pk=shipment.pk)
    if locked.state != state:
        raise ShipmentError(refusal)
    return locked


def _save(shipment: Shipment, *fields: str, at: datetime) -> None:
    shipment.updated_at = at
    shipment.save(update_fields=[*fields, "updated_at"])


@transaction.atomic
def prepare_shipment(
    case: Case, *, item: str, by: Agent, expected_on: date | None = None
) -> Shipment:
    """Send a piece of equipment for the case, to the address the customer will have
    on the day it is expected (a move already declared for that day counts)."""
    case = Case.objects.select_for_update().select_related("customer").get(pk=case.pk)
    if not case.is_open:
        raise ShipmentError(_("This case is closed: reopen it before sending equipment."))
    if item not in Shipment.Item.values:
        raise ShipmentError(_("Choose what to send in the list."))
    day = today()
    expected_on = expected_on or day + timedelta(days=DELIVERY_DAYS)
    if not day <= expected_on <= day + timedelta(days=MAX_DELIVERY_DAYS):
        raise ShipmentError(
            _("The expected delivery date must be between today and %(days)s days from now.")
            % {"days": MAX_DELIVERY_DAYS}
        )
    address = current_address(case.customer, on=expected_on) or current_address(case.customer)
    if address is None and case.line_id and case.line.service_address_id:
        address = case.line.service_address
    if address is None:
        raise ShipmentError(_("There is no address on file to send it to."))
    at = now()
    shipment = Shipment.objects.create(
        case=case,
        customer_id=case.customer_id,
        item=item,
        address=address,
        expected_on=expected_on,
        created_at=at,
        updated_at=at,
    )
    _record(
        case,
        shipment,
        kind=Event.Kind.SHIPMENT_PREPARED,
        by=by,
        at=at,
        address=str(address),
        expected_on=expected_on.isoformat(),
    )
    return shipment


@transaction.atomic
def dispatch(shipment: Shipment, *, carrier: str, tracking_number: str, by: Agent) -> Shipment:
    """Hand the parcel to the carrier: its address is frozen as printed on the label."""
    shipment = _lock(
        shipment,
        state=Shipment.State.PREPARING,
        refusal=_("This shipment has already been handed to the carrier."),
    )
    tracking_number = tracking_number.strip()
    if carrier not in Shipment.Carrier.values:
        raise ShipmentError(_("Choose the carrier in the list."))
    if not tracking_number or len(tracking_number) > 40:
        raise ShipmentError(_("Give the carrier's tracking number (at most 40 characters)."))
    at = now()
    shipment.state = Shipment.State.DISPATCHED
    shipment.address_text = str(shipment.address)[:300]
    shipment.carrier, shipment.tracking_number, shipment.dispatched_at = (
        carrier,
        tracking_number,
        at,
    )
    _save(shipment, "state", "address_text", "carrier", "tracking_number", "dispatched_at", at=at)
    _record(
        shipment.case,
        shipment,
        kind=Event.Kind.SHIPMENT_DISPATCHED,
        by=by,
        at=at,
        carrier=carrier,
        tracking_number=tracking_number,
        address=shipment.address_text,
        expected_on=shipment.expected_on.isoformat(),
    )
    return shipment


@transaction.atomic
def mark_delivered(shipment: Shipment, *, by: Agent) -> Shipment:
    return _arrive(shipment, state=Shipment.State.DELIVERED, by=by)


@transaction.atomic
def mark_returned(shipment: Shipment, *, by: Agent) -> Shipment:
    """The carrier brought it back (refused, not collected, wrong address)."""
    return _arrive(shipment, state=Shipment.State.RETURNED, by=by)


def _arrive(shipment: Shipment, *, state: str, by: Agent) -> Shipment:
    shipment = _lock(
        shipment,
        state=Shipment.State.DISPATCHED,
        refusal=_("Only a parcel with the carrier can be delivered or returned."),
    )
    at = now()
    shipment.state = state
    fields = ["state"]
    if state == Shipment.State.DELIVERED:
        shipment.delivered_at = at
        fields.append("delivered_at")
    _save(shipment, *fields, at=at)
    kind = (
        Event.Kind.SHIPMENT_DELIVERED
        if state == Shipment.State.DELIVERED
        else Event.Kind.SHIPMENT_RETURNED
    )
    _record(shipment.case, shipment, kind=kind, by=by, at=at, address=shipment.address_text)
    return shipment


@transaction.atomic
def reroute(shipment: Shipment, *, to: Address, by: Agent | None = None) -> Shipment:
    """Send a parcel still being prepared to another of the customer's addresses."""
    shipment = _lock(
        shipment,
        state=Shipment.State.PREPARING,
        refusal=_("This parcel is already with the carrier: ask for a redirect instead."),
    )
    if to.customer_id != shipment.customer_id:
        raise ShipmentError(_("This address belongs to another customer."))
    if to.pk == shipment.address_id:
        return shipment
    at = now()
    previous = str(shipment.address)
    shipment.address = to
    _save(shipment, "address", at=at)
    _record(
        shipment.case,
        shipment,
        kind=Event.Kind.SHIPMENT_REROUTED,
        by=by,
        at=at,
        previous=previous,
        address=str(to),
    )
    return shipment


@transaction.atomic
def request_redirect(shipment: Shipment, *, to: Address, by: Agent | None = None) -> Shipment:
    """A parcel already with the carrier must go elsewhere: only the carrier can do it.

    The request is recorded on the parcel and on the case (public: the customer knows
    it is asked, not done), the case comes back to the top of its owner's queue —
    reopened if it was resolved or waiting on the customer — and an internal event
    tells the owner what to ask the carrier. The label keeps its address.
    """
    shipment = _lock(
        shipment,
        state=Shipment.State.DISPATCHED,
        refusal=_("Only a parcel with the carrier can be redirected."),
    )
    if to.customer_id != shipment.customer_id:
        raise ShipmentError(_("This address belongs to another customer."))
    if to.pk == shipment.redirect_to_id:
        return shipment
    at = now()
    shipment.redirect_to, shipment.redirect_requested_at = to, at
    _save(shipment, "redirect_to", "redirect_requested_at", at=at)
    facts = {
        "shipment": shipment.pk,
        "item": shipment.item,
        "carrier": shipment.carrier,
        "tracking_number": shipment.tracking_number,
        "label": shipment.address_text,
        "address": str(to),
    }
    case = shipment.case
    cases.record_contact(
        case,
        kind=Event.Kind.SHIPMENT_REDIRECT_REQUESTED,
        channel="" if by else Channel.WEB,
        data=facts,
        by=by,
        actor_label="" if by else "customer",
    )
    case.refresh_from_db(fields=["owner"])
    owner = case.owner
    cases.record_event(
        case,
        kind=Event.Kind.SHIPMENT_REDIRECT_TO_DO,
        visibility=INTERNAL,
        actor=by,
        actor_label="" if by else "customer",
        data={**facts, "owner": owner.pk if owner else None, "owner_name": _name(owner)},
        at=at,
    )
    return shipment


def _name(agent: Agent | None) -> str:
    return agent.display_name if agent is not None else ""
