"""Vonage's webhooks: inbound SMS (`/hooks/sms/`) and delivery receipts (`/hooks/sms/status/`).

Both are signed (`sig`, see `signature.py`): no or a wrong signature is refused
before anything is read further, and nothing is stored. An inbound SMS is
answered 204 only once committed; Vonage resends anything else for 24 hours.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from filrouge.channels.hooks import refuse
from filrouge.channels.message import ParseError
from filrouge.channels.models import OutboundMessage
from filrouge.channels.services import InboundRejected, record_delivery_status, store_inbound
from filrouge.channels.sms import parse, signature
from filrouge.customers.models import Channel

# Vonage's delivery receipt statuses → ours; accepted, buffered, unknown change nothing.
RECEIPTS = {
    "delivered": OutboundMessage.State.DELIVERED,
    "failed": OutboundMessage.State.BOUNCED,
    "rejected": OutboundMessage.State.BOUNCED,
    "expired": OutboundMessage.State.BOUNCED,
}


def signed_params(request: HttpRequest) -> tuple[dict[str, str], bytes, JsonResponse | None]:
    """The request's parameters, its raw form as stored, or the refusal to answer with."""
    limit = settings.FILROUGE_HOOK_MAX_BYTES
    if int(request.META.get("CONTENT_LENGTH") or 0) > limit:
        return {}, b"", refuse(413, _("The request is too large."))
    raw = (
        request.body if request.method == "POST" else request.META.get("QUERY_STRING", "").encode()
    )
    if len(raw) > limit:
        return {}, b"", refuse(413, _("The request is too large."))
    try:
        params = parse.read_params(raw, content_type=request.content_type or "")
    except ParseError as exc:
        return {}, b"", refuse(400, _("Malformed parameters: %(reason)s") % {"reason": exc})
    if not params.get("sig"):
        return {}, b"", refuse(401, _("The request is not signed."))
    if not signature.is_valid(
        params,
        secret=settings.SMS_VONAGE_SIGNATURE_SECRET,
        method=settings.SMS_VONAGE_SIGNATURE_METHOD,
    ):
        return {}, b"", refuse(403, _("The signature does not match."))
    return params, raw, None


@csrf_exempt
@require_http_methods(["GET", "POST"])
def inbound(request: HttpRequest) -> HttpResponse:
    params, raw, refusal = signed_params(request)
    if refusal is not None:
        return refusal
    try:
        parse.check(params)
        store_inbound(
            channel=Channel.SMS,
            external_id=params["messageId"],
            payload=raw,
            group=parse.group_key(params),
        )
    except (ParseError, InboundRejected) as exc:
        return refuse(400, _("This is not an SMS we can take: %(reason)s") % {"reason": exc})
    return HttpResponse(status=204)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def status(request: HttpRequest) -> HttpResponse:
    params, _raw, refusal = signed_params(request)
    if refusal is not None:
        return refusal
    if not params.get("messageId") and not params.get("client-ref"):
        return refuse(400, _("A delivery receipt needs a messageId."))
    state = RECEIPTS.get(params.get("status", ""))
    if state is not None:
        error = f"err-code {params.get('err-code', '')}" if state != "delivered" else ""
        record_delivery_status(
            Channel.SMS,
            provider_id=params.get("messageId", "")[:255],
            key=params.get("client-ref", ""),
            state=state,
            error=error,
        )
    return HttpResponse(status=204)
