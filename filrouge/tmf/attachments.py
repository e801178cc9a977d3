"""A ticket's `attachment[]`: files sent by value (base64 `content`), kept as the case's
`Document`s of kind `tmf` (the storage of letters and photos: a random name under
MEDIA_ROOT, opened by agents only at `/agent/pieces/<id>/`).

We never fetch a `url` (an attachment by reference would make us an HTTP client of
any address a caller names): one without `content` is a 422. A file larger than
`TMF_ATTACHMENT_MAX_BYTES` once decoded is a 413; content that is not base64 is a 400;
the type is read from the first bytes (PDF, JPEG, PNG) and anything else is a 422.
Everything is checked before anything is written; the files a failed transaction
wrote are deleted again.
"""

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from filrouge.cases import services as cases
from filrouge.cases.models import Case, Event
from filrouge.channels.email.attachments import safe_name
from filrouge.channels.models import Document
from filrouge.channels.offline.files import SIGNATURES
from filrouge.core.clock import now
from filrouge.tmf.resource import Caller, iso


@dataclass(frozen=True)
class Incoming:
    name: str
    content_type: str
    payload: bytes
    description: str


def _error(status: int, code: str, message: str) -> Exception:
    from filrouge.tmf.services import TmfError  # services builds on this module

    return TmfError(status, code, message)


def decode(items: list[dict[str, Any]] | None) -> list[Incoming]:
    """The attachments sent, checked and decoded; refused with a TMF error otherwise.
    Items with an `id` are ones already on the ticket (a merge-patch sends them back)."""
    limit = settings.TMF_ATTACHMENT_MAX_BYTES
    decoded = []
    for item in items or []:
        if item.get("id"):
            continue
        name = safe_name(str(item.get("name") or "")) or "piece-jointe"
        content = item.get("content")
        if not content:
            raise _error(
                422,
                "attachmentByValueOnly",
                _("Attachment “%(name)s”: send the file itself in “content” (base64); "
                  "we do not fetch URLs.") % {"name": name},
            )  # fmt: skip
        if len(content) > (limit + 2) // 3 * 4 + 4:  # judged before decoding a large one
            raise _too_large(name, limit)
        try:
            payload = base64.b64decode(content, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise _error(
                400,
                "invalidAttachment",
                _("Attachment “%(name)s”: “content” is not base64.") % {"name": name},
            ) from exc
        if len(payload) > limit:
            raise _too_large(name, limit)
        content_type = next(
            (kind for kind, magics in SIGNATURES.items() if payload.startswith(magics)), ""
        )
        if not payload or not content_type:
            raise _error(
                422,
                "unsupportedAttachment",
                _("Attachment “%(name)s” is not a PDF, JPEG or PNG file.") % {"name": name},
            )
        description = str(item.get("description") or "").strip()[:500]
        decoded.append(Incoming(name[:200], content_type, payload, description))
    return decoded


def _too_large(name: str, limit: int) -> Exception:
    return _error(
        413,
        "attachmentTooLarge",
        _("Attachment “%(name)s” is larger than %(limit)s.")
        % {"name": name, "limit": filesizeformat(limit)},
    )


def store(case: Case, caller: Caller, incoming: list[Incoming]) -> list[Document]:
    """The files as the case's documents, and one `partner_note` event that links them
    (the agent opens them from the timeline; listeners hear of it as a note)."""
    if not incoming:
        return []
    stored: list[Document] = []
    at = now()
    try:
        with transaction.atomic():
            for item in incoming:
                document = Document(
                    case=case,
                    kind=Document.Kind.TMF,
                    original_name=item.name,
                    content_type=item.content_type,
                    size=len(item.payload),
                    uploaded_by=caller.agent,
                    uploaded_by_label=(caller.label or "TMF621")[:80],
                    created_at=at,
                )
                document.file.save("tmf", ContentFile(item.payload), save=False)
                document.save()
                stored.append(document)
            text = "; ".join(i.description or i.name for i in incoming)[:4000]
            event = cases.record_contact(
                case,
                kind=Event.Kind.PARTNER_NOTE,
                channel="",
                data={
                    "text": text,
                    "author": (caller.label or "Fil Rouge")[:80],
                    "documents": [
                        {"id": d.pk, "name": d.original_name, "type": d.content_type}
                        for d in stored
                    ],
                },
                by=caller.agent,
                actor_label=caller.label,
                visibility=Event.Visibility.INTERNAL,
                reopen=False,
            )
            Document.objects.filter(pk__in=[d.pk for d in stored]).update(event=event)
    except BaseException:
        for document in stored:
            default_storage.delete(document.file.name)
        raise
    return stored


def visible(caller: Caller):
    """The documents a caller reads as attachments: a partner only those sent through this
    API (never the customer's letters or photos); the operator's systems all of them."""
    documents = Document.objects.all()
    if caller.partner is not None:
        documents = documents.filter(kind=Document.Kind.TMF)
    return documents


ROW = ("pk", "case_id", "original_name", "content_type", "size", "created_at", "kind")


def as_attachment(row: tuple) -> dict[str, Any]:
    pk, _case, name, content_type, size, created_at, kind = row
    return {
        "id": str(pk),
        "name": name,
        "mimeType": content_type,
        "size": {"amount": size, "units": "bytes"},
        "attachmentType": kind,
        "creationDate": iso(created_at),
        "@type": "AttachmentRef",
    }
