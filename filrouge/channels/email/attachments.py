"""An e-mail's attachments kept on the case, so an advisor opens them from the timeline.

The parser judges each attachment (declared type and name, size, count, and the
first bytes: no program, and a PDF, JPEG or PNG must be one). Here, in the
processing task and never in the SMTP session or the IMAP poll, the accepted ones
are stored as `Document`s of the case (the same storage as scanned letters:
`MEDIA_ROOT/documents/<year>/<random name>`, served only by `/agent/pieces/<id>/`)
in the same transaction as the message's event; the refused ones are listed on
that event with the reason. If storing fails, the files already written are
deleted again and nothing is recorded; the raw mail stays in `InboundMessage`.
"""

import re

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from filrouge.cases.models import Case, Event
from filrouge.cases.services import receive_message
from filrouge.channels.email import parse
from filrouge.channels.message import Attachment, Message
from filrouge.channels.models import Document, InboundMessage
from filrouge.core.clock import now
from filrouge.customers.models import Channel

MAX_REFUSED_LISTED = 50  # a mail with hundreds of parts lists the first ones


def receive_with_attachments(
    case: Case, *, inbound: InboundMessage, message: Message, body: str
) -> Event:
    """The mail's `message_in` event on `case`, its accepted attachments stored and linked,
    the refused ones listed with the reason: all of it, or nothing."""
    parts = parse.read_attachments(bytes(inbound.payload))
    stored: list[Document] = []
    try:
        with transaction.atomic():
            for attachment, payload in parts:
                if attachment.accepted:
                    stored.append(_store(case, attachment, payload))
            refused = [a for a, _payload in parts if not a.accepted]
            facts = {
                "documents": [_reference(d) for d in stored],
                "attachments_refused": [_refusal(a) for a in refused[:MAX_REFUSED_LISTED]],
            }
            event = receive_message(
                case,
                channel=Channel.EMAIL,
                body=body,
                data={key: value for key, value in facts.items() if value},
            )
            Document.objects.filter(pk__in=[d.pk for d in stored]).update(event=event)
    except BaseException:
        for document in stored:
            default_storage.delete(document.file.name)
        raise
    return event


def _store(case: Case, attachment: Attachment, payload: bytes) -> Document:
    # PDF, JPEG and PNG were checked against their first bytes by the parser; any other
    # type is the sender's word, so it is never shown inline (see agent.calls.document).
    document = Document(
        case=case,
        kind=Document.Kind.ATTACHMENT,
        original_name=safe_name(attachment.filename),
        content_type=attachment.content_type[:127] or "application/octet-stream",
        size=len(payload),
        created_at=now(),
    )
    document.file.save("attachment", ContentFile(payload), save=False)
    document.save()
    return document


_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\]+")


def safe_name(filename: str) -> str:
    """The sender's file name as a label: no directories, no control characters."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    return _UNSAFE.sub(" ", name).strip()[:200]


def _reference(document: Document) -> dict:
    return {"id": document.pk, "name": document.original_name, "type": document.content_type}


def _refusal(attachment: Attachment) -> dict:
    refusal = {
        "name": safe_name(attachment.filename),
        "type": attachment.content_type[:127],
        "size": attachment.size,
        "reason": attachment.refused_because,
    }
    if attachment.refused_because == "too_large":
        refusal["limit"] = parse.MAX_ATTACHMENT_BYTES
    return refusal
