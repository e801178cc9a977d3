"""The write path for technician appointments: book, move, cancel, complete, re-route.

Each service is atomic and writes its public timeline event in the same
transaction. Availability is decided by the database, not by a read: a place
is taken with one conditional UPDATE (`booked < capacity`), so two customers
racing for the last place of a slot get one "booked" and one `SlotFull`.
Locks are always taken in the same order — the case, then its appointment,
then slots by increasing id — so concurrent moves cannot deadlock.

A booked appointment is a promise on the case: `make_promise` when booked,
`reschedule_promise` when moved, `withdraw_promise` when cancelled,
`keep_promise` when the technician came.
"""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from filrouge.accounts.models import Agent
from filrouge.appointments import selectors
from filrouge.appointments.models import PARIS, Appointment, HalfDay, Slot
from filrouge.cases import services as cases
from filrouge.cases.models import Case, Event, Promise
from filrouge.cases.services import CaseError
from filrouge.core.clock import now
from filrouge.customers.models import Address, Channel

PUBLIC = Event.Visibility.PUBLIC
CALLBACK_HOUR = 12
CALLBACK_TEXT = gettext_lazy("Call you back to agree on a date for the technician's visit")


class AppointmentError(CaseError):
    """A refused booking, move or cancellation, with a message for the person who tried."""


class SlotFull(AppointmentError):
    pass


class TooLate(AppointmentError):
    pass


def slot_label(slot: Slot) -> str:
    """ "jeudi 12 mars 2026, matin (8:00–13:00)", in the active language."""
    day = formats.date_format(slot.date, "l j F Y")
    return f"{day}, {HalfDay(slot.half_day).label}"


def _in_french(func, *args) -> str:
    """Promise descriptions and next steps are stored text the customer reads: French."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(func(*args))


def _visit_text(slot: Slot) -> str:
    return _("Technician visit on %(slot)s") % {"slot": slot_label(slot)}


def _lock_case(case: Case) -> Case:
    case = Case.objects.select_for_update().get(pk=case.pk)
    if not case.is_open:
        raise AppointmentError(_("This case is closed: no visit can be booked on it."))
    return case


def _promiser(case: Case, by: Agent | None) -> Agent:
    """Who stands behind the visit: the advisor booking it, else the case's owner or
    their team lead (a customer booking online commits the owner's word)."""
    person = by or case.owner or (case.team.lead if case.team_id else None)
    if person is None:
        raise AppointmentError(
            _(
                "Nobody owns this case yet, so nobody can promise a visit on it. "
                "An advisor must take the case first."
            )
        )
    return person


def _checked_slot(case: Case, slot: Slot, *, at: datetime) -> Slot:
    """The slot re-read, refused if it is in another area or past its cut-off."""
    slot = Slot.objects.select_related("area").get(pk=slot.pk)
    line = selectors.service_line(case)
    area = selectors.area_for(line, selectors.visit_address(case, line))
    if area is None or slot.area_id != area.pk:
        raise AppointmentError(_("This slot is not in the customer's area."))
    if slot.cutoff <= at:
        raise TooLate(_("Too late for this slot: visits are booked until 18:00 the day before."))
    if slot.booked >= slot.capacity:
        # Seen full already: refuse without queueing for the row lock. Only a
        # shortcut: the conditional UPDATE in `_take_place` is what decides.
        raise SlotFull(_("This slot has just been taken. Please choose another one."))
    return slot


def _take_place(slot: Slot) -> None:
    taken = Slot.objects.filter(pk=slot.pk, booked__lt=F("capacity")).update(booked=F("booked") + 1)
    if not taken:
        raise SlotFull(_("This slot has just been taken. Please choose another one."))


def _free_place(slot: Slot) -> None:
    Slot.objects.filter(pk=slot.pk, booked__gt=0).update(booked=F("booked") - 1)


def _record(case, appointment, *, kind, by, at, **facts) -> Event:
    slot = appointment.slot
    return cases.record_event(
        case,
        kind=kind,
        visibility=PUBLIC,
        actor=by,
        actor_label="" if by else "customer",
        channel="" if by else Channel.WEB,
        data={
            "appointment": appointment.pk,
            "slot": slot.pk,
            "date": slot.date.isoformat(),
            "half_day": slot.half_day,
            "address": appointment.address_text,
            **facts,
        },
        at=at,
    )


def _next_step(case: Case, *, by: Agent | None, slot: Slot | None) -> None:
    if slot is None:
        cases.set_next_step(case, by=by, text="")  # type: ignore[arg-type]
    else:
        text = _in_french(_visit_text, slot)
        cases.set_next_step(case, by=by, text=text, due=slot.ends_at)  # type: ignore[arg-type]


@transaction.atomic
def book(case: Case, *, slot: Slot, by: Agent | None = None) -> Appointment:
    """Book a visit in `slot` for the case (`by` None: the customer, online)."""
    case = _lock_case(case)
    if Appointment.objects.filter(case=case, state=Appointment.State.BOOKED).exists():
        raise AppointmentError(_("A visit is already booked on this case: move it instead."))
    at = now()
    slot = _checked_slot(case, slot, at=at)
    line = selectors.service_line(case)
    address = selectors.visit_address(case, line)
    if address is None:
        raise AppointmentError(_("There is no address on file for the visit."))
    promiser = _promiser(case, by)
    _take_place(slot)
    promise = cases.make_promise(
        case, by=promiser, description=_in_french(_visit_text, slot), due_at=slot.ends_at
    )
    appointment = Appointment.objects.create(
        case=case,
        customer_id=case.customer_id,
        slot=slot,
        address=address,
        address_text=str(address)[:300],
        promise=promise,
        created_at=at,
        updated_at=at,
    )
    _record(case, appointment, kind=Event.Kind.APPOINTMENT_BOOKED, by=by, at=at)
    _next_step(case, by=by, slot=slot)
    return appointment


def _lock_live(appointment: Appointment) -> tuple[Case, Appointment]:
    case = _lock_case(appointment.case)
    # `of=("self",)`: lock the appointment only. Locking its slot here too would take
    # slot locks out of id order, and two opposite moves would deadlock.
    appointment = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("slot")
        .get(pk=appointment.pk)
    )
    if appointment.state != Appointment.State.BOOKED:
        raise AppointmentError(_("This appointment was already moved, cancelled or done."))
    return case, appointment


@transaction.atomic
def move(appointment: Appointment, *, to: Slot, by: Agent | None = None) -> Appointment:
    """Move a booked visit to another slot; the promise follows, the old row stays as history."""
    case, old = _lock_live(appointment)
    at = now()
    if old.slot.cutoff <= at:
        raise TooLate(_("Too late to move this visit: changes close at 18:00 the day before."))
    if to.pk == old.slot_id:
        raise AppointmentError(_("The visit is already in this slot."))
    target = _checked_slot(case, to, at=at)
    for slot in sorted([old.slot, target], key=lambda s: s.pk):
        if slot.pk == target.pk:
            _take_place(slot)
        else:
            _free_place(slot)
    old.state, old.updated_at = Appointment.State.MOVED, at
    old.save(update_fields=["state", "updated_at"])
    new = Appointment.objects.create(
        case=case,
        customer_id=case.customer_id,
        slot=target,
        address_id=old.address_id,
        address_text=old.address_text,
        promise_id=old.promise_id,
        moved_from=old,
        created_at=at,
        updated_at=at,
    )
    if old.promise_id:
        cases.reschedule_promise(
            old.promise, due_at=target.ends_at, description=_in_french(_visit_text, target)
        )
    _record(
        case,
        new,
        kind=Event.Kind.APPOINTMENT_MOVED,
        by=by,
        at=at,
        from_date=old.slot.date.isoformat(),
        from_half_day=old.slot.half_day,
    )
    _next_step(case, by=by, slot=target)
    return new


@transaction.atomic
def cancel(appointment: Appointment, *, by: Agent | None = None, reason: str = "") -> Appointment:
    """Cancel a booked visit: the place is freed and the promise withdrawn."""
    case, appointment = _lock_live(appointment)
    at = now()
    if appointment.slot.cutoff <= at:
        raise TooLate(_("Too late to cancel this visit: changes close at 18:00 the day before."))
    _free_place(appointment.slot)
    appointment.state, appointment.updated_at = Appointment.State.CANCELLED, at
    appointment.save(update_fields=["state", "updated_at"])
    if appointment.promise_id:
        cases.withdraw_promise(appointment.promise, by=by)
    _record(
        case,
        appointment,
        kind=Event.Kind.APPOINTMENT_CANCELLED,
        by=by,
        at=at,
        reason=reason.strip()[:200],
    )
    _next_step(case, by=by, slot=None)
    return appointment


@transaction.atomic
def complete(appointment: Appointment, *, by: Agent) -> Appointment:
    """The technician came: the visit is done and its promise kept."""
    _case, appointment = _lock_live(appointment)
    at = now()
    if at < appointment.slot.starts_at:
        raise AppointmentError(_("This visit has not started yet."))
    appointment.state, appointment.updated_at = Appointment.State.DONE, at
    appointment.save(update_fields=["state", "updated_at"])
    promise = appointment.promise
    if promise is not None and promise.state == Promise.State.OPEN:
        cases.keep_promise(promise, by=by)
    return appointment


@transaction.atomic
def reroute(appointment: Appointment, *, to: Address, by: Agent | None = None) -> Appointment:
    """Send the technician to another of the customer's addresses (a move of house).

    The slot is kept: if the new address is in another area, the advisor or the
    customer moves the visit to a slot there as a second step.
    """
    case, appointment = _lock_live(appointment)
    if to.customer_id != case.customer_id:
        raise AppointmentError(_("This address belongs to another customer."))
    if to.pk == appointment.address_id:
        return appointment
    at = now()
    previous = appointment.address_text
    appointment.address, appointment.address_text = to, str(to)[:300]
    appointment.updated_at = at
    appointment.save(update_fields=["address", "address_text", "updated_at"])
    _record(
        case, appointment, kind=Event.Kind.APPOINTMENT_REROUTED, by=by, at=at, previous=previous
    )
    return appointment


def callback_description() -> str:
    return _in_french(str, CALLBACK_TEXT)


def _callback_due(at: datetime) -> datetime:
    """Noon on the next working day (Paris): a person calls back within a day."""
    day = at.astimezone(PARIS).date() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, time(CALLBACK_HOUR), tzinfo=PARIS)


@transaction.atomic
def offer_callback(case: Case, *, by: Agent | None = None) -> Promise:
    """No free slot in the coming days: promise a call to agree on a date (never
    "a visit that needs you present" with "no availability", story D2).

    Asking twice keeps the first promise."""
    case = _lock_case(case)
    description = callback_description()
    existing = case.promises.filter(state=Promise.State.OPEN, description=description).first()
    if existing is not None:
        return existing
    due = _callback_due(now())
    promise = cases.make_promise(case, by=_promiser(case, by), description=description, due_at=due)
    cases.set_next_step(case, by=by, text=description, due=due)  # type: ignore[arg-type]
    return promise
