"""Tracking links: `/suivi/<reference>/?t=<token>`.

A reference is guessable (it is a sequence), so it is never enough on its own.
The token is an HMAC of the case's id and a per-case nonce under the secret
key: nothing to store, checked in constant time, and every link sent so far
dies when the nonce is renewed.
"""

from django.utils.crypto import constant_time_compare, salted_hmac

from filrouge.cases.models import Case

_SALT = "filrouge.cases.tracking"


def make_tracking_token(case: Case) -> str:
    return salted_hmac(
        _SALT, f"{case.pk}:{case.reference}:{case.tracking_nonce}", algorithm="sha256"
    ).hexdigest()[:32]


def check_tracking_token(case: Case, token: str) -> bool:
    return bool(token) and constant_time_compare(make_tracking_token(case), token)
