"""The write path of channels: store what arrives, file it on a case, deliver answers.

- `store_inbound` commits the raw payload (idempotent on the channel's external
  id) with the task that will process it, in one transaction. Receivers answer
  2xx/250 only after it returned.
- `process_inbound` (a task) parses, resolves the sender, picks the case and
  lands the message there: all or nothing, at most once per message.
- `reply` records an answer on the case and, in the same transaction, the
  delivery of it; `deliver_outbound` (a task) sends it, with retries and back-off
  until a dead letter. `notify_template` does the same for a WhatsApp template
  (a notification that starts a conversation), and `record_delivery_status`
  applies what the provider later reports (delivered, read, failed).

A message sent in parts (a long SMS) is stored part by part, each under its
own id, sharing a `group`; it is filed once, when every part is in or after
`PARTS_WAIT` with what came.
"""

import hashlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import IntegrityError, connections, router, transaction
from django.db.models import Case as SqlCase
from django.db.models import F, Value, When
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from filrouge.accounts.models import Agent
from filrouge.cases.models import Case, Event
from filrouge.cases.services import (
    CaseError,
    open_case,
    receive_message,
    record_contact,
    record_event,
    send_reply,
)
from filrouge.channels import filing, tasks
from filrouge.channels.email import attachments as email_attachments
from filrouge.channels.email import parse as email_parse
from filrouge.channels.email import transport as email_transport
from filrouge.channels.identity import create_prospect, settle_prospect, suggest_merge
from filrouge.channels.message import DeliveryRefused, Message, ParseError
from filrouge.channels.models import InboundMessage, OutboundMessage
from filrouge.channels.routing import Route, choose_case
from filrouge.channels.sms import keywords as sms_keywords
from filrouge.channels.sms import parse as sms_parse
from filrouge.channels.sms import transport as sms_transport
from filrouge.channels.social import flags as social_flags
from filrouge.channels.social import parse as social_parse
from filrouge.channels.social import transport as social_transport
from filrouge.channels.whatsapp import parse as whatsapp_parse
from filrouge.channels.whatsapp import templates as whatsapp_templates
from filrouge.channels.whatsapp import transport as whatsapp_transport
from filrouge.core.clock import now
from filrouge.customers.models import Channel, Customer

logger = logging.getLogger(__name__)

Parser = Callable[..., Message]
# channel → parse(payload, *, external_id, received_at) -> Message
PARSERS: dict[str, Parser] = {
    Channel.EMAIL: email_parse.parse,
    Channel.SMS: sms_parse.parse,
    Channel.WHATSAPP: whatsapp_parse.parse,
    Channel.SOCIAL: social_parse.parse,
}
# channel → (parts_of(payload) -> (part, total), join(payloads, *, external_id, received_at))
JOINERS = {Channel.SMS: (sms_parse.parts_of, sms_parse.join)}
# channel → screen(inbound, message) -> why it makes no case ("opt_out"...), or ""
SCREENS: dict[str, Callable[[InboundMessage, Message], str]] = {
    Channel.SMS: sms_keywords.screen,
    Channel.WHATSAPP: whatsapp_parse.screen,
    Channel.SOCIAL: social_parse.screen,
}
# channel → note(inbound, message): what the channel records as its message lands on a case,
# before the row is saved (social: public or private, personal data exposed in public).
ON_LANDING: dict[str, Callable[[InboundMessage, Message], None]] = {
    Channel.SOCIAL: social_flags.note_landing,
}
# channel → receive(case, *, inbound, message, body) -> the message's event, for a message
# with attachments: the channel stores the files with the event (e-mail: the documents).
WITH_FILES: dict[str, Callable[..., Event]] = {
    Channel.EMAIL: email_attachments.receive_with_attachments,
}
# channel → (prepare(case, event) -> OutboundMessage, send(outbound, event) -> provider id | None)
SENDERS = {
    Channel.EMAIL: (email_transport.prepare_reply, email_transport.send),
    Channel.SMS: (sms_transport.prepare_reply, sms_transport.send),
    Channel.WHATSAPP: (whatsapp_transport.prepare_reply, whatsapp_transport.send),
    Channel.SOCIAL: (social_transport.prepare_reply, social_transport.send),
}

MAX_INBOUND_BYTES = getattr(settings, "FILROUGE_MAX_INBOUND_BYTES", 25 * 1024 * 1024)
MAX_DELIVERY_ATTEMPTS = 6
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))
SENDING_LEASE = timedelta(minutes=5)
PARTS_WAIT = timedelta(minutes=10)  # a long SMS whose parts are not all in is filed after this
PARTS_MAX_AGE = timedelta(hours=24)  # parts older than this never join a new message
# What providers report, in the order it happens; a report never moves a delivery backwards.
PROGRESS = {
    OutboundMessage.State.PENDING: 0,
    OutboundMessage.State.SENDING: 0,
    OutboundMessage.State.DEAD: 0,  # we gave up, but the provider may have sent it after all
    OutboundMessage.State.SENT: 1,
    OutboundMessage.State.BOUNCED: 2,
    OutboundMessage.State.DELIVERED: 2,
    OutboundMessage.State.READ: 3,
}


class InboundRejected(ValueError):
    """A payload refused before storing (too big, empty): the receiver answers 4xx/5xx."""


def store_inbound(
    *,
    channel: str,
    external_id: str,
    payload: bytes,
    received_at: datetime | None = None,
    group: str = "",
) -> tuple[InboundMessage, bool]:
    """Commit a payload as received. The same (channel, external id) twice is one message.

    Returns the row and whether it is new. The processing task is committed with a
    new row (see `enqueue_with_commit`), never for a duplicate.
    `group` names the message a part belongs to (a long SMS), "" for a whole message.
    """
    inbound = inbound_row(
        channel=channel,
        external_id=external_id,
        payload=payload,
        received_at=received_at,
        group=group,
    )
    with transaction.atomic():
        if not _insert_once(inbound):  # delivered before (or by a concurrent receiver just now)
            existing = InboundMessage.objects.get(channel=channel, external_id=inbound.external_id)
            return existing, False
        enqueue_with_commit(tasks.process_inbound, inbound.pk)
    return inbound, True


def inbound_row(
    *,
    channel: str,
    external_id: str,
    payload: bytes,
    received_at: datetime | None = None,
    group: str = "",
) -> InboundMessage:
    """The row `store_inbound` commits, not saved; `InboundRejected` for what it refuses.

    Shared with the webhooks' group commit (`channels.intake`), so both paths store
    the same row for the same delivery.
    """
    if channel not in PARSERS:
        raise InboundRejected(_("This channel does not receive messages."))
    if not payload:
        raise InboundRejected(_("The message is empty."))
    if len(payload) > MAX_INBOUND_BYTES:
        raise InboundRejected(_("The message is too large."))
    external_id = external_id.strip()
    if not external_id or len(external_id) > 255:
        external_id = "sha256:" + hashlib.sha256(external_id.encode() or payload).hexdigest()
    return InboundMessage(
        channel=channel,
        external_id=external_id,
        payload=payload,
        received_at=received_at or now(),
        group=group[:64],
    )


def _insert_once(inbound: InboundMessage) -> bool:
    """Insert `inbound` unless its (channel, external id) is stored already; True if inserted.

    The hot path of every webhook: one `INSERT … ON CONFLICT DO NOTHING RETURNING id`
    (PostgreSQL, SQLite ≥ 3.35) instead of a savepoint, an insert that may fail and a
    release. The columns and values come from the model, defaults included.
    """
    db = router.db_for_write(InboundMessage)
    conn = connections[db]
    if not conn.features.can_return_columns_from_insert:
        try:
            with transaction.atomic(using=db):
                inbound.save(using=db, force_insert=True)
        except IntegrityError:
            return False
        return True
    meta, quote = InboundMessage._meta, conn.ops.quote_name
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    values = [f.get_db_prep_save(f.pre_save(inbound, add=True), conn) for f in fields]
    columns = ", ".join(quote(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    unique = ", ".join(quote(meta.get_field(name).column) for name in ("channel", "external_id"))
    # Identifiers come from the model, values are bound parameters.
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({placeholders}) "  # noqa: S608
        f"ON CONFLICT ({unique}) DO NOTHING RETURNING {quote(meta.pk.column)}"
    )
    with conn.cursor() as cursor:
        cursor.execute(sql, values)
        row = cursor.fetchone()
    if row is None:
        return False
    inbound.pk, inbound._state.adding, inbound._state.db = row[0], False, db
    return True


def enqueue_with_commit(task, *args) -> None:
    """Enqueue `task` so that it exists if and only if the current transaction commits.

    On the database task backend the task row is written in the transaction
    itself (an outbox: a process killed after the commit cannot lose the work,
    and one commit is cheaper than two); on another backend (Redis, the
    immediate backend of some tests) it is enqueued once committed.
    """
    if isinstance(task.get_backend(), DatabaseBackend):
        task.enqueue(*args)
    else:
        transaction.on_commit(partial(task.enqueue, *args))


def process_inbound(inbound_id: int) -> str:
    """File one stored message on its case. Idempotent: a processed message is left alone.

    The row is claimed under a lock; the filing runs in a savepoint, so a failure
    leaves no partial write, only the row marked failed with the reason.
    """
    with transaction.atomic():
        _lock_group_of(inbound_id)
        inbound = InboundMessage.objects.select_for_update().filter(pk=inbound_id).first()
        if inbound is None:
            return "missing"
        if inbound.state in {InboundMessage.State.PROCESSED, InboundMessage.State.IGNORED}:
            return inbound.state
        inbound.attempts += 1
        try:
            with transaction.atomic():
                _file(inbound)
        except ParseError as exc:
            _fail(inbound, reason="unparsable", error=str(exc))
        except Exception as exc:  # noqa: BLE001 - recorded on the row, retried by the sweep
            logger.exception("Inbound message %s could not be processed", inbound.pk)
            _fail(inbound, reason="error", error=f"{type(exc).__name__}: {exc}")
        return inbound.state


def _lock_group_of(inbound_id: int) -> None:
    """The parts of one message are filed under one lock, their group's first row's:
    every worker takes it before its own row, so two parts never file twice or deadlock."""
    group = InboundMessage.objects.filter(pk=inbound_id).values_list("channel", "group").first()
    if group and group[1]:
        first = InboundMessage.objects.filter(channel=group[0], group=group[1]).order_by("pk")
        list(first.select_for_update().values_list("pk", flat=True)[:1])


def _file(inbound: InboundMessage) -> None:
    parts = [inbound]
    if inbound.group:
        parts = _parts(inbound)
        if not parts:
            _wait_for_parts(inbound)
            return
        _parts_of, join = JOINERS[inbound.channel]
        message = join(
            [bytes(p.payload) for p in parts],
            external_id=inbound.external_id,
            received_at=parts[0].received_at,
        )
    else:
        message = PARSERS[inbound.channel](
            bytes(inbound.payload),
            external_id=inbound.external_id,
            received_at=inbound.received_at,
        )
    inbound.sender = message.sender.address[:254]
    if message.is_bounce or message.is_auto_reply:
        _ignore(inbound, message)
    elif (screen := SCREENS.get(inbound.channel)) and (reason := screen(inbound, message)):
        inbound.state, inbound.reason, inbound.processed_at = (
            InboundMessage.State.IGNORED,
            reason,
            now(),
        )
        inbound.save()
    else:
        _land(inbound, message)
    _same_for_parts(inbound, [p for p in parts if p.pk != inbound.pk])


def _land(inbound: InboundMessage, message: Message) -> None:
    route = choose_case(message)
    customer = settle_prospect(route.customer or create_prospect(message.sender))
    body = body_for(message)
    with_files = WITH_FILES.get(inbound.channel) if message.attachments else None
    if with_files is not None:  # the case first: the files belong to it, the event names them
        case = route.case or open_case(
            customer, subject=subject_for(message), channel=message.channel, intent=route.intent
        )
        event = with_files(case, inbound=inbound, message=message, body=body)
    elif route.case is not None:
        event = receive_message(route.case, channel=message.channel, body=body)
        case = route.case
    else:
        case = open_case(
            customer,
            subject=subject_for(message),
            channel=message.channel,
            intent=route.intent,
            first_message=body,
        )
        event = case.events.filter(kind=Event.Kind.MESSAGE_IN).order_by("-pk").first()
    inbound.customer_id, inbound.case, inbound.event = case.customer_id, case, event
    inbound.route = route.rule
    inbound.state, inbound.reason, inbound.last_error = InboundMessage.State.PROCESSED, "", ""
    inbound.processed_at = now()
    if note := ON_LANDING.get(inbound.channel):
        note(inbound, message)
    inbound.save()
    if route.hints:
        suggest_identity(route, case, message)
    filing.filed(
        [
            filing.Filed(
                inbound=inbound,
                message=message,
                customer=case.customer,
                case=case,
                event=event,
                new_case=route.case is None,
            )
        ]
    )


def suggest_identity(route: Route, case: Case, message: Message) -> None:
    """Who the sender may be, for an advisor to confirm (see `routing`): on the sender's
    prospect file, and, for weak hints, one question to the sender to prove it."""
    if route.prospect is not None:
        suggest_merge(route.prospect, route.hints)
    elif case.customer.is_prospect:
        suggest_merge(case.customer, route.hints, on=case)
        ask_for_identity(case, channel=message.channel, public=message.is_public)


def _parts(inbound: InboundMessage) -> list[InboundMessage]:
    """The stored parts of the message `inbound` belongs to, in order of arrival, once
    every part is in or the first one waited `PARTS_WAIT`; [] while waiting."""
    parts_of, _join = JOINERS[inbound.channel]
    since = inbound.received_at - PARTS_MAX_AGE
    siblings = InboundMessage.objects.filter(
        channel=inbound.channel,
        group=inbound.group,
        state=InboundMessage.State.RECEIVED,
        received_at__gte=since,
    ).exclude(pk=inbound.pk)
    parts = sorted([inbound, *siblings.select_for_update()], key=lambda p: (p.received_at, p.pk))
    numbers, total = set(), 1
    for part in parts:
        number, total = parts_of(bytes(part.payload))
        numbers.add(number)
    if numbers >= set(range(1, total + 1)) or parts[0].received_at <= now() - PARTS_WAIT:
        return parts
    return []


def _wait_for_parts(inbound: InboundMessage) -> None:
    """Leave the part as received; it is looked at again when the wait is over."""
    inbound.reason, inbound.last_error = "waiting_parts", ""
    inbound.save(update_fields=["reason", "last_error", "attempts"])
    task = tasks.process_inbound
    if task.get_backend().supports_defer:
        due = inbound.received_at + PARTS_WAIT + timedelta(seconds=1)
        transaction.on_commit(partial(task.using(run_after=due).enqueue, inbound.pk))


def _same_for_parts(inbound: InboundMessage, others: list[InboundMessage]) -> None:
    """The other parts of a message end as the part that filed it: same case, event, state."""
    if not others:
        return
    InboundMessage.objects.filter(pk__in=[p.pk for p in others]).update(
        state=inbound.state,
        reason=inbound.reason,
        sender=inbound.sender,
        route=inbound.route,
        customer_id=inbound.customer_id,
        case_id=inbound.case_id,
        event_id=inbound.event_id,
        processed_at=inbound.processed_at,
    )


def _ignore(inbound: InboundMessage, message: Message) -> None:
    """Auto-replies and bounces make no case. A bounce marks our message as not delivered."""
    if message.is_bounce and message.bounced_ids:
        OutboundMessage.objects.filter(
            channel=inbound.channel, external_id__in=message.bounced_ids
        ).update(state=OutboundMessage.State.BOUNCED, last_error="bounced")
    inbound.state = InboundMessage.State.IGNORED
    inbound.reason = "bounce" if message.is_bounce else "auto_reply"
    inbound.processed_at = now()
    inbound.save()


def _fail(inbound: InboundMessage, *, reason: str, error: str) -> None:
    inbound.state, inbound.reason, inbound.last_error = InboundMessage.State.FAILED, reason, error
    inbound.save(update_fields=["state", "reason", "last_error", "attempts"])


def subject_for(message: Message) -> str:
    subject = email_parse.clean_subject(message.subject)
    if not subject:
        first_line = next((line for line in message.text.splitlines() if line.strip()), "")
        subject = first_line.strip()[:80] or _attachment_names(message)[:80]
        subject = subject or _("Message without a subject")
    return subject[:200]


def body_for(message: Message) -> str:
    """The words a message puts on the timeline (never empty)."""
    return message.text or message.subject or _attachment_names(message) or "-"


def _attachment_names(message: Message) -> str:
    return ", ".join(a.filename for a in message.attachments if a.filename)


@transaction.atomic
def reply(
    case: Case, *, by: Agent, channel: str, body: str, expected_version: int | None = None
) -> Event:
    """Answer the customer: the timeline event and its delivery, committed together.

    What the console and the API call to reply. On a channel without a sender
    yet (phone, shop...) the answer is recorded only, as `send_reply` does.
    """
    event = send_reply(case, by=by, channel=channel, body=body, expected_version=expected_version)
    if channel in SENDERS:
        prepare, _send = SENDERS[channel]
        outbound = prepare(case, event)  # a CaseError here rolls the answer back too
        transaction.on_commit(partial(tasks.deliver_outbound.enqueue, outbound.pk))
    return event


IDENTITY_REQUEST = "identity_request"  # `data["auto"]` of the question asked by `ask_for_identity`


def ask_for_identity(case: Case, *, channel: str, public: bool = False) -> Event | None:
    """Ask an unidentified sender, once per case, for what proves who they are.

    Sent as an answer on the channel they used, through the same delivery as an
    advisor's (`reply`), in the operator's language. On a public post the
    question invites a private message: a line number is never asked in public.
    Returns None when already asked, or when the channel cannot carry it (no
    sender for it, opted out...): the possible match is on the case all the same.
    """
    if channel not in SENDERS:
        return None
    asked = case.events.filter(kind=Event.Kind.MESSAGE_OUT, data__auto=IDENTITY_REQUEST)
    if asked.exists():
        return None
    with translation.override(settings.LANGUAGE_CODE):
        body = _identity_question(public=public)
    prepare, _send = SENDERS[channel]
    try:
        with transaction.atomic():
            event = record_contact(
                case,
                kind=Event.Kind.MESSAGE_OUT,
                channel=channel,
                data={"body": body, "auto": IDENTITY_REQUEST},
                actor_label="system",
                reopen=False,
            )
            outbound = prepare(case, event)
    except CaseError as exc:
        logger.info("No identity question on %s: %s", case.reference, exc)
        return None
    transaction.on_commit(partial(tasks.deliver_outbound.enqueue, outbound.pk))
    return event


def _identity_question(*, public: bool) -> str:
    if public:
        return _(
            "Hello, to find your case, please send us a private message with your line "
            "number or the tracking link you received by SMS or e-mail."
        )
    return _(
        "Hello, to find your case, please reply with your line number or the tracking "
        "link you received by SMS or e-mail."
    )


def deliver_outbound(outbound_id: int) -> str:
    """Send one answer. Claimed under a lease, so two workers do not send it twice at once.

    At least once: if a worker dies after sending but before recording it, the
    lease expires and it is sent again with the same id (mail clients merge it).
    """
    outbound = _claim(outbound_id)
    if outbound is None:
        return "skipped"
    _prepare, send = SENDERS[outbound.channel]
    try:
        provider_id = send(outbound, outbound.event)
    except Exception as exc:  # noqa: BLE001 - any failure is retried, then dead-lettered
        logger.warning("Delivery %s failed: %s", outbound.pk, exc)
        return _delivery_failed(outbound, exc)
    sent = OutboundMessage.State.SENT
    OutboundMessage.objects.filter(pk=outbound.pk).update(
        # A status report may already have moved it further (delivered...): keep that.
        state=SqlCase(
            When(state=OutboundMessage.State.SENDING, then=Value(sent)), default=F("state")
        ),
        sent_at=now(),
        last_error="",
        next_attempt_at=None,
        **({"external_id": provider_id} if provider_id else {}),
    )
    return sent


@transaction.atomic
def notify_template(
    customer: Customer,
    *,
    template: str,
    params: dict[str, str],
    case: Case | None = None,
    by: Agent | None = None,
) -> Event:
    """Send an approved WhatsApp template (incident notice, appointment reminder...).

    The only message WhatsApp lets us send first, or after 24 hours of silence.
    Recorded on the case's timeline (or the customer's, without a case) with its
    delivery, committed together; sent by the same task as replies.
    """
    chosen = whatsapp_templates.get(template)
    values = chosen.values(params)
    if case is not None and case.customer_id != customer.pk:
        raise CaseError(_("This case belongs to another customer."))
    recipient = whatsapp_transport.recipient_for(customer)
    event = record_event(
        case,
        customer=customer,
        kind=Event.Kind.MESSAGE_OUT,
        visibility=Event.Visibility.PUBLIC,
        actor=by,
        actor_label="" if by else "system",
        channel=Channel.WHATSAPP,
        data={"body": chosen.render(values), "template": chosen.key, "params": values},
    )
    outbound = whatsapp_transport.new_delivery(event, case=case, recipient=recipient)
    transaction.on_commit(partial(tasks.deliver_outbound.enqueue, outbound.pk))
    return event


@transaction.atomic
def record_delivery_status(
    channel: str, *, provider_id: str, key: str = "", state: str, error: str = ""
) -> OutboundMessage | None:
    """Apply a provider's report on one of our messages; None if it is not ours.

    Found by the provider's id, or by our key (`filrouge-<id>`) when the report
    overtook the recording of that id. Reports arrive out of order: one that
    would move the delivery backwards (delivered after read) is ignored.
    """
    found = OutboundMessage.objects.select_for_update().filter(channel=channel)
    outbound = found.filter(external_id=provider_id).first() if provider_id else None
    if outbound is None and key.startswith("filrouge-") and key[9:].isdigit():
        outbound = found.filter(pk=int(key[9:])).first()
    if outbound is None:
        return None
    if PROGRESS[state] <= PROGRESS[outbound.state]:
        return outbound
    outbound.state = state
    fields = ["state"]
    if provider_id and not outbound.external_id:
        outbound.external_id = provider_id
        fields.append("external_id")
    if error or state == OutboundMessage.State.BOUNCED:
        outbound.last_error = error[:2000]
        fields.append("last_error")
    if outbound.next_attempt_at is not None and state != OutboundMessage.State.BOUNCED:
        outbound.next_attempt_at = None  # the provider has it: no retry is due any more
        fields.append("next_attempt_at")
    outbound.save(update_fields=fields)
    return outbound


def _claim(outbound_id: int) -> OutboundMessage | None:
    with transaction.atomic():
        outbound = (
            # Only our row is locked: the case is an outer join (a template may have none).
            OutboundMessage.objects.select_for_update(of=("self",))
            .select_related("event", "case")
            .filter(pk=outbound_id)
            .first()
        )
        moment = now()
        if outbound is None or outbound.state not in {
            OutboundMessage.State.PENDING,
            OutboundMessage.State.SENDING,
        }:
            return None
        if outbound.next_attempt_at is not None and outbound.next_attempt_at > moment:
            return None  # not due yet, or another worker holds the lease
        outbound.state = OutboundMessage.State.SENDING
        outbound.attempts += 1
        outbound.next_attempt_at = moment + SENDING_LEASE
        outbound.save(update_fields=["state", "attempts", "next_attempt_at"])
        return outbound


def _delivery_failed(outbound: OutboundMessage, exc: Exception) -> str:
    permanent = isinstance(exc, DeliveryRefused | CaseError)
    error = f"{type(exc).__name__}: {exc}"[:2000]
    # Only while still ours to send: a provider's report may have overtaken the failure.
    sending = OutboundMessage.objects.filter(pk=outbound.pk, state=OutboundMessage.State.SENDING)
    if permanent or outbound.attempts >= MAX_DELIVERY_ATTEMPTS:
        sending.update(state=OutboundMessage.State.DEAD, last_error=error, next_attempt_at=None)
        return OutboundMessage.State.DEAD
    due = now() + BACKOFF[min(outbound.attempts, len(BACKOFF)) - 1]
    if not sending.update(
        state=OutboundMessage.State.PENDING, last_error=error, next_attempt_at=due
    ):
        return OutboundMessage.objects.get(pk=outbound.pk).state
    _enqueue_retry(outbound.pk, due)
    return OutboundMessage.State.PENDING


def _enqueue_retry(outbound_id: int, due: datetime) -> None:
    """A deferred retry where the task backend can defer; else `sweep_channels` picks it up."""
    task = tasks.deliver_outbound
    if task.get_backend().supports_defer:
        task.using(run_after=due).enqueue(outbound_id)


def sweep(*, at: datetime | None = None, older_than: timedelta = timedelta(minutes=2)) -> int:
    """Re-enqueue what a crash may have orphaned: messages stored but never processed
    whose task is gone (failed outside the filing, or never enqueued on a backend that
    enqueues after commit) and deliveries due or with an expired lease.

    A message whose task still waits or runs is a backlog, not an orphan: left alone.
    """
    moment = at or now()
    waiting = list(
        InboundMessage.objects.filter(
            state=InboundMessage.State.RECEIVED, received_at__lte=moment - older_than
        ).values_list("pk", flat=True)[:1000]
    )
    queued = _still_queued(tasks.process_inbound, waiting)
    waiting = [pk for pk in waiting if pk not in queued]
    for pk in waiting:
        tasks.process_inbound.enqueue(pk)
    due = list(
        OutboundMessage.objects.filter(
            state__in=[OutboundMessage.State.PENDING, OutboundMessage.State.SENDING],
            next_attempt_at__lte=moment,  # due retries, expired leases, enqueues lost in a crash
        ).values_list("pk", flat=True)[:1000]
    )
    for pk in due:
        tasks.deliver_outbound.enqueue(pk)
    return len(waiting) + len(due)


def _still_queued(task, ids: list[int]) -> set[int]:
    """Those of `ids` whose `task` waits or runs in the database task queue."""
    if not ids or not isinstance(task.get_backend(), DatabaseBackend):
        return set()
    found = DBTaskResult.objects.filter(
        task_path=task.module_path,
        status__in=["READY", "RUNNING"],
        args_kwargs__args__0__in=ids,
    ).values_list("args_kwargs__args__0", flat=True)
    return {int(pk) for pk in found}


def retry_inbound(inbound_ids: list[int]) -> int:
    """A supervisor's second chance for failed messages (after a fix): process them again."""
    failed = list(
        InboundMessage.objects.filter(
            pk__in=inbound_ids, state=InboundMessage.State.FAILED
        ).values_list("pk", flat=True)
    )
    for pk in failed:
        tasks.process_inbound.enqueue(pk)
    return len(failed)


@transaction.atomic
def retry_deliveries(outbound_ids: list[int]) -> int:
    """Take answers out of the dead letters: due now, with a fresh count of attempts."""
    dead = list(
        OutboundMessage.objects.select_for_update().filter(
            pk__in=outbound_ids, state=OutboundMessage.State.DEAD
        )
    )
    for outbound in dead:
        outbound.state, outbound.attempts = OutboundMessage.State.PENDING, 0
        outbound.next_attempt_at = now()
        outbound.save(update_fields=["state", "attempts", "next_attempt_at"])
        transaction.on_commit(partial(tasks.deliver_outbound.enqueue, outbound.pk))
    return len(dead)
