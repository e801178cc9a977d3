"""Inbound e-mail over SMTP: the operator's MTA relays the care mailbox to us.

The handler stores each mail as received and answers 250 only once it is
committed, so the relaying MTA keeps (and retries) anything we did not take.
It does no processing inline: a storm of mail costs one insert per message.
"""

import logging
from concurrent.futures import ThreadPoolExecutor

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from asgiref.sync import sync_to_async
from django.db import close_old_connections, connections

from filrouge.channels.email.parse import has_sender, read_message_id
from filrouge.channels.services import MAX_INBOUND_BYTES, InboundRejected, store_inbound
from filrouge.core.clock import now
from filrouge.customers.models import Channel

logger = logging.getLogger(__name__)


class InboundHandler:
    """aiosmtpd handler: DATA → `store_inbound` → 250 after commit.

    Database work runs in one thread of its own (Django's ORM is synchronous),
    which keeps one connection; `close` releases it when the listener stops.
    """

    def __init__(self) -> None:
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="smtpd-db")

    def close(self) -> None:
        self.executor.submit(connections.close_all).result()
        self.executor.shutdown()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", errors="surrogateescape")
        if len(raw) > MAX_INBOUND_BYTES:
            return "552 5.3.4 Message too big"
        if not has_sender(raw):
            return "550 5.6.0 Unparsable message: no sender address in From"
        try:
            inbound_id = await sync_to_async(
                accept, thread_sensitive=False, executor=self.executor
            )(raw, mail_from=envelope.mail_from or "")
        except InboundRejected as exc:
            return f"554 5.6.0 Message refused: {exc}"
        except Exception:
            logger.exception("Could not store an inbound e-mail")
            return "451 4.3.0 Could not store the message, try again later"
        return f"250 2.0.0 OK: queued as {inbound_id}"


def accept(raw: bytes, *, mail_from: str) -> int:
    """Store one received mail; returns the id of the stored (or already stored) message.

    A `Return-Path` trace header records the envelope sender, as a delivery agent
    does: an empty one (`<>`) is how bounces are told apart.
    """
    close_old_connections()
    external_id = read_message_id(raw)
    sender = "".join(c for c in mail_from if c.isprintable()).strip("<>")
    first_end = raw.find(b"\n")
    newline = b"\r\n" if first_end > 0 and raw[first_end - 1 : first_end] == b"\r" else b"\n"
    traced = f"Return-Path: <{sender}>".encode() + newline + raw
    inbound, _created = store_inbound(
        channel=Channel.EMAIL, external_id=external_id, payload=traced, received_at=now()
    )
    return inbound.pk


class Listener(Controller):
    """The SMTP server thread; stopping it also closes the handler's database connection."""

    def stop(self, no_assert: bool = False) -> None:
        super().stop(no_assert=no_assert)
        self.handler.close()


def make_controller(host: str, port: int, *, max_size: int = MAX_INBOUND_BYTES) -> Listener:
    return Listener(
        InboundHandler(),
        hostname=host,
        port=port,
        data_size_limit=max_size,
        enable_SMTPUTF8=True,
        decode_data=False,
        ident="Fil Rouge",
    )
