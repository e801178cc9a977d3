"""Sentences for the shipment and move events, made at render time in the reader's language."""

from datetime import date

from django.utils import formats
from django.utils.translation import gettext as _

from filrouge.cases.models import Event
from filrouge.cases.timeline import formatter
from filrouge.fieldops.models import Shipment


def item_label(value: str | None) -> str:
    try:
        return str(Shipment.Item(value).label)
    except ValueError:
        return _("equipment")


def carrier_label(value: str | None) -> str:
    try:
        return str(Shipment.Carrier(value).label)
    except ValueError:
        return value or ""


def _day(value: str | None) -> str:
    return formats.date_format(date.fromisoformat(value), "DATE_FORMAT") if value else ""


def _parcel(e: Event) -> dict[str, str]:
    """What every shipment sentence may quote, from the event's data (unused keys are fine)."""
    data = e.data or {}
    return {
        "item": item_label(data.get("item")),
        "carrier": carrier_label(data.get("carrier")),
        "number": data.get("tracking_number", ""),
        "address": data.get("address", ""),
        "day": _day(data.get("expected_on")),
    }


@formatter(Event.Kind.SHIPMENT_PREPARED)
def _prepared(e: Event) -> str:
    return _("%(item)s being prepared for %(address)s, expected on %(day)s") % _parcel(e)


@formatter(Event.Kind.SHIPMENT_DISPATCHED)
def _dispatched(e: Event) -> str:
    return _(
        "%(item)s handed to %(carrier)s (tracking number %(number)s) for %(address)s, "
        "expected on %(day)s"
    ) % _parcel(e)


@formatter(Event.Kind.SHIPMENT_DELIVERED)
def _delivered(e: Event) -> str:
    return _("%(item)s delivered at %(address)s") % _parcel(e)


@formatter(Event.Kind.SHIPMENT_RETURNED)
def _returned(e: Event) -> str:
    return _("%(item)s returned to us by the carrier") % _parcel(e)


@formatter(Event.Kind.SHIPMENT_REROUTED)
def _rerouted(e: Event) -> str:
    return _("%(item)s re-routed to your new address: %(address)s") % _parcel(e)


@formatter(Event.Kind.SHIPMENT_REDIRECT_REQUESTED)
def _redirect_requested(e: Event) -> str:
    return _(
        "%(item)s already with %(carrier)s (tracking number %(number)s): redirect to "
        "%(address)s requested from the carrier"
    ) % _parcel(e)


@formatter(Event.Kind.SHIPMENT_REDIRECT_TO_DO)
def _redirect_to_do(e: Event) -> str:
    return _(
        "To do for %(owner)s: ask %(carrier)s to redirect parcel %(number)s from “%(label)s” "
        "to “%(address)s”"
    ) % (
        _parcel(e)
        | {
            "owner": e.data.get("owner_name") or _("the case's team"),
            "label": e.data.get("label", ""),
        }
    )


@formatter(Event.Kind.MOVE_DECLARED)
def _move_declared(e: Event) -> str:
    return _("Move of house declared: new address %(address)s from %(day)s") % {
        "address": e.data.get("address", ""),
        "day": _day(e.data.get("on")),
    }
