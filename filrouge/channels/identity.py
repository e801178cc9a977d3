"""Who wrote: a sender matched to a customer on exact, normalised contact points only.

A display name, a similar address or a guessable case reference are weak
signals: they never attach a message to a customer. An unknown sender gets a
prospect file of their own, which an advisor merges into the real customer.
"""

import secrets

from django.db import transaction
from django.utils.translation import gettext as _

from filrouge.channels.message import Sender
from filrouge.customers.models import ContactPoint, Customer
from filrouge.customers.services import CustomerError, add_contact_point, search_name_for


def identify(sender: Sender) -> Customer | None:
    """The customer owning one of the sender's exact contact points, or None.

    Contact points are unique per kind, so each lookup finds at most one owner;
    the kinds are tried from the most to the least specific the channel gave.
    """
    for kind, value in (
        (ContactPoint.Kind.EMAIL, sender.email),
        (ContactPoint.Kind.PHONE, sender.phone),
        (ContactPoint.Kind.SOCIAL, sender.handle),
    ):
        if not value:
            continue
        point = ContactPoint.objects.select_related("customer").filter(kind=kind, value=value)
        if found := point.first():
            return found.customer
    return None


def create_prospect(sender: Sender) -> Customer:
    """A customer file for an unknown sender, holding their address so the next message matches.

    If another worker created it meanwhile (same sender, two messages at once),
    theirs is returned and ours is rolled back.
    """
    if not sender.address:
        raise CustomerError(_("A message without a sender cannot be attributed."))
    first, last = _split_name(sender)
    try:
        with transaction.atomic():
            customer = Customer.objects.create(
                account_number=f"P{secrets.token_hex(6).upper()}",
                first_name=first,
                last_name=last,
                search_name=search_name_for(first, last),
                is_prospect=True,
                preferred_channel=_channel_of(sender),
            )
            kind = _kind_of(sender)
            add_contact_point(customer, kind=kind, value=sender.address, primary=True)
            return customer
    except CustomerError:
        existing = identify(sender)
        if existing is None:
            raise
        return existing


def _split_name(sender: Sender) -> tuple[str, str]:
    words = sender.name.replace('"', "").split()
    if len(words) >= 2:
        return " ".join(words[:-1])[:80], words[-1][:80]
    if words:
        return "", words[0][:80]
    return "", sender.address[:80]


def _kind_of(sender: Sender) -> str:
    if sender.email:
        return ContactPoint.Kind.EMAIL
    return ContactPoint.Kind.PHONE if sender.phone else ContactPoint.Kind.SOCIAL


def _channel_of(sender: Sender) -> str:
    if sender.email:
        return "email"
    return "sms" if sender.phone else "social"
