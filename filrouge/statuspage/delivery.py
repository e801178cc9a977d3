"""What a subscriber receives, and how: e-mail through Django's SMTP backend, SMS through Vonage.

E-mails carry `List-Unsubscribe` (the signed link) and `List-Unsubscribe-Post:
List-Unsubscribe=One-Click` (RFC 8058), so mail clients offer their own
unsubscribe button, which posts to the same link. A notice's Message-ID is
derived from the notice, so a mail sent again is recognisably the same one.
"""

import smtplib
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, translation
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from filrouge.channels.message import DeliveryRefused
from filrouge.channels.sms.encoding import segments
from filrouge.channels.sms.transport import MAX_PARTS, send_text
from filrouge.incidents.models import IncidentUpdate
from filrouge.statuspage import tokens
from filrouge.statuspage.models import Notice, Subscription

SMTP_TIMEOUT = 30
SMS_PARTS = 3  # a notice stays readable: the text is shortened to fit


def absolute(path: str) -> str:
    return settings.FILROUGE_PUBLIC_URL.rstrip("/") + path


def unsubscribe_url(subscription: Subscription) -> str:
    token = tokens.make(tokens.UNSUBSCRIBE, subscription)
    return absolute(reverse("statuspage:unsubscribe", args=[token]))


def _domain() -> str:
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "filrouge.invalid"


def send_mail(
    to: str, subject: str, body: str, *, unsubscribe: str = "", message_id: str = ""
) -> None:
    headers = {"Auto-Submitted": "auto-generated"}
    if unsubscribe:
        headers |= {
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
    if message_id:
        headers["Message-ID"] = f"<{message_id}@{_domain()}>"
    mail = EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers=headers,
        connection=get_connection(fail_silently=False, timeout=SMTP_TIMEOUT),
    )
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


def fit_sms(head: str, text: str, tail: str, *, parts: int = SMS_PARTS) -> str:
    """`head`, `text` and `tail` in at most `parts` SMS, shortening `text` if needed."""
    body = text
    while len(segments(f"{head}{body}{tail}")) > min(parts, MAX_PARTS) and body:
        body = body[: max(0, len(body) - 10)].rstrip()
        body = body + "…" if body else ""
    return f"{head}{body}{tail}"


def send_confirmation(subscription: Subscription) -> None:
    with translation.override(subscription.language):
        if subscription.channel == Subscription.Channel.SMS:
            text = _(
                "Fil Rouge: your code to confirm the network news of %(place)s is %(code)s"
            ) % {
                "place": subscription.place,
                "code": tokens.sms_code(subscription),
            }
            key = f"statuspage-code-{subscription.pk}-{subscription.confirmations_sent}"
            send_text(subscription.address, text, client_ref=key)
            return
        token = tokens.make(tokens.CONFIRM, subscription)
        context = {
            "subscription": subscription,
            "confirm_url": absolute(reverse("statuspage:confirm", args=[token])),
        }
        body = render_to_string("statuspage/mail_confirm.txt", context)
        subject = _("Confirm your network status alerts for %(place)s") % {
            "place": subscription.place
        }
    send_mail(subscription.address, subject, body)


def send_notice(notice: Notice, update: IncidentUpdate) -> None:
    subscription, incident = notice.subscription, update.incident
    with translation.override(subscription.language):
        status = update.get_status_display()
        eta = (
            formats.date_format(localtime(update.eta), "SHORT_DATETIME_FORMAT")
            if update.eta
            else ""
        )
        if subscription.channel == Subscription.Channel.SMS:
            head = f"Fil Rouge · {subscription.place} · {incident.title} ({status}) : "
            tail = (
                (" " + _("Expected back: %(eta)s.") % {"eta": eta} if eta else "")
                + "\n"
                + _("Stop: %(url)s") % {"url": unsubscribe_url(subscription)}
            )
            send_text(
                subscription.address,
                fit_sms(head, update.text, tail),
                client_ref=f"statuspage-{notice.pk}",
            )
            return
        context = {
            "subscription": subscription,
            "incident": incident,
            "update": update,
            "status": status,
            "eta": eta,
            "page_url": absolute(reverse("statuspage:page")),
            "unsubscribe_url": unsubscribe_url(subscription),
        }
        body = render_to_string("statuspage/mail_notice.txt", context)
        subject = f"[{subscription.place}] {incident.title} · {status}"
    send_mail(
        subscription.address,
        subject[:200],
        body,
        unsubscribe=context["unsubscribe_url"],
        message_id=f"statuspage-notice-{notice.pk}",
    )
