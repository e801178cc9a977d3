"""A move of house: the new address from the date, the old one kept, what is on its way follows."""

import datetime as dt

import pytest
import time_machine

from filrouge.appointments import services as appointments
from filrouge.appointments.models import Appointment
from filrouge.appointments.tests.helpers import MONDAY_10, TUESDAY, area, slot, world
from filrouge.cases.models import Event
from filrouge.customers.models import Address
from filrouge.customers.selectors import current_address
from filrouge.fieldops import services as shipments
from filrouge.fieldops.models import Shipment
from filrouge.fieldops.moves import MoveError, declare_move

pytestmark = pytest.mark.django_db
NEW = {"line1": "3 rue Neuve", "postcode": "69003", "commune": "Lyon"}


@pytest.fixture(autouse=True)
def _monday():
    with time_machine.travel(MONDAY_10, tick=False):
        yield


def _everything(w):
    """A booked visit on Tuesday, a box being prepared, a SIM already with the carrier."""
    owner = w.case.owner
    visit = appointments.book(w.case, slot=slot(w.area, day=TUESDAY), by=owner)
    box = shipments.prepare_shipment(w.case, item="box", by=owner)
    sim = shipments.prepare_shipment(w.case, item="sim", by=owner)
    shipments.dispatch(sim, carrier="colissimo", tracking_number="6A42", by=owner)
    return visit, box, sim


def _state(w):
    """Everything a refused move must leave as it was."""
    return (
        list(Address.objects.filter(customer=w.case.customer).values_list()),
        list(Shipment.objects.values_list()),
        list(Appointment.objects.values_list()),
        w.case.events.count(),
    )


def test_a_move_today_reroutes_the_box_the_visit_and_asks_the_carrier_for_the_parcel():
    w = world()
    visit, box, sim = _everything(w)
    outcome = declare_move(w.case.customer, on=dt.date(2026, 3, 9), case=w.case, **NEW)
    new = outcome.address
    assert current_address(w.case.customer) == new
    w.address.refresh_from_db()
    assert w.address.valid_to == dt.date(2026, 3, 9)  # kept, closed
    box.refresh_from_db()
    sim.refresh_from_db()
    visit.refresh_from_db()
    assert box.address == new
    assert box.state == Shipment.State.PREPARING
    assert sim.address_text == str(w.address)
    assert sim.redirect_to == new
    assert visit.address == new
    assert visit.address_text == str(new)
    assert visit.slot.date == TUESDAY  # the slot is kept
    assert outcome.rerouted == [box]
    assert outcome.redirected == [sim]
    assert outcome.appointments == [visit]
    assert outcome.other_area == [visit]
    kinds = set(w.case.events.values_list("kind", flat=True))
    assert {
        Event.Kind.SHIPMENT_REROUTED,
        Event.Kind.SHIPMENT_REDIRECT_REQUESTED,
        Event.Kind.SHIPMENT_REDIRECT_TO_DO,
        Event.Kind.APPOINTMENT_REROUTED,
        Event.Kind.MOVE_DECLARED,
    } <= kinds
    declared = w.case.events.get(kind=Event.Kind.MOVE_DECLARED)
    assert declared.visibility == Event.Visibility.PUBLIC
    assert declared.data["on"] == "2026-03-09"


def test_an_advisors_move_is_notified_to_the_customer(django_capture_on_commit_callbacks):
    from filrouge.notifications.models import NotificationItem

    w = world()
    _everything(w)
    declare_move(w.case.customer, on=dt.date(2026, 3, 9), by=w.case.owner, **NEW)
    told = set(
        NotificationItem.objects.filter(event__case=w.case).values_list("event__kind", flat=True)
    )
    assert {
        Event.Kind.SHIPMENT_REROUTED,
        Event.Kind.SHIPMENT_REDIRECT_REQUESTED,
        Event.Kind.APPOINTMENT_REROUTED,
    } <= told
    assert Event.Kind.SHIPMENT_REDIRECT_TO_DO not in told
    # Declared from the console, not from a case: on the customer's own timeline.
    declared = Event.objects.get(kind=Event.Kind.MOVE_DECLARED)
    assert declared.case is None
    assert declared.actor == w.case.owner


def test_only_what_arrives_from_the_move_date_follows():
    w = world()
    visit, box, sim = _everything(w)  # visit Tuesday 10, parcels expected Thursday 12
    outcome = declare_move(w.case.customer, on=dt.date(2026, 3, 13), **NEW)
    assert outcome.followed == 0
    box.refresh_from_db()
    visit.refresh_from_db()
    assert box.address == w.address
    assert visit.address == w.address
    # Today the customer still lives at the old address; from Friday at the new one.
    assert current_address(w.case.customer) == w.address
    assert current_address(w.case.customer, on=dt.date(2026, 3, 13)) == outcome.address


def test_a_move_in_the_same_area_says_nothing_about_another_area():
    w = world()
    appointments.book(w.case, slot=slot(w.area), by=w.case.owner)
    outcome = declare_move(
        w.case.customer,
        on=dt.date(2026, 3, 9),
        line1="1 rue Oberkampf",
        postcode=w.area.postcode,
        commune=w.area.commune,
    )
    assert len(outcome.appointments) == 1
    assert outcome.other_area == []


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"on": dt.date(2019, 12, 1)}, "plus de 31 jours"),
        ({"on": dt.date(2026, 2, 1)}, "plus de 31 jours"),
        ({"on": dt.date(2027, 3, 9)}, "six mois"),
        ({"postcode": "6900"}, "code postal"),
        ({"postcode": ""}, "code postal"),
        ({"line1": "  "}, "voie et une commune"),
        ({"commune": ""}, "voie et une commune"),
    ],
)
def test_bad_input_is_refused_in_french_and_changes_nothing(fields, message):
    w = world()
    _everything(w)
    before = _state(w)
    with pytest.raises(MoveError, match=message):
        declare_move(w.case.customer, **{**NEW, "on": dt.date(2026, 3, 9), **fields})
    assert _state(w) == before


def test_a_move_date_before_the_current_address_started_is_refused_and_changes_nothing():
    w = world()
    _everything(w)
    w.address.valid_from = dt.date(2026, 3, 1)
    w.address.save()
    before = _state(w)
    with pytest.raises(
        MoveError, match="postérieure au début de l’adresse actuelle|adresse actuelle"
    ):
        declare_move(w.case.customer, on=dt.date(2026, 2, 20), **NEW)
    assert _state(w) == before


def test_the_same_address_again_is_refused():
    w = world()
    with pytest.raises(MoveError, match="déjà l’adresse|déjà l'adresse"):
        declare_move(
            w.case.customer,
            on=dt.date(2026, 3, 9),
            line1=w.address.line1.upper(),
            postcode=w.address.postcode,
            commune=w.address.commune,
        )


def test_moving_customers_do_not_touch_other_customers_parcels():
    w = world()
    other = world(the_area=area(), n=1)
    theirs = shipments.prepare_shipment(other.case, item="box", by=other.case.owner)
    declare_move(w.case.customer, on=dt.date(2026, 3, 9), **NEW)
    theirs.refresh_from_db()
    assert theirs.address == other.address
