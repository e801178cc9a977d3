"""The two links every notification carries: follow the case, and stop the news.

Both are absolute, under `FILROUGE_PUBLIC_URL` (the address customers reach the site
at). The unsubscribe token is the customer's id with an HMAC of it under `SECRET_KEY`
(Django's `salted_hmac`, salted for this one use, as `cases/tokens.py` does): nothing
stored, checked in constant time, and it names no case. It is kept short (80 bits of
HMAC) because it also travels in SMS, where every character counts.
"""

from django.conf import settings
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac

from filrouge.cases.models import Case
from filrouge.cases.tokens import make_tracking_token
from filrouge.customers.models import Customer

_SALT = "filrouge.notifications.unsubscribe"


def absolute(path: str) -> str:
    return settings.FILROUGE_PUBLIC_URL.rstrip("/") + path


def tracking_url(case: Case) -> str:
    """The tracking page's address, `/suivi/<reference>/?t=<token>` (the portal's URL)."""
    return absolute(f"/suivi/{case.reference}/?t={make_tracking_token(case)}")


def unsubscribe_token(customer: Customer) -> str:
    return f"{customer.pk}-{_mac(customer.pk)}"


def _mac(pk: int) -> str:
    return salted_hmac(_SALT, str(pk), algorithm="sha256").hexdigest()[:20]


def unsubscribe_url(customer: Customer) -> str:
    return absolute(reverse("notifications:unsubscribe", args=[unsubscribe_token(customer)]))


def customer_for(token: str) -> Customer | None:
    """The customer a token was made for; None for a forged, altered or unknown one."""
    pk, _dash, mac = token.partition("-")
    if not pk.isascii() or not pk.isdigit() or len(pk) > 18:
        return None
    if not constant_time_compare(_mac(int(pk)), mac):
        return None
    return Customer.objects.filter(pk=int(pk)).first()
