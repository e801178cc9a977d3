"""Online cancellation ("résiliation en trois clics"): the contract found, the dates fixed,
the case opened for the retention team and the acknowledgement queued — all in one
transaction, so a request is either wholly recorded and acknowledged, or not at all.

The law it follows: Code de la consommation L215-1-1 and D215-1 to D215-3 (décret
2023-417): a "Résilier votre contrat" function reachable without an account, asking
for the name, an e-mail (or else postal) address, the contract reference and, for
electronic communications, the line's number; a summary; a confirmation; then an
acknowledgement on a durable medium with the date the contract ends. For electronic
communications the cancellation takes effect at most ten days after the operator
receives it, unless the customer asks for a later date (L224-39).
"""

import datetime as dt
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from filrouge.accounts.models import Team
from filrouge.cases.models import OPEN_STATUSES, Case, Event, Intent
from filrouge.cases.services import open_case, record_event
from filrouge.channels import tasks as channel_tasks
from filrouge.channels.email.transport import new_message_id
from filrouge.channels.outbound import queue_delivery
from filrouge.core.clock import now
from filrouge.customers.models import Channel, ContactPoint, Line
from filrouge.customers.normalise import fold
from filrouge.portal import links
from filrouge.selfcare.models import CancellationReason, CancellationRequest

END_WITHIN_DAYS = 10  # L224-39: at most ten days after receipt, unless asked later
LATEST_END_DAYS = 366  # a later date than a year ahead is surely a typing mistake
EQUIPMENT_RETURN_DAYS = 30  # after the end date
# Who handles online cancellations: the first of these teams that exists.
CANCELLATION_TEAMS = ("fidelisation", "service-clients")
RETURN_ADDRESS = "Fil Rouge — Retour des équipements, TSA 91234, 75011 Paris"
BOX_PRODUCTS = frozenset({Line.Product.FIBRE, Line.Product.ADSL, Line.Product.PRO_FIBRE})


class CancellationError(ValueError):
    """A refused request, with a message for the customer."""


@dataclass(frozen=True)
class Details:
    """What the customer typed in step 1, already cleaned by the form."""

    full_name: str
    email: str
    postal_address: str
    account_number: str
    line_number: str
    requested_end_date: dt.date | None
    reason: str
    reason_text: str


def find_line(*, account_number: str, line_number: str, full_name: str) -> Line | None:
    """The line to cancel, if the three details designate it together; else None.

    One answer for every mismatch (no such contract, a line of another contract,
    another holder's name), so the form never tells which part was wrong.
    """
    line = (
        Line.objects.select_related("customer")
        .filter(number=line_number, customer__account_number=account_number)
        .first()
    )
    if line is None or not name_matches(full_name, line.customer):
        return None
    return line


def name_matches(typed: str, customer) -> bool:
    """The holder's surname and at least one first name, in any order, accents and case aside;
    nothing that is not in the holder's name."""
    words = set(_words(typed))
    last, first = set(_words(customer.last_name)), set(_words(customer.first_name))
    return (
        bool(words) and last <= words and words <= last | first and bool(words & first or not first)
    )


def _words(text: str) -> list[str]:
    return [
        w for w in fold(text).replace("-", " ").replace("’", " ").replace("'", " ").split() if w
    ]


def pending_request(line: Line) -> CancellationRequest | None:
    """A cancellation of this line still being handled (its case is open)."""
    return (
        CancellationRequest.objects.select_related("case")
        .filter(line=line, case__status__in=OPEN_STATUSES)
        .first()
    )


def end_date_for(received: dt.date, requested: dt.date | None) -> dt.date:
    """The day the contract ends: the date asked for, else ten days after receipt."""
    return requested or received + dt.timedelta(days=END_WITHIN_DAYS)


def check_requested_end_date(requested: dt.date | None, *, today: dt.date) -> None:
    if requested is None:
        return
    if requested < today:
        raise CancellationError(
            _("The end date you asked for has already passed: choose today or a later date.")
        )
    if requested > today + dt.timedelta(days=LATEST_END_DAYS):
        raise CancellationError(_("Choose an end date within the next twelve months."))


def has_equipment(line: Line) -> bool:
    """Fixed lines come with a box (and maybe a TV decoder) to give back; a mobile line not."""
    return line.product in BOX_PRODUCTS


def team_for_cancellations() -> Team | None:
    teams = {t.slug: t for t in Team.objects.filter(slug__in=CANCELLATION_TEAMS)}
    return next((teams[s] for s in CANCELLATION_TEAMS if s in teams), None)


def tracking_path(case: Case) -> str:
    """`/suivi/<reference>/?t=<token>`, the tracking link of DESIGN.md."""
    return links.tracking_path(case)


@transaction.atomic
def request_cancellation(
    line: Line, *, key: str, details: Details, site_url: str
) -> tuple[CancellationRequest, bool]:
    """Record a confirmed cancellation: the case, its timeline, the acknowledgement.

    Returns the request and whether it is new: the same key again (a double click,
    the back button) returns the request already recorded and changes nothing.
    Raises `CancellationError` if the line is terminated or already being cancelled.
    """
    # The line's row lock queues two confirmations of the same line one after the other.
    line = Line.objects.select_for_update().select_related("customer").get(pk=line.pk)
    if (done := CancellationRequest.objects.filter(idempotency_key=key).first()) is not None:
        return done, False
    if line.status == Line.Status.TERMINATED:
        raise CancellationError(_("This line is already cancelled."))
    if (pending := pending_request(line)) is not None:
        raise CancellationError(
            _(
                "A cancellation of this line is already under way (case %(reference)s): "
                "its acknowledgement was sent when it was made."
            )
            % {"reference": pending.case.reference}
        )
    received = now()
    today = timezone.localdate(received)
    check_requested_end_date(details.requested_end_date, today=today)
    end = end_date_for(today, details.requested_end_date)
    return_by = end + dt.timedelta(days=EQUIPMENT_RETURN_DAYS) if has_equipment(line) else None
    case = open_case(
        line.customer,
        subject=_("Online cancellation of line %(number)s") % {"number": line.number},
        channel=Channel.WEB,
        intent=Intent.CANCELLATION,
        line=line,
        team=team_for_cancellations(),
    )
    request = CancellationRequest.objects.create(
        idempotency_key=key,
        case=case,
        customer=line.customer,
        line=line,
        full_name=details.full_name,
        email=details.email,
        postal_address=details.postal_address,
        reason=details.reason,
        reason_text=details.reason_text,
        received_at=received,
        requested_end_date=details.requested_end_date,
        end_date=end,
        equipment_return_by=return_by,
    )
    on_file = _email_on_file(line)
    record_event(
        case,
        kind=Event.Kind.CANCELLATION_REQUESTED,
        visibility=Event.Visibility.PUBLIC,
        actor_label="customer",
        channel=Channel.WEB,
        data={
            "line": line.number,
            "product": line.product,
            "received_at": received.isoformat(),
            "requested_end_date": _iso(details.requested_end_date),
            "end_date": end.isoformat(),
            "return_by": _iso(return_by),
            "reason_code": details.reason,
            "body": details.reason_text,
            "acknowledged_by": "email" if details.email or on_file else "letter",
            "copy_to_file": bool(details.email and on_file and details.email != on_file),
        },
        at=received,
    )
    _acknowledge(request, site_url=site_url, on_file=on_file)
    return request, True


def _acknowledge(request: CancellationRequest, *, site_url: str, on_file: str) -> None:
    """Queue the acknowledgement e-mail (to the address typed, else the one on file); when
    the address typed is not the one on file, a copy goes there too, so the holder hears
    of a cancellation someone else may have made in their name."""
    recipients = [(request.email or on_file, False)]
    if request.email and on_file and request.email != on_file:
        recipients.append((on_file, True))
    for recipient, is_copy in recipients:
        if not recipient:
            continue  # postal address only, nothing on file: the team writes (see the case)
        body = acknowledgement_text(request, site_url=site_url, copy=is_copy)
        event = record_event(
            request.case,
            kind=Event.Kind.MESSAGE_OUT,
            visibility=Event.Visibility.PUBLIC,
            actor_label="system",
            channel=Channel.EMAIL,
            data={
                "body": body,
                "template": "cancellation_acknowledgement",
                # The receipt itself, attached to the e-mail as a page the customer keeps.
                "attachment": {
                    "name": f"accuse-reception-{request.case.reference}.html",
                    "type": "text/html",
                    "content": receipt_html(body, request),
                },
            },
            at=request.received_at,
        )
        with translation.override(_operator_language()):
            subject = _("Acknowledgement of your cancellation request")
        outbound = queue_delivery(
            event,
            case=request.case,
            channel=Channel.EMAIL,
            recipient=recipient,
            external_id=new_message_id(),
            subject=f"[{request.case.reference}] {subject}"[:255],
        )
        transaction.on_commit(partial(channel_tasks.deliver_outbound.enqueue, outbound.pk))


def receipt_html(text: str, request: CancellationRequest) -> str:
    """The acknowledgement as a standalone HTML page (no links to load, no script)."""
    with translation.override(_operator_language()):
        return render_to_string(
            "selfcare/cancellation/receipt.html", {"text": text, "r": request}
        ).strip()


def acknowledgement_text(request: CancellationRequest, *, site_url: str, copy: bool) -> str:
    """The receipt, in the operator's language: what the e-mail says and the timeline keeps."""
    with translation.override(_operator_language()):
        return render_to_string(
            "selfcare/cancellation/acknowledgement.txt",
            {
                "r": request,
                "copy": copy,
                "received_at": timezone.localtime(request.received_at),
                "reason": CancellationReason(request.reason).label if request.reason else "",
                "tracking_url": site_url.rstrip("/") + tracking_path(request.case),
                "return_address": RETURN_ADDRESS,
                "end_within_days": END_WITHIN_DAYS,
            },
        ).strip()


def _operator_language() -> str:
    return settings.LANGUAGE_CODE


def _email_on_file(line: Line) -> str:
    point = (
        ContactPoint.objects.filter(customer_id=line.customer_id, kind=ContactPoint.Kind.EMAIL)
        .order_by("-is_primary", "pk")
        .first()
    )
    return point.value if point else ""


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None
