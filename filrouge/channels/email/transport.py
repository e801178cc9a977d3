"""Outbound e-mail: an answer on a case, threaded in the customer's mail client.

`prepare_reply` fixes everything about the mail when the advisor answers (who,
subject, our Message-ID, In-Reply-To/References to the customer's last mail),
in the same transaction as the timeline event; `send` only renders and hands
it to Django's e-mail backend (SMTP in production), so retries are identical.
"""

import smtplib
from email import policy
from email.parser import BytesHeaderParser
from email.utils import make_msgid, parseaddr

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils import translation
from django.utils.translation import gettext as _

from filrouge.cases.models import Case, Event
from filrouge.cases.services import CaseError
from filrouge.channels.email.parse import clean_subject, message_ids
from filrouge.channels.message import DeliveryRefused
from filrouge.channels.models import InboundMessage, OutboundMessage
from filrouge.channels.outbound import queue_delivery
from filrouge.customers.models import Channel, ContactPoint
from filrouge.portal.links import tracking_path, tracking_url

MAX_REFERENCES = 20
SMTP_TIMEOUT = 30


def prepare_reply(case: Case, event: Event) -> OutboundMessage:
    """The delivery of `event` by e-mail; refused (CaseError) if the customer has no address."""
    last = (
        InboundMessage.objects.filter(
            case=case, channel=Channel.EMAIL, state=InboundMessage.State.PROCESSED
        )
        .order_by("-received_at", "-pk")
        .first()
    )
    recipient, their_subject, references, in_reply_to = "", "", [], ""
    if last is not None:
        recipient = last.sender
        their_subject, references = _thread_headers(bytes(last.payload))
        if "@" in last.external_id:  # a real Message-ID, not our hash of a mail without one
            in_reply_to = last.external_id
            references = [*references, last.external_id]
    recipient = recipient or _customer_address(case)
    if not recipient:
        raise CaseError(_("This customer has no e-mail address: answer on another channel."))
    topic = f"Re: {clean_subject(their_subject)}" if clean_subject(their_subject) else case.subject
    return queue_delivery(
        event,
        case=case,
        channel=Channel.EMAIL,
        recipient=recipient,
        external_id=new_message_id(),
        subject=f"[{case.reference}] {topic}"[:255],
        in_reply_to=in_reply_to,
        references=" ".join(list(dict.fromkeys(references))[-MAX_REFERENCES:]),
    )


def send(outbound: OutboundMessage, event: Event) -> None:
    """Hand the mail to the configured backend. A 5xx refusal raises `DeliveryRefused`."""
    headers = {"Message-ID": f"<{outbound.external_id}>"}
    if outbound.in_reply_to:
        headers["In-Reply-To"] = f"<{outbound.in_reply_to}>"
    if outbound.references:
        headers["References"] = " ".join(f"<{i}>" for i in outbound.references.split())
    with translation.override(settings.LANGUAGE_CODE):
        body = _body(outbound, event)
    mail = EmailMessage(
        subject=outbound.subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[outbound.recipient],
        headers=headers,
        connection=get_connection(fail_silently=False, timeout=SMTP_TIMEOUT),
    )
    # A document that goes with the message, kept on its event (a cancellation receipt).
    if isinstance(attached := event.data.get("attachment"), dict) and attached.get("content"):
        mail.attach(attached["name"], attached["content"], attached.get("type", "text/plain"))
    try:
        mail.send()
    except smtplib.SMTPRecipientsRefused as exc:
        if all(code >= 500 for code, _msg in exc.recipients.values()):
            raise DeliveryRefused(str(exc.recipients)) from exc
        raise
    except smtplib.SMTPResponseException as exc:
        if exc.smtp_code >= 500:
            raise DeliveryRefused(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
        raise


def new_message_id() -> str:
    """A fresh Message-ID (without <>) under our sending domain."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "filrouge.invalid"
    return make_msgid(domain=domain)[1:-1]


def _body(outbound: OutboundMessage, event: Event) -> str:
    # Customers read an advisor's first name and team, never the surname.
    signature = _("Customer care")
    if event.actor_id:
        team = event.actor.team.name if event.actor.team_id else signature
        signature = f"{event.actor.first_name} — {team}"
    body = str(event.data.get("body", ""))
    closing = ["-- ", signature]
    if outbound.case is None:  # a notice outside any case (an incident on the customer's line)
        return body + "\n\n" + "\n".join(closing) + "\n"
    closing.append(
        _("Your case: %(reference)s. Reply to this e-mail to add to it.")
        % {"reference": outbound.case.reference}
    )
    # Once is enough: a notice or an acknowledgement may carry the link in its text.
    if tracking_path(outbound.case) not in body:
        closing.append(_("Follow it online: %(url)s") % {"url": tracking_url(outbound.case)})
    return body + "\n\n" + "\n".join(closing) + "\n"


def _customer_address(case: Case) -> str:
    point = (
        ContactPoint.objects.filter(customer_id=case.customer_id, kind=ContactPoint.Kind.EMAIL)
        .order_by("-is_primary", "pk")
        .first()
    )
    return point.value if point else ""


def _thread_headers(raw: bytes) -> tuple[str, list[str]]:
    try:
        headers = BytesHeaderParser(policy=policy.default).parsebytes(raw)
        subject = " ".join(str(headers.get("Subject", "")).split())
        return subject, message_ids(" ".join(str(headers.get("References", "")).split()))
    except Exception:  # noqa: BLE001 - a stored mail we cannot re-read still gets an answer
        return "", []
