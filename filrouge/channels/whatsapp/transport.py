"""Outbound WhatsApp through Meta's Cloud API: `POST <graph>/<version>/<phone number id>/messages`.

A free-form text is allowed only inside the customer service window: 24 hours
from the customer's last message to us. Outside it, or to start a conversation,
only an approved template may be sent (`templates.py`, `services.notify_template`).
`prepare_reply` refuses a free-form answer outside the window at once, with a
message that suggests a template, rather than letting Meta refuse it later.

Meta has no idempotency key for messages; `biz_opaque_callback_data` carries our
key (`filrouge-<id>`), echoed in its status webhooks. Timeouts, HTTP 5xx and the
throttling/temporary error codes are retried; any other refusal is final.
"""

import json
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _

from filrouge.cases.models import Case, Event
from filrouge.cases.services import CaseError
from filrouge.channels import provider_http
from filrouge.channels.message import DeliveryRefused
from filrouge.channels.models import InboundMessage, OutboundMessage
from filrouge.channels.outbound import case_footer, queue_delivery
from filrouge.channels.provider_http import ProviderUnavailable
from filrouge.channels.whatsapp import templates
from filrouge.core.clock import now
from filrouge.customers.models import Channel, ContactPoint, Customer

WINDOW = timedelta(hours=24)
MAX_TEXT = 4096
# Graph API codes worth another try: temporary, throttled, rate limits, service unavailable.
RETRIED_CODES = frozenset({1, 2, 4, 17, 341, 80007, 130429, 131000, 131016, 131056, 133016})


def last_message_from(customer: Customer) -> InboundMessage | None:
    """The customer's latest WhatsApp message to us, if it is recent enough to answer freely."""
    phones = ContactPoint.objects.filter(customer=customer, kind=ContactPoint.Kind.PHONE)
    return (
        InboundMessage.objects.filter(channel=Channel.WHATSAPP, received_at__gte=now() - WINDOW)
        .filter(Q(customer=customer) | Q(sender__in=phones.values("value")))
        .exclude(sender="")
        .order_by("-received_at", "-pk")
        .first()
    )


def prepare_reply(case: Case, event: Event) -> OutboundMessage:
    last = last_message_from(case.customer)
    if last is None:
        raise CaseError(
            _(
                "The customer has not written on WhatsApp in the last 24 hours: WhatsApp only "
                "allows an approved template now. Send a notification template, or answer on "
                "another channel."
            )
        )
    if len(compose(case, event)) > MAX_TEXT:
        raise CaseError(
            _("A WhatsApp message holds at most %(max)d characters.") % {"max": MAX_TEXT}
        )
    return new_delivery(event, case=case, recipient=last.sender)


def recipient_for(customer: Customer) -> str:
    """Where a template goes: the number they last wrote from, else their first mobile number."""
    last = last_message_from(customer)
    if last is not None:
        return last.sender
    phones = ContactPoint.objects.filter(customer=customer, kind=ContactPoint.Kind.PHONE)
    mobile = next(
        (p.value for p in phones.order_by("-is_primary", "pk") if _is_mobile(p.value)), ""
    )
    if not mobile:
        raise CaseError(_("This customer has no mobile phone number for WhatsApp."))
    return mobile


def _is_mobile(e164: str) -> bool:
    from filrouge.channels.sms.transport import is_mobile  # one definition of "mobile"

    return is_mobile(e164)


def new_delivery(event: Event, *, case: Case | None, recipient: str) -> OutboundMessage:
    return queue_delivery(event, case=case, channel=Channel.WHATSAPP, recipient=recipient)


def compose(case: Case | None, event: Event) -> str:
    body = str(event.data.get("body", "")).strip()
    if case is None:
        return body
    return f"{body}\n\n{case_footer(case)}"


def request_body(outbound: OutboundMessage, event: Event) -> dict:
    """The JSON Meta receives for this delivery: a template, or a text in the window."""
    body: dict = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": outbound.recipient.lstrip("+"),
        "biz_opaque_callback_data": outbound.provider_key,
    }
    if name := event.data.get("template"):
        template = templates.get(name)
        parameters = [{"type": "text", "text": v} for v in event.data.get("params", [])]
        body |= {
            "type": "template",
            "template": {
                "name": template.name,
                "language": {"code": template.language},
                "components": [{"type": "body", "parameters": parameters}],
            },
        }
    else:
        body |= {
            "type": "text",
            "text": {"preview_url": False, "body": compose(outbound.case, event)},
        }
    return body


def send(outbound: OutboundMessage, event: Event) -> str:
    """Post the message; returns the wamid Meta gave it."""
    if not settings.WHATSAPP_ACCESS_TOKEN or not settings.WHATSAPP_PHONE_NUMBER_ID:
        raise DeliveryRefused("WHATSAPP_ACCESS_TOKEN/WHATSAPP_PHONE_NUMBER_ID are not set")
    status, answer = _post(json.dumps(request_body(outbound, event)).encode())
    return _accepted(status, answer)


def _url() -> str:
    base = settings.WHATSAPP_GRAPH_BASE_URL.rstrip("/")
    return f"{base}/{settings.WHATSAPP_GRAPH_VERSION}/{settings.WHATSAPP_PHONE_NUMBER_ID}/messages"


def _post(data: bytes) -> tuple[int, bytes]:
    return provider_http.call(
        "POST", _url(), provider="Meta", data=data, token=settings.WHATSAPP_ACCESS_TOKEN
    )


def _accepted(status: int, raw: bytes) -> str:
    try:
        answer = json.loads(raw)
    except ValueError:
        answer = {}
    if 200 <= status < 300:
        try:
            return str(answer["messages"][0]["id"])[:255]
        except (KeyError, IndexError, TypeError) as exc:
            raise ProviderUnavailable(f"unreadable Meta answer: {raw[:200]!r}") from exc
    error = answer.get("error") if isinstance(answer, dict) else None
    error = error if isinstance(error, dict) else {}
    code = error.get("code")
    details = (
        (error.get("error_data") or {}).get("details", "")
        if isinstance(error.get("error_data"), dict)
        else ""
    )
    text = f"Meta HTTP {status}, code {code}: {error.get('message', raw[:200])} {details}".strip()
    if status == 429 or status >= 500 or code in RETRIED_CODES:
        raise ProviderUnavailable(text)
    if code == 131047:
        text += " (more than 24 hours since the customer's last message: send a template)"
    raise DeliveryRefused(text)
