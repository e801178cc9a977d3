"""Technician slots (an area's half-day with a number of technicians) and appointments.

A slot's `booked` counter is the truth for availability: it only moves by a
conditional UPDATE (`booked < capacity`) in the booking services, and the
database refuses `booked > capacity` outright. It always equals the number of
the slot's appointments in state "booked".
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

PARIS = ZoneInfo("Europe/Paris")
# Booking, moving and cancelling close the day before the visit at this hour
# (Paris time): the planners send each technician's round at 18:00.
CUTOFF_HOUR = 18


class HalfDay(models.TextChoices):
    MORNING = "am", _("morning (8:00–13:00)")
    AFTERNOON = "pm", _("afternoon (13:00–18:00)")


HOURS = {HalfDay.MORNING: (8, 13), HalfDay.AFTERNOON: (13, 18)}


def cutoff_for(day: date) -> datetime:
    """The last moment a visit on `day` can be booked, moved or cancelled."""
    return datetime.combine(day - timedelta(days=1), time(CUTOFF_HOUR), tzinfo=PARIS)


class Slot(models.Model):
    area = models.ForeignKey(
        "network.Area",
        verbose_name=_("area"),
        on_delete=models.PROTECT,
        related_name="technician_slots",
    )
    date = models.DateField(_("date"))
    half_day = models.CharField(_("half-day"), max_length=2, choices=HalfDay.choices)
    capacity = models.PositiveSmallIntegerField(_("technicians"))
    booked = models.PositiveSmallIntegerField(_("booked"), default=0)

    class Meta:
        ordering = ["date", "half_day"]
        constraints = [
            models.UniqueConstraint(
                fields=["area", "date", "half_day"], name="slot_unique_area_half_day"
            ),
            models.CheckConstraint(
                condition=Q(booked__gte=0) & Q(booked__lte=F("capacity")),
                name="slot_booked_within_capacity",
            ),
        ]
        verbose_name = _("technician slot")
        verbose_name_plural = _("technician slots")

    def __str__(self) -> str:
        return f"{self.area} {self.date} {self.half_day} ({self.booked}/{self.capacity})"

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.booked)

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.date, time(HOURS[self.half_day][0]), tzinfo=PARIS)

    @property
    def ends_at(self) -> datetime:
        return datetime.combine(self.date, time(HOURS[self.half_day][1]), tzinfo=PARIS)

    @property
    def cutoff(self) -> datetime:
        return cutoff_for(self.date)


class Appointment(models.Model):
    """A technician's visit promised to a customer, at an address, in a slot.

    A move keeps this row as "moved" and books a new one (`moved_from`), so the
    history of dates given is never rewritten. `address` is the address the
    technician goes to, taken when booking; re-routing after a move of house
    changes it with a timeline event (`reroute`), never silently.
    """

    class State(models.TextChoices):
        BOOKED = "booked", _("Booked")
        MOVED = "moved", _("Moved")
        CANCELLED = "cancelled", _("Cancelled")
        DONE = "done", _("Done")

    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="appointments"
    )
    # Every hot table carries the customer (the sharding key, docs/ARCHITECTURE.md).
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="appointments"
    )
    slot = models.ForeignKey(
        Slot, verbose_name=_("slot"), on_delete=models.PROTECT, related_name="appointments"
    )
    address = models.ForeignKey(
        "customers.Address", verbose_name=_("address"), on_delete=models.PROTECT, related_name="+"
    )
    # The address as the technician receives it, frozen at booking or re-routing.
    address_text = models.CharField(_("address for the technician"), max_length=300)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.BOOKED)
    promise = models.ForeignKey(
        "cases.Promise", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    moved_from = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="moved_to"
    )
    created_at = models.DateTimeField(_("booked at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One visit in the diary per case at a time: a second one is a move.
            models.UniqueConstraint(
                fields=["case"], condition=Q(state="booked"), name="appointment_one_live_per_case"
            )
        ]
        indexes = [models.Index(fields=["slot", "state"], name="appointment_slot_state_idx")]
        verbose_name = _("technician appointment")
        verbose_name_plural = _("technician appointments")

    def __str__(self) -> str:
        return f"{self.case_id} @ {self.slot_id} ({self.state})"
