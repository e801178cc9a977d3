"""The two links every notification carries: follow the case, and stop the news.

Both are absolute, under `FILROUGE_PUBLIC_URL` (the address customers reach the site
at). The unsubscribe token is the customer's id signed with Django's signing under
`SECRET_KEY` (salted for this one use): nothing stored, nothing guessable, and it
names no case.
"""

from django.conf import settings
from django.core import signing
from django.urls import reverse

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
    return signing.dumps(customer.pk, salt=_SALT)


def unsubscribe_url(customer: Customer) -> str:
    return absolute(reverse("notifications:unsubscribe", args=[unsubscribe_token(customer)]))


def customer_for(token: str) -> Customer | None:
    """The customer a token was made for; None for a forged, altered or unknown one."""
    try:
        pk = signing.loads(token, salt=_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(pk, int):
        return None
    return Customer.objects.filter(pk=pk).first()
