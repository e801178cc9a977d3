"""Signed links and codes of a subscription: nothing stored, checked in constant time.

A link token is `<id>-<HMAC>` under `SECRET_KEY`, salted per purpose (confirm,
unsubscribe, type the SMS code), like `notifications.links`: short enough for
an SMS. The SMS code is six digits derived from the subscription and the
number of confirmations sent, so asking again makes a new code and the old
one stops working, and no code is kept in the database.
"""

from django.utils.crypto import constant_time_compare, salted_hmac

from filrouge.statuspage.models import Subscription

_SALT = "filrouge.statuspage."
CONFIRM, UNSUBSCRIBE, CODE = "confirm", "unsubscribe", "code"


def _mac(purpose: str, pk: int) -> str:
    return salted_hmac(_SALT + purpose, str(pk), algorithm="sha256").hexdigest()[:20]


def make(purpose: str, subscription: Subscription) -> str:
    return f"{subscription.pk}-{_mac(purpose, subscription.pk)}"


def subscription_for(purpose: str, token: str) -> Subscription | None:
    """The subscription a token was made for; None for a forged, altered or unknown one."""
    pk, _dash, mac = token.partition("-")
    if not pk.isascii() or not pk.isdigit() or len(pk) > 18:
        return None
    if not constant_time_compare(_mac(purpose, int(pk)), mac):
        return None
    return Subscription.objects.filter(pk=int(pk)).first()


def sms_code(subscription: Subscription) -> str:
    digest = salted_hmac(
        _SALT + "sms-code",
        f"{subscription.pk}:{subscription.confirmations_sent}",
        algorithm="sha256",
    ).hexdigest()
    return f"{int(digest[:12], 16) % 1_000_000:06d}"
