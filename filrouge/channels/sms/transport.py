"""Outbound SMS through Vonage's SMS API (`POST <base>/sms/json`, form-encoded).

`prepare_reply` fixes the recipient when the advisor answers, in the same
transaction as the timeline event, and refuses what cannot be sent (no mobile
number, a customer who sent STOP, a text too long); `send` posts it. Vonage
cuts a long text into concatenated parts itself: we give it the right `type`
(`text` for GSM-7, `unicode` otherwise) and cap the number of parts.

Vonage has no idempotency key: `client-ref` carries our key (`filrouge-<id>`),
which its delivery receipts echo, so a resend after a crash is recognisable,
not prevented. HTTP 5xx, 429, timeouts and the statuses "throttled" (1) and
"internal error" (5) are retried; any other refusal is final (`DeliveryRefused`).
"""

import json
from urllib.parse import urlencode

import phonenumbers
from django.conf import settings
from django.utils.translation import gettext as _

from filrouge.cases.models import Case, Event
from filrouge.cases.services import CaseError
from filrouge.channels import provider_http
from filrouge.channels.message import DeliveryRefused
from filrouge.channels.models import InboundMessage, OutboundMessage
from filrouge.channels.outbound import case_footer, queue_delivery
from filrouge.channels.provider_http import ProviderUnavailable
from filrouge.channels.sms.encoding import encoding, segments
from filrouge.channels.sms.keywords import has_opted_out
from filrouge.customers.models import Channel, ContactPoint

MAX_PARTS = 6
RETRIED_STATUSES = frozenset({"1", "5"})  # throttled, internal error


def prepare_reply(case: Case, event: Event) -> OutboundMessage:
    recipient = _recipient(case)
    if not recipient:
        raise CaseError(_("This customer has no mobile phone number: answer on another channel."))
    if has_opted_out(recipient):
        raise CaseError(
            _("This customer sent STOP and receives no more SMS: answer on another channel.")
        )
    parts = len(segments(compose(case, event)))
    if parts > MAX_PARTS:
        raise CaseError(
            _("This answer would take %(parts)d SMS (at most %(max)d): shorten it.")
            % {"parts": parts, "max": MAX_PARTS}
        )
    return queue_delivery(event, case=case, channel=Channel.SMS, recipient=recipient)


def compose(case: Case | None, event: Event) -> str:
    """The text the customer receives: the answer and the case reference to quote back."""
    body = str(event.data.get("body", "")).strip()
    if case is None:
        return body
    return f"{body}\n{case_footer(case)}"


def send(outbound: OutboundMessage, event: Event) -> str:
    """Post the SMS; returns Vonage's message id (of the first part)."""
    if has_opted_out(outbound.recipient):
        raise DeliveryRefused("the recipient sent STOP")
    if not settings.SMS_VONAGE_API_KEY or not settings.SMS_VONAGE_API_SECRET:
        raise DeliveryRefused("SMS_VONAGE_API_KEY/SMS_VONAGE_API_SECRET are not set")
    text = compose(outbound.case, event)
    params = {
        "api_key": settings.SMS_VONAGE_API_KEY,
        "api_secret": settings.SMS_VONAGE_API_SECRET,
        "from": settings.SMS_VONAGE_FROM,
        "to": outbound.recipient.lstrip("+"),
        "text": text,
        "type": encoding(text),
        "client-ref": outbound.provider_key,
    }
    if settings.SMS_VONAGE_STATUS_URL:
        params |= {"status-report-req": "1", "callback": settings.SMS_VONAGE_STATUS_URL}
    status, body = _post(urlencode(params).encode())
    return _accepted(status, body)


def _post(data: bytes) -> tuple[int, bytes]:
    return provider_http.call(
        "POST",
        settings.SMS_VONAGE_BASE_URL.rstrip("/") + "/sms/json",
        provider="Vonage",
        data=data,
        content_type="application/x-www-form-urlencoded",
    )


def _accepted(status: int, body: bytes) -> str:
    if status == 429 or status >= 500:
        raise ProviderUnavailable(f"Vonage HTTP {status}: {body[:200]!r}")
    if status >= 400:
        raise DeliveryRefused(f"Vonage HTTP {status}: {body[:200]!r}")
    try:
        answer = json.loads(body)
        messages = answer["messages"]
        statuses = [str(m["status"]) for m in messages]
    except (ValueError, KeyError, TypeError) as exc:
        raise ProviderUnavailable(f"unreadable Vonage answer: {body[:200]!r}") from exc
    failed = [m for m in messages if str(m["status"]) != "0"]
    if not messages:
        raise ProviderUnavailable("Vonage answered without any message")
    if failed:
        error = "; ".join(f"status {m['status']}: {m.get('error-text', '')}" for m in failed)
        if all(s in RETRIED_STATUSES for s in statuses if s != "0"):
            raise ProviderUnavailable(f"Vonage: {error}")
        raise DeliveryRefused(f"Vonage: {error}")
    return str(messages[0].get("message-id", ""))[:255]


def _recipient(case: Case) -> str:
    """Where the customer last texted us from on this case, else their mobile number."""
    last = (
        InboundMessage.objects.filter(
            case=case, channel=Channel.SMS, state=InboundMessage.State.PROCESSED
        )
        .order_by("-received_at", "-pk")
        .values_list("sender", flat=True)
        .first()
    )
    if last:
        return last
    phones = ContactPoint.objects.filter(
        customer_id=case.customer_id, kind=ContactPoint.Kind.PHONE
    ).order_by("-is_primary", "pk")
    return next((p.value for p in phones if is_mobile(p.value)), "")


def is_mobile(e164: str) -> bool:
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.number_type(number) in {
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    }


def send_text(recipient: str, text: str, *, client_ref: str) -> str:
    """Post a text that belongs to no case (a status page notice or code); Vonage's message id.

    Same request, refusals and retries as `send`; `client_ref` is the caller's idempotency
    key, echoed by the delivery receipts."""
    if has_opted_out(recipient):
        raise DeliveryRefused("the recipient sent STOP")
    if not settings.SMS_VONAGE_API_KEY or not settings.SMS_VONAGE_API_SECRET:
        raise DeliveryRefused("SMS_VONAGE_API_KEY/SMS_VONAGE_API_SECRET are not set")
    params = {
        "api_key": settings.SMS_VONAGE_API_KEY,
        "api_secret": settings.SMS_VONAGE_API_SECRET,
        "from": settings.SMS_VONAGE_FROM,
        "to": recipient.lstrip("+"),
        "text": text,
        "type": encoding(text),
        "client-ref": client_ref[:100],
    }
    status, body = _post(urlencode(params).encode())
    return _accepted(status, body)
