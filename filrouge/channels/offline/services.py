"""Contacts recorded by hand on a case: a shop visit, a scanned letter, a technician's report.

Each is one service, atomic: files checked (type by magic bytes, size), stored
with a random name, and the timeline event written in the same transaction; if
anything fails, the stored files are removed again and nothing is written.

Event kinds: a shop visit is a `visit` event (channel shop: what the customer
said and what was done), a letter a `message_in` on channel letter (the
customer's words, like any message, so it reopens a resolved case), a report a
`technician_report` event (channel technician, internal, with its outcome).
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from filrouge.accounts.models import Agent
from filrouge.cases.models import Case, Event, Status
from filrouge.cases.services import (
    INTERNAL,
    CaseError,
    change_status,
    open_case,
    record_contact,
    set_next_step,
)
from filrouge.channels.offline.files import IMAGES, PDF, check_upload
from filrouge.channels.offline.models import Document, TechnicianOutcome
from filrouge.core.clock import now
from filrouge.customers.models import Channel
from filrouge.partners.models import Partner
from filrouge.partners.services import entrust_case

MAX_PHOTOS = 10


@dataclass(frozen=True)
class Report:
    event: Event
    case: Case  # as it is after the report
    follow_up: Case | None  # opened when the case was closed and a new intervention is needed


REOPENABLE = {Status.ACKNOWLEDGED, Status.PENDING, Status.HELD, Status.RESOLVED}


def record_visit(
    case: Case, *, by: Agent, said: str, done: str, expected_version: int | None = None
) -> Event:
    """A customer came to a shop: their words and what the shop did, on the case."""
    if not said.strip() and not done.strip():
        raise CaseError(_("Say what the customer said or what was done."))
    data = {"body": said.strip(), "done": done.strip()}
    if by.team_id:
        data["shop"] = by.team.name
    return record_contact(
        case,
        kind=Event.Kind.VISIT,
        channel=Channel.SHOP,
        by=by,
        data=data,
        expected_version=expected_version,
    )


def record_letter(
    case: Case,
    *,
    by: Agent,
    scan: UploadedFile,
    summary: str = "",
    received_on: date | None = None,
    expected_version: int | None = None,
) -> Event:
    """A letter received by post, scanned: the PDF kept, the letter on the case as a message."""
    content_type = check_upload(scan, accepted=PDF)
    with _removed_on_failure() as stored, transaction.atomic():
        document = _store(case, scan, content_type, kind=Document.Kind.LETTER, by=by)
        stored.append(document)
        data = {
            "body": summary.strip(),
            "documents": [_reference(document)],
            "received_on": received_on.isoformat() if received_on else None,
        }
        event = record_contact(
            case,
            kind=Event.Kind.MESSAGE_IN,
            channel=Channel.LETTER,
            by=by,
            data=data,
            expected_version=expected_version,
        )
        Document.objects.filter(pk=document.pk).update(event=event)
    return event


def record_technician_report(
    case: Case,
    *,
    report: str,
    outcome: str,
    photos: Sequence[UploadedFile] = (),
    by: Agent | None = None,
    partner: Partner | None = None,
    expected_version: int | None = None,
) -> Report:
    """A technician's report, keyed in by an advisor or sent by the partner company.

    "Not fixed, a new intervention is needed" is never absorbed (story C4): the
    case goes back in progress with that next step, or, if it was already
    closed, a follow-up case is opened for the customer with it.
    """
    if not report.strip():
        raise CaseError(_("The report is empty."))
    if outcome not in TechnicianOutcome.values:
        raise CaseError(_("Unknown outcome."))
    if len(photos) > MAX_PHOTOS:
        raise CaseError(_("At most %(count)d photos per report.") % {"count": MAX_PHOTOS})
    types = [check_upload(photo, accepted=IMAGES) for photo in photos]
    label = partner.name if partner else ""
    with _removed_on_failure() as stored, transaction.atomic():
        for photo, content_type in zip(photos, types, strict=True):
            stored.append(
                _store(case, photo, content_type, kind=Document.Kind.PHOTO, by=by, label=label)
            )
        data = {
            "body": report.strip(),
            "outcome": outcome,
            "documents": [_reference(d) for d in stored],
            "partner": partner.pk if partner else None,
        }
        event = record_contact(
            case,
            kind=Event.Kind.TECHNICIAN_REPORT,
            channel=Channel.TECHNICIAN,
            by=by,
            actor_label=label,
            visibility=INTERNAL,
            reopen=False,
            data=data,
            expected_version=expected_version,
        )
        Document.objects.filter(pk__in=[d.pk for d in stored]).update(event=event)
        follow_up = None
        if outcome == TechnicianOutcome.NOT_FIXED:
            follow_up = _needs_new_intervention(case, by=by, partner=partner)
        current = Case.objects.get(pk=case.pk)
    return Report(event=event, case=current, follow_up=follow_up)


def _needs_new_intervention(
    case: Case, *, by: Agent | None, partner: Partner | None
) -> Case | None:
    """Back in progress with the next step; a closed case gets a follow-up case (returned)."""
    case = Case.objects.select_related("customer", "owner").get(pk=case.pk)
    with translation.override(settings.LANGUAGE_CODE):  # stored text: the console's language
        step = _("Book a new technician intervention (the last one did not fix it)")
        subject = _("New intervention needed (follow-up of %(reference)s)") % {
            "reference": case.reference
        }
    follow_up = None
    if not case.is_open:
        owner = case.owner if case.owner and case.owner.is_active else None
        case = follow_up = open_case(
            case.customer,
            subject=subject,
            channel=Channel.TECHNICIAN,
            by=by,
            intent=case.intent,
            line=case.line,
            team=case.team,
            owner=owner,
        )
        if partner is not None:
            entrust_case(case, partner=partner, by=by)
    if case.status in REOPENABLE:
        case = change_status(case, to=Status.IN_PROGRESS, by=by, reason="new_intervention_needed")
    set_next_step(case, by=by, text=step)  # type: ignore[arg-type]
    return follow_up


def _store(
    case: Case,
    upload: UploadedFile,
    content_type: str,
    *,
    kind: str,
    by: Agent | None,
    label: str = "",
) -> Document:
    document = Document(
        case=case,
        kind=kind,
        original_name=(upload.name or "")[:200],
        content_type=content_type,
        size=upload.size or 0,
        uploaded_by=by,
        uploaded_by_label=label[:80],
        created_at=now(),
    )
    upload.seek(0)
    document.file.save(upload.name or "document", upload, save=False)
    document.save()
    return document


def _reference(document: Document) -> dict:
    return {"id": document.pk, "name": document.original_name, "type": document.content_type}


@contextmanager
def _removed_on_failure() -> Iterator[list[Document]]:
    """Files stored inside a transaction that then fails are deleted again."""
    stored: list[Document] = []
    try:
        yield stored
    except BaseException:
        for document in stored:
            default_storage.delete(document.file.name)
        raise
