"""What a customer does from the tracking pages: write on their case, ask for their link again.

A message from the page is filed directly through the cases services, in one
transaction with its file, rather than stored raw and filed by a task like a
webhook's: the customer is already identified by the link (no identity to
resolve, no threading to choose), the request is our own (no provider to
answer 2xx before the work is done), and the customer must see their message
on the page they are sent back to. Durable all the same: when the page says
"sent", the message is committed; a form posted twice (a double tap, a resent
request) carries the same `submission` key and is filed once.

A tracking link asked for again is the case's current link, sent only to a
contact point on the customer's file, through the channels' delivery path
(an `OutboundMessage` delivered by the `deliver_outbound` task: SMTP or the
SMS provider), never shown on the page.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from filrouge.cases.models import OPEN_STATUSES, Case, Event
from filrouge.cases.services import CaseError, record_contact, record_event
from filrouge.channels import tasks as channel_tasks
from filrouge.channels.email.transport import new_message_id
from filrouge.channels.offline.files import IMAGES, PDF, UploadRefused, check_upload, sniff
from filrouge.channels.offline.models import Document
from filrouge.channels.outbound import queue_delivery
from filrouge.channels.sms.keywords import has_opted_out
from filrouge.channels.sms.transport import is_mobile
from filrouge.core.clock import now
from filrouge.customers.models import Channel, ContactPoint
from filrouge.customers.normalise import InvalidContact, normalise_email, normalise_phone
from filrouge.portal.links import tracking_url
from filrouge.portal.selectors import FINISHED, normalise_reference

ACCEPTED = PDF + IMAGES
MAX_TEXT = 5000


def post_message(
    case: Case, *, text: str, upload: UploadedFile | None = None, submission: str = ""
) -> Event:
    """The customer's message (and one photo or PDF) lands on their case as a `message_in`
    on the web channel; like any inbound message it bumps the case in the owner's queue
    and reopens a resolved or pending case."""
    text = text.strip()
    if not text and upload is None:
        raise CaseError(_("Write a message or attach a file."))
    if len(text) > MAX_TEXT:
        raise CaseError(
            _("The message is too long (at most %(max)d characters).") % {"max": MAX_TEXT}
        )
    if case.status not in OPEN_STATUSES:
        raise CaseError(_("This case is closed: it no longer takes messages."))
    content_type = check_file(upload) if upload is not None else ""
    with _removed_on_failure() as stored, transaction.atomic():
        Case.objects.select_for_update().filter(pk=case.pk).first()
        if submission and (
            already := case.events.filter(
                kind=Event.Kind.MESSAGE_IN, channel=Channel.WEB, data__submission=submission
            ).first()
        ):
            return already
        if upload is not None:
            stored.append(_store(case, upload, content_type))
        data = {"body": text, "submission": submission[:64]}
        if stored:
            data["documents"] = [
                {"id": d.pk, "name": d.original_name, "type": d.content_type} for d in stored
            ]
        event = record_contact(
            case, kind=Event.Kind.MESSAGE_IN, channel=Channel.WEB, actor_label="customer", data=data
        )
        Document.objects.filter(pk__in=[d.pk for d in stored]).update(event=event)
    return event


def check_file(upload: UploadedFile) -> str:
    """The file's real type (read from its first bytes) if it is a photo or a PDF within the
    offline documents' size limit; else `UploadRefused` with a message for the customer."""
    fits = 0 < (upload.size or 0) <= settings.FILROUGE_UPLOAD_MAX_BYTES
    if fits and sniff(upload) not in ACCEPTED:
        raise UploadRefused(
            _("“%(name)s” is neither a photo (JPEG or PNG) nor a PDF.")
            % {"name": upload.name or _("the file")}
        )
    return check_upload(upload, accepted=ACCEPTED)


def _store(case: Case, upload: UploadedFile, content_type: str) -> Document:
    document = Document(
        case=case,
        kind=Document.Kind.CUSTOMER,
        original_name=(upload.name or "")[:200],
        content_type=content_type,
        size=upload.size or 0,
        uploaded_by_label="customer",
        created_at=now(),
    )
    upload.seek(0)
    document.file.save(upload.name or "document", upload, save=False)
    document.save()
    return document


@contextmanager
def _removed_on_failure() -> Iterator[list[Document]]:
    """A file stored inside a transaction that then fails is deleted again."""
    stored: list[Document] = []
    try:
        yield stored
    except BaseException:
        for document in stored:
            default_storage.delete(document.file.name)
        raise


def send_tracking_link(reference: str, contact: str, *, language: str) -> bool:
    """Send the case's tracking link to `contact` if it is on the case's customer's file.

    Returns whether a message was queued, for logs and tests only: the customer is
    told the same thing either way. An e-mail address gets an e-mail, a mobile number
    an SMS (not after STOP); anything else sends nothing.
    """
    reference = normalise_reference(reference)
    try:
        kind, value = _contact(contact)
    except InvalidContact:
        return False
    case = Case.objects.filter(reference=reference).first() if reference else None
    if case is None or case.status in FINISHED:
        return False
    if not ContactPoint.objects.filter(
        customer_id=case.customer_id, kind=kind, value=value
    ).exists():
        return False
    if kind == ContactPoint.Kind.PHONE and (not is_mobile(value) or has_opted_out(value)):
        return False
    with transaction.atomic(), translation.override(language):
        _queue_link(
            case,
            channel=Channel.EMAIL if kind == ContactPoint.Kind.EMAIL else Channel.SMS,
            to=value,
        )
    return True


def _contact(text: str) -> tuple[str, str]:
    if "@" in text:
        return ContactPoint.Kind.EMAIL, normalise_email(text)
    return ContactPoint.Kind.PHONE, normalise_phone(text)


def _queue_link(case: Case, *, channel: str, to: str) -> None:
    body = _("Here is the link to follow your case %(reference)s: %(url)s") % {
        "reference": case.reference,
        "url": tracking_url(case),
    }
    event = record_event(
        case,
        kind=Event.Kind.MESSAGE_OUT,
        visibility=Event.Visibility.PUBLIC,
        actor_label="system",
        channel=channel,
        data={"body": body, "purpose": "tracking_link"},
    )
    headers = {}
    if channel == Channel.EMAIL:
        subject = _("Your tracking link")
        headers = {"external_id": new_message_id(), "subject": f"[{case.reference}] {subject}"}
    outbound = queue_delivery(event, case=case, channel=channel, recipient=to, **headers)
    transaction.on_commit(partial(channel_tasks.deliver_outbound.enqueue, outbound.pk))
