"""The PBX's webhooks: `/hooks/phone/` (our format) and `/hooks/phone/asterisk/` (ARI or AMI).

Both are signed (see `signature.py`): a missing signature is a 401, a wrong or
stale one a 403, and nothing is stored. A valid event is applied and committed
before the 204; an Asterisk event that says nothing about a call is a 204 too,
with nothing stored.
"""

import time

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from filrouge.channels.hooks import refuse
from filrouge.channels.message import ParseError, load_json
from filrouge.channels.phone import asterisk, events, signature
from filrouge.channels.phone.services import record_call_event
from filrouge.core.clock import now


def _refusal(request: HttpRequest) -> JsonResponse | None:
    limit = settings.FILROUGE_HOOK_MAX_BYTES
    if int(request.META.get("CONTENT_LENGTH") or 0) > limit or len(request.body) > limit:
        return refuse(413, _("The request is too large."))
    stamp = request.headers.get("X-Filrouge-Timestamp", "")
    given = request.headers.get("X-Filrouge-Signature", "")
    if not stamp or not given:
        return refuse(401, _("The request is not signed."))
    if not signature.is_valid(
        request.body,
        timestamp=stamp,
        given=given,
        secret=settings.PHONE_WEBHOOK_SECRET,
        now=time.time(),
        tolerance=settings.PHONE_SIGNATURE_TOLERANCE,
    ):
        return refuse(403, _("The signature does not match, or is too old."))
    return None


@csrf_exempt
@require_POST
def webhook(request: HttpRequest) -> HttpResponse:
    if (refusal := _refusal(request)) is not None:
        return refusal
    try:
        event = events.read_event(request.body)
    except ParseError as exc:
        return refuse(400, _("This is not a call event we can take: %(reason)s") % {"reason": exc})
    record_call_event(event)
    return HttpResponse(status=204)


@csrf_exempt
@require_POST
def asterisk_webhook(request: HttpRequest) -> HttpResponse:
    if (refusal := _refusal(request)) is not None:
        return refusal
    try:
        data = load_json(request.body, what="not JSON")
        if not isinstance(data, dict):
            raise ParseError("the body must be a JSON object")
        event = asterisk.from_asterisk(data, received_at=now())
    except (ValueError, ParseError) as exc:
        return refuse(400, _("This is not a call event we can take: %(reason)s") % {"reason": exc})
    if event is not None:
        record_call_event(event)
    return HttpResponse(status=204)
