"""Meta's WhatsApp Cloud API webhook, `/hooks/whatsapp/`.

GET is Meta's subscription check: `hub.mode=subscribe`, our verify token, and a
challenge we echo. POST carries messages and statuses, signed with the app
secret (`X-Hub-Signature-256`): checked before the body is read as JSON; no
or a wrong signature stores nothing. The whole notification is committed
(messages stored, statuses applied) before the 200.
"""

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from filrouge.channels.hooks import refuse, unsigned_or_forged
from filrouge.channels.message import ParseError
from filrouge.channels.models import OutboundMessage
from filrouge.channels.services import InboundRejected, record_delivery_status, store_inbound
from filrouge.channels.whatsapp.parse import Webhook, read_webhook, signature_is_valid
from filrouge.customers.models import Channel

STATES = {
    "sent": OutboundMessage.State.SENT,
    "delivered": OutboundMessage.State.DELIVERED,
    "read": OutboundMessage.State.READ,
    "failed": OutboundMessage.State.BOUNCED,
}


@csrf_exempt
@require_http_methods(["GET", "POST"])
def webhook(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _verify(request)
    if refusal := unsigned_or_forged(
        request,
        header="X-Hub-Signature-256",
        is_valid=lambda body, sig: signature_is_valid(
            body, sig, secret=settings.WHATSAPP_APP_SECRET
        ),
    ):
        return refusal
    try:
        _accept(read_webhook(request.body))
    except (ParseError, InboundRejected) as exc:
        return refuse(
            400, _("This is not a notification we can take: %(reason)s") % {"reason": exc}
        )
    return HttpResponse("OK", content_type="text/plain")


def _verify(request: HttpRequest) -> HttpResponse:
    token = request.GET.get("hub.verify_token", "")
    expected = settings.WHATSAPP_VERIFY_TOKEN
    if (
        request.GET.get("hub.mode") != "subscribe"
        or not expected
        or not constant_time_compare(token, expected)
    ):
        return refuse(403, _("Wrong verify token."))
    return HttpResponse(request.GET.get("hub.challenge", "")[:256], content_type="text/plain")


@transaction.atomic
def _accept(notification: Webhook) -> None:
    for wamid, payload in notification.messages:
        store_inbound(channel=Channel.WHATSAPP, external_id=wamid, payload=payload)
    for status in notification.statuses:
        if status.status in STATES:
            record_delivery_status(
                Channel.WHATSAPP,
                provider_id=status.message_id,
                key=status.key,
                state=STATES[status.status],
                error=status.error,
            )
