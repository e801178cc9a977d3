"""Writes on customers: creation with normalised contacts, contact points, moves."""

from datetime import date

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from filrouge.customers.models import Address, ContactPoint, Customer
from filrouge.customers.normalise import (
    InvalidContact,
    fold,
    normalise_email,
    normalise_phone,
    normalise_postcode,
)


class CustomerError(ValueError):
    pass


def _normalise(kind: str, value: str) -> str:
    if kind == ContactPoint.Kind.PHONE:
        return normalise_phone(value)
    if kind == ContactPoint.Kind.EMAIL:
        return normalise_email(value)
    handle = value.strip()
    if not handle:
        raise InvalidContact(_("A social handle cannot be empty."))
    return handle.lower()


def normalise_contact(kind: str, value: str) -> str:
    """A contact point's value as stored (E.164, lower-cased e-mail or handle)."""
    return _normalise(kind, value)


def search_name_for(first_name: str, last_name: str) -> str:
    return fold(f"{last_name} {first_name}")


@transaction.atomic
def create_customer(
    *,
    first_name: str,
    last_name: str,
    account_number: str,
    phone: str = "",
    email: str = "",
    preferred_channel: str = "email",
) -> Customer:
    """Create a customer with its contact points; invalid contacts refuse the whole thing."""
    if not last_name.strip():
        raise CustomerError(_("A customer needs a last name."))
    customer = Customer.objects.create(
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        search_name=search_name_for(first_name, last_name),
        account_number=account_number.strip(),
        preferred_channel=preferred_channel,
    )
    if phone:
        add_contact_point(customer, kind=ContactPoint.Kind.PHONE, value=phone, primary=True)
    if email:
        add_contact_point(customer, kind=ContactPoint.Kind.EMAIL, value=email, primary=True)
    return customer


def add_contact_point(
    customer: Customer, *, kind: str, value: str, primary: bool = False
) -> ContactPoint:
    normalised = _normalise(kind, value)
    try:
        with transaction.atomic():
            return ContactPoint.objects.create(
                customer=customer, kind=kind, value=normalised, is_primary=primary
            )
    except IntegrityError as exc:
        raise CustomerError(
            _("%(value)s already belongs to another customer.") % {"value": value}
        ) from exc


@transaction.atomic
def move_customer(
    customer: Customer,
    *,
    line1: str,
    postcode: str,
    commune: str,
    on: date,
    line2: str = "",
) -> Address:
    """Declare a move: the current address ends on `on`, the new one starts that day.

    The old address is kept (history, shipments already sent); it is never overwritten.
    """
    postcode = normalise_postcode(postcode)
    if not line1.strip() or not commune.strip():
        raise CustomerError(_("A street and a commune are required."))
    current = (
        Address.objects.select_for_update()
        .filter(customer=customer, valid_to__isnull=True)
        .order_by("-valid_from")
        .first()
    )
    if current is not None:
        if on <= current.valid_from:
            raise CustomerError(_("The move date must be after the current address started."))
        current.valid_to = on
        current.save(update_fields=["valid_to"])
    return Address.objects.create(
        customer=customer,
        line1=line1.strip(),
        line2=line2.strip(),
        postcode=postcode,
        commune=commune.strip(),
        valid_from=on,
    )
