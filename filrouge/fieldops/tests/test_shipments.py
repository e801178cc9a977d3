"""Shipments: prepared to an address, frozen at dispatch, delivered; each step on the timeline."""

import datetime as dt

import pytest
import time_machine

from filrouge.accounts.tests.factories import AgentFactory
from filrouge.appointments.tests.helpers import MONDAY_10, world
from filrouge.cases.models import Event, Status
from filrouge.cases.services import change_status
from filrouge.cases.timeline import describe
from filrouge.customers.services import move_customer
from filrouge.fieldops import services
from filrouge.fieldops.models import Shipment
from filrouge.fieldops.services import ShipmentError
from filrouge.notifications.models import NotificationItem

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _monday():
    with time_machine.travel(MONDAY_10, tick=False):
        yield


def test_preparing_a_shipment_goes_to_the_current_address_and_tells_the_customer():
    w = world()
    shipment = services.prepare_shipment(w.case, item="box", by=w.case.owner)
    assert shipment.state == Shipment.State.PREPARING
    assert shipment.address == w.address
    assert shipment.address_text == ""
    assert shipment.expected_on == dt.date(2026, 3, 12)
    event = w.case.events.get(kind=Event.Kind.SHIPMENT_PREPARED)
    assert event.visibility == Event.Visibility.PUBLIC
    assert describe(event) == (
        "Box internet en préparation pour 12 rue de la Roquette, 75011 Paris 11e "
        "Arrondissement, livraison prévue le 12 mars 2026"
    )
    assert NotificationItem.objects.filter(event=event).exists()


def test_a_shipment_expected_after_a_declared_move_goes_to_the_new_address():
    w = world()
    new = move_customer(
        w.case.customer,
        line1="3 rue Neuve",
        postcode="69003",
        commune="Lyon",
        on=dt.date(2026, 3, 11),
    )
    shipment = services.prepare_shipment(w.case, item="sim", by=w.case.owner)
    assert shipment.address == new


def test_dispatch_freezes_the_address_and_nothing_changes_it_afterwards():
    w = world()
    shipment = services.prepare_shipment(w.case, item="tv_decoder", by=w.case.owner)
    services.dispatch(shipment, carrier="colissimo", tracking_number=" 6A123 ", by=w.case.owner)
    shipment.refresh_from_db()
    frozen = str(w.address)
    assert (shipment.state, shipment.address_text, shipment.tracking_number) == (
        Shipment.State.DISPATCHED,
        frozen,
        "6A123",
    )
    # The address row is edited, the customer moves, the parcel is delivered: the label stays.
    w.address.line1 = "99 rue Ailleurs"
    w.address.save()
    new = move_customer(
        w.case.customer,
        line1="3 rue Neuve",
        postcode="69003",
        commune="Lyon",
        on=dt.date(2026, 3, 9),
    )
    services.request_redirect(shipment, to=new, by=w.case.owner)
    services.mark_delivered(shipment, by=w.case.owner)
    shipment.refresh_from_db()
    assert shipment.address_text == frozen
    assert shipment.state == Shipment.State.DELIVERED
    assert shipment.destination == frozen
    kinds = list(w.case.events.order_by("pk").values_list("kind", flat=True))
    assert Event.Kind.SHIPMENT_DISPATCHED in kinds
    assert kinds[-1] == Event.Kind.SHIPMENT_DELIVERED


def test_a_parcel_cannot_be_dispatched_twice_nor_without_carrier_or_number():
    w = world()
    shipment = services.prepare_shipment(w.case, item="box", by=w.case.owner)
    with pytest.raises(ShipmentError, match="transporteur"):
        services.dispatch(shipment, carrier="pigeon", tracking_number="1", by=w.case.owner)
    with pytest.raises(ShipmentError, match="numéro de suivi"):
        services.dispatch(shipment, carrier="dpd", tracking_number="  ", by=w.case.owner)
    shipment.refresh_from_db()
    assert (shipment.state, shipment.address_text) == (Shipment.State.PREPARING, "")
    services.dispatch(shipment, carrier="dpd", tracking_number="X1", by=w.case.owner)
    with pytest.raises(ShipmentError, match="déjà été remis"):
        services.dispatch(shipment, carrier="ups", tracking_number="X2", by=w.case.owner)
    shipment.refresh_from_db()
    assert (shipment.carrier, shipment.tracking_number) == ("dpd", "X1")


def test_delivering_a_parcel_still_being_prepared_is_refused():
    w = world()
    shipment = services.prepare_shipment(w.case, item="box", by=w.case.owner)
    with pytest.raises(ShipmentError, match="chez le transporteur"):
        services.mark_delivered(shipment, by=w.case.owner)
    assert not w.case.events.filter(kind=Event.Kind.SHIPMENT_DELIVERED).exists()


def test_preparing_is_refused_on_a_closed_case_with_a_bad_item_or_date():
    w = world()
    before = Shipment.objects.count()
    with pytest.raises(ShipmentError, match="liste"):
        services.prepare_shipment(w.case, item="piano", by=w.case.owner)
    with pytest.raises(ShipmentError, match="entre aujourd’hui|entre aujourd'hui"):
        services.prepare_shipment(
            w.case, item="box", by=w.case.owner, expected_on=dt.date(2026, 3, 1)
        )
    change_status(w.case, to=Status.CANCELLED, by=w.case.owner, reason="customer_withdrew")
    with pytest.raises(ShipmentError, match="clos"):
        services.prepare_shipment(w.case, item="box", by=w.case.owner)
    assert Shipment.objects.count() == before


def test_a_redirect_request_reopens_the_case_and_tells_the_owner_internally():
    w = world()
    owner = w.case.owner
    shipment = services.prepare_shipment(w.case, item="backup_4g", by=owner)
    services.dispatch(shipment, carrier="chronopost", tracking_number="CP9", by=owner)
    change_status(w.case, to=Status.IN_PROGRESS, by=owner)
    change_status(w.case, to=Status.PENDING, by=owner, reason="waiting_customer")
    new = move_customer(
        w.case.customer,
        line1="3 rue Neuve",
        postcode="69003",
        commune="Lyon",
        on=dt.date(2026, 3, 9),
    )
    colleague = AgentFactory()
    services.request_redirect(shipment, to=new, by=colleague)
    w.case.refresh_from_db()
    assert w.case.status == Status.IN_PROGRESS
    public = w.case.events.get(kind=Event.Kind.SHIPMENT_REDIRECT_REQUESTED)
    assert public.visibility == Event.Visibility.PUBLIC
    assert "Chronopost" in describe(public)
    assert "3 rue Neuve" in describe(public)
    to_do = w.case.events.get(kind=Event.Kind.SHIPMENT_REDIRECT_TO_DO)
    assert to_do.visibility == Event.Visibility.INTERNAL
    assert to_do.data["owner"] == owner.pk
    assert owner.display_name in describe(to_do)
    shipment.refresh_from_db()
    assert shipment.redirect_to == new
    assert shipment.redirect_requested_at is not None
