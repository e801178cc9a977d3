"""Where a customer can be told: their preferred channel, else e-mail, else SMS.

A channel counts only with a usable address on it: an e-mail contact point; for SMS
and WhatsApp a mobile number that did not opt out (STOP) on that channel. Channels
we cannot start a conversation on (phone, shop, letter...) fall through to the next.
"""

from dataclasses import dataclass

from filrouge.channels.models import OptOut
from filrouge.channels.sms.transport import is_mobile
from filrouge.customers.models import Channel, ContactPoint, Customer

NOTIFIABLE = (Channel.EMAIL, Channel.SMS, Channel.WHATSAPP)
FALLBACK = (Channel.EMAIL, Channel.SMS)


@dataclass(frozen=True)
class Route:
    channel: str
    recipient: str


def route(customer: Customer, *, first: str = "") -> Route | None:
    """The first channel that reaches the customer, trying `first`, then their preferred
    channel, e-mail and SMS; None if none does (nothing can be sent)."""
    wanted = dict.fromkeys([first, customer.preferred_channel, *FALLBACK])
    order = [c for c in wanted if c in NOTIFIABLE]
    points = list(ContactPoint.objects.filter(customer=customer).order_by("-is_primary", "pk"))
    phones = [p.value for p in points if p.kind == ContactPoint.Kind.PHONE]
    opted_out = set(OptOut.objects.filter(address__in=phones).values_list("channel", "address"))
    for channel in order:
        if channel == Channel.EMAIL:
            address = next((p.value for p in points if p.kind == ContactPoint.Kind.EMAIL), "")
        else:
            address = next(
                (p for p in phones if (channel, p) not in opted_out and is_mobile(p)), ""
            )
        if address:
            return Route(channel, address)
    return None
