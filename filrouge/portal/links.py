"""The customer's tracking link, absolute: what a message, the demo and the advisor hand out."""

from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse

from filrouge.cases.models import Case
from filrouge.cases.tokens import make_tracking_token


def tracking_path(case: Case) -> str:
    """`/suivi/<reference>/?t=<token>`: the public contract of DESIGN.md."""
    query = urlencode({"t": make_tracking_token(case)})
    return f"{reverse('portal:track', args=[case.reference])}?{query}"


def tracking_url(case: Case) -> str:
    """The link with the public address of the site (`FILROUGE_PUBLIC_URL`), for use
    outside a request: in an e-mail or SMS, printed by the demo, copied by an advisor."""
    return settings.FILROUGE_PUBLIC_URL + tracking_path(case)
