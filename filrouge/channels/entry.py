"""The accepting path of the providers' webhooks, in front of Django's request stack.

`filrouge.wsgi` serves `HookEntry(get_wsgi_application())`. For a POST to the
SMS, WhatsApp or X webhook, the entry reads the body once and runs the very
checks of the channel's view — size, signature, the envelope parsed down to
each message's external id, `services.inbound_row` — with the same functions.
When they all pass, it commits the rows through `intake.store` (a group commit
on PostgreSQL) and answers what the view answers: 204, `200 OK`, `200`. It
answers 2xx only once `store` has returned, i.e. once the rows are committed;
if they may not be, a 503 with the reason, and the provider sends again.

Everything else goes to Django with the body put back, untouched: every
refusal (401, 403, 400, 413 and their translated reasons), a host Django does
not serve, GET challenges, WhatsApp notifications carrying statuses (the view
applies them), deliveries with nothing to store, the phone webhooks (applied
inline, not queued), every other URL. So a refusal is the view's own, and an
accepted delivery stores exactly what the view would have stored.

What the lean path skips is the request/middleware machinery a signed webhook
does not use (sessions, authentication, CSRF, messages, locale, htmx, URL
resolving): about two thirds of a webhook's CPU in the web process (ADR 0005).
"""

import io
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core import signals
from django.core.exceptions import DisallowedHost
from django.core.handlers.wsgi import WSGIRequest
from django.urls import get_script_prefix, reverse
from django.utils import translation
from django.utils.translation import gettext as _

from filrouge.channels import intake
from filrouge.channels.message import ParseError
from filrouge.channels.models import InboundMessage
from filrouge.channels.services import InboundRejected, inbound_row
from filrouge.channels.sms import parse as sms_parse
from filrouge.channels.sms import signature as sms_signature
from filrouge.channels.whatsapp import parse as whatsapp_parse
from filrouge.channels.x import parse as x_parse
from filrouge.customers.models import Channel

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Accepted:
    """Rows to commit, and the view's answer once they are."""

    rows: list[InboundMessage]
    status: str
    body: bytes = b""
    content_type: str = ""


def accept_sms(request: WSGIRequest, body: bytes) -> Accepted | None:
    """`sms.views.inbound`'s accepting path (POST); None for anything else."""
    params = sms_parse.read_params(body, content_type=request.content_type or "")
    if not params.get("sig") or not sms_signature.is_valid(
        params,
        secret=settings.SMS_VONAGE_SIGNATURE_SECRET,
        method=settings.SMS_VONAGE_SIGNATURE_METHOD,
    ):
        return None
    sms_parse.check(params)
    row = inbound_row(
        channel=Channel.SMS,
        external_id=params["messageId"],
        payload=body,
        group=sms_parse.group_key(params),
    )
    return Accepted([row], "204 No Content", content_type="text/html; charset=utf-8")


def accept_whatsapp(request: WSGIRequest, body: bytes) -> Accepted | None:
    """`whatsapp.views.webhook`'s accepting path for a notification of messages only."""
    given = request.headers.get("X-Hub-Signature-256", "")
    if not given or not whatsapp_parse.signature_is_valid(
        body, given, secret=settings.WHATSAPP_APP_SECRET
    ):
        return None
    notification = whatsapp_parse.read_webhook(body)
    if notification.statuses or not notification.messages:
        return None  # statuses are applied by the view, in its transaction
    rows = [
        inbound_row(channel=Channel.WHATSAPP, external_id=wamid, payload=payload)
        for wamid, payload in notification.messages
    ]
    return Accepted(rows, "200 OK", b"OK", "text/plain")


def accept_x(request: WSGIRequest, body: bytes) -> Accepted | None:
    """`x.views.webhook`'s accepting path for a delivery holding customers' messages."""
    given = request.headers.get("x-twitter-webhooks-signature", "")
    if not given or not x_parse.signature_is_valid(body, given, secret=settings.X_CONSUMER_SECRET):
        return None
    items = x_parse.read_webhook(body)
    if not items:
        return None
    rows = [
        inbound_row(channel=Channel.SOCIAL, external_id=external_id, payload=payload)
        for external_id, payload in items
    ]
    return Accepted(rows, "200 OK", content_type="text/html; charset=utf-8")


Acceptor = Callable[[WSGIRequest, bytes], Accepted | None]
ACCEPTORS: dict[str, Acceptor] = {
    "channels:sms": accept_sms,
    "channels:whatsapp": accept_whatsapp,
    "channels:x": accept_x,
}
SECURITY_HEADERS = [("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "same-origin")]


class HookEntry:
    """WSGI middleware: the accepting path of the webhooks above, the rest to `app`.

    `store(rows)` commits the rows or raises `intake.IntakeFailed` (a seam for the tests).
    """

    def __init__(self, app: Callable, *, store: Callable = intake.store) -> None:
        self.app, self.store = app, store
        self._routes: dict[str, Acceptor] | None = None

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        accept = self._acceptor(environ)
        if accept is None:
            return self.app(environ, start_response)
        request = WSGIRequest(environ)
        if int(request.META.get("CONTENT_LENGTH") or 0) > settings.FILROUGE_HOOK_MAX_BYTES:
            return self.app(environ, start_response)  # the view's 413, body unread
        try:
            body = request.body
        except Exception:  # noqa: BLE001 - too big or unreadable for Django: the view answers
            return self.app(environ, start_response)
        environ["wsgi.input"] = io.BytesIO(body)  # read once: Django reads it again if its turn
        accepted = self._accepted(accept, request, body)
        if accepted is None:
            return self.app(environ, start_response)
        return self._commit(environ, start_response, accepted)

    def _acceptor(self, environ: dict) -> Acceptor | None:
        if environ.get("REQUEST_METHOD") != "POST":
            return None
        if self._routes is None:
            prefix = len(get_script_prefix()) - 1  # PATH_INFO comes without SCRIPT_NAME
            self._routes = {reverse(name)[prefix:]: accept for name, accept in ACCEPTORS.items()}
        return self._routes.get(environ.get("PATH_INFO", ""))

    def _accepted(self, accept: Acceptor, request: WSGIRequest, body: bytes) -> Accepted | None:
        """What to commit, or None when the view must answer (a refusal, or another case)."""
        try:
            request.get_host()  # Django answers 400 to a host it does not serve
            if len(body) > settings.FILROUGE_HOOK_MAX_BYTES:
                return None
            return accept(request, body)
        except (DisallowedHost, ParseError, InboundRejected):
            return None
        except Exception:
            # A bug in a check: the view runs the same check and answers as it always did.
            logger.exception("Lean webhook path failed on %s", request.path)
            return None

    def _commit(self, environ: dict, start_response: Callable, accepted: Accepted):
        # Django's request signals: database connections of this thread (the per-request
        # path of SQLite) are opened and closed as for any request.
        signals.request_started.send(sender=type(self), environ=environ)
        try:
            self.store(accepted.rows)
        except intake.IntakeFailed as exc:
            logger.error("Webhook not acknowledged: %s", exc)
            with translation.override(settings.LANGUAGE_CODE):
                reason = _("The message could not be saved; send it again later.")
            body = json.dumps({"error": reason}).encode()
            start_response(
                "503 Service Unavailable",
                [
                    ("Content-Type", "application/json"),
                    ("Content-Length", str(len(body))),
                    ("Retry-After", "5"),
                    *SECURITY_HEADERS,
                ],
            )
            return [body]
        finally:
            signals.request_finished.send(sender=type(self))
        headers = [("Content-Length", str(len(accepted.body))), *SECURITY_HEADERS]
        if accepted.content_type:
            headers.insert(0, ("Content-Type", accepted.content_type))
        start_response(accepted.status, headers)
        return [accepted.body]
