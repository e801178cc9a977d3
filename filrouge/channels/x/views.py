"""X's Account Activity webhook, `/hooks/x/`.

GET is X's Challenge-Response Check (at registration, then about daily):
`crc_token` answered with `{"response_token": "sha256=<base64 HMAC-SHA256 of
the token, keyed by our consumer secret>"}` within three seconds. POST carries
events, signed the same way over the raw body (`x-twitter-webhooks-signature`):
checked before the body is read as JSON; no or a wrong signature stores
nothing. Every message of a delivery is committed before the 200, or none is.
"""

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from filrouge.channels.hooks import refuse, unsigned_or_forged
from filrouge.channels.message import ParseError
from filrouge.channels.services import InboundRejected, store_inbound
from filrouge.channels.x.parse import read_webhook, sign, signature_is_valid
from filrouge.customers.models import Channel


@csrf_exempt
@require_http_methods(["GET", "POST"])
def webhook(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _challenge(request)
    if refusal := unsigned_or_forged(
        request,
        header="x-twitter-webhooks-signature",
        is_valid=lambda body, sig: signature_is_valid(body, sig, secret=settings.X_CONSUMER_SECRET),
    ):
        return refusal
    try:
        _accept(read_webhook(request.body))
    except (ParseError, InboundRejected) as exc:
        return refuse(400, _("This is not an event we can take: %(reason)s") % {"reason": exc})
    return HttpResponse(status=200)


def _challenge(request: HttpRequest) -> HttpResponse:
    token = request.GET.get("crc_token", "")
    if not settings.X_CONSUMER_SECRET:
        return refuse(403, _("The X consumer secret is not configured."))
    if not token or len(token) > 512:
        return refuse(400, _("A challenge needs a crc_token."))
    return JsonResponse({"response_token": sign(token.encode(), secret=settings.X_CONSUMER_SECRET)})


@transaction.atomic
def _accept(items: list[tuple[str, bytes]]) -> None:
    for external_id, payload in items:
        store_inbound(channel=Channel.SOCIAL, external_id=external_id, payload=payload)
