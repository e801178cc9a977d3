"""The one write path for cases. Every change writes its timeline event in the same transaction.

Services take the subject first and keyword-only arguments after. Those that
change a case accept `expected_version`: the version the advisor's form was
built from. If someone else changed the case meanwhile, the edit is refused
(`StaleCase`) rather than silently overwriting theirs.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from django.db import connection, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from filrouge.accounts.models import Agent, Team
from filrouge.cases import hooks
from filrouge.cases.models import (
    OPEN_STATUSES,
    Case,
    Event,
    Intent,
    Priority,
    Promise,
    ReferenceCounter,
    Status,
)
from filrouge.core.bulk import bulk_insert, bulk_set
from filrouge.core.clock import now
from filrouge.core.compiled import insert_one
from filrouge.customers.models import Channel, Customer, Line

T = TypeVar("T")
PUBLIC = Event.Visibility.PUBLIC
INTERNAL = Event.Visibility.INTERNAL


class CaseError(ValueError):
    """A refused action, with a message for the person who tried it."""


class StaleCase(CaseError):
    pass


def record_event(
    case: Case | None,
    *,
    kind: str,
    visibility: str,
    customer: Customer | None = None,
    actor: Agent | None = None,
    actor_label: str = "",
    channel: str = "",
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> Event:
    """Append one event to a case's timeline (or a customer's, when there is no case).

    A public event on a case is also handed to notifications (in this transaction),
    which decide whether and when the customer is told.
    """
    if case is None and customer is None:
        raise ValueError("An event belongs to a case or at least to a customer.")
    event = insert_one(
        Event(
            case=case,
            customer_id=case.customer_id if case is not None else customer.pk,
            kind=kind,
            visibility=visibility,
            actor=actor,
            actor_label=actor_label,
            channel=channel,
            data=data or {},
            created_at=at or now(),
        )
    )
    if case is not None and visibility == PUBLIC:
        # Imported here: notifications build on channels, which build on this module.
        from filrouge.notifications.intake import note_event

        note_event(event, case)
    if case is not None:
        hooks.recorded(event, case)
    return event


# The advisory lock under which PostgreSQL creates a year's reference sequence
# (migration 0010): tests hold it to freeze an opening at that point.
REFERENCE_LOCK = 7261001


def allocate_references(year: int, count: int = 1) -> list[str]:
    """Reserve `count` references for `year`, in increasing order (inside a transaction).

    On PostgreSQL they come from the year's sequence (`cases_next_references`, one
    statement, no lock held until commit: concurrent openings never wait on each
    other; a rolled-back opening leaves a gap). Elsewhere one `UPDATE … RETURNING` on
    the year's counter row takes the numbers and the row lock at once.
    """
    if connection.vendor == "postgresql":
        numbers = _from_sequence(year, count)
    else:
        numbers = _from_counter(year, count)
    return [f"FR-{year}-{n:06d}" for n in numbers]


def _from_sequence(year: int, count: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT cases_next_references(%s, %s)", [year, count])
        return sorted(n for (n,) in cursor.fetchall())


def _from_counter(year: int, count: int) -> range:
    table = connection.ops.quote_name(ReferenceCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last = last + %s WHERE year = %s RETURNING last",  # noqa: S608
            [count, year],
        )
        row = cursor.fetchone()
    if row is None:
        counter, _created = ReferenceCounter.objects.select_for_update().get_or_create(year=year)
        ReferenceCounter.objects.filter(pk=year).update(last=F("last") + count)
        end = counter.last + count
    else:
        end = row[0]
    return range(end - count + 1, end + 1)


def _locked(case: Case, expected_version: int | None) -> Case:
    """Re-read the case under a row lock and check the caller saw its latest version."""
    fresh = Case.objects.select_for_update(no_key=True).get(pk=case.pk)
    if expected_version is not None and fresh.version != expected_version:
        raise StaleCase(
            _("This case was changed by someone else meanwhile. Reload it and try again.")
        )
    return fresh


def _save(case: Case, *fields: str, at: datetime) -> None:
    case.version += 1
    case.updated_at = at
    case.save(update_fields=[*fields, "version", "updated_at"])


@transaction.atomic
def open_case(
    customer: Customer,
    *,
    subject: str,
    channel: str,
    by: Agent | None = None,
    intent: str = Intent.OTHER,
    line: Line | None = None,
    team: Team | None = None,
    owner: Agent | None = None,
    priority: int = Priority.NORMAL,
    first_message: str = "",
) -> Case:
    """Open a case for a customer; the first contact's words become the first message."""
    subject = subject.strip()
    if not subject:
        raise CaseError(_("A case needs a subject."))
    if line is not None and line.customer_id != customer.pk:
        raise CaseError(_("This line belongs to another customer."))
    at = now()
    (reference,) = allocate_references(at.year)
    case = insert_one(
        Case(
            reference=reference,
            customer=customer,
            line=line,
            subject=subject,
            intent=intent,
            channel=channel,
            priority=priority,
            owner=owner,
            team=team or (owner.team if owner else None),
            created_at=at,
            updated_at=at,
        )
    )
    label = "" if by else "customer"
    record_event(
        case,
        kind=Event.Kind.CASE_OPENED,
        visibility=PUBLIC,
        actor=by,
        actor_label=label,
        channel=channel,
        data={"subject": subject},
        at=at,
    )
    if first_message.strip():
        record_event(
            case,
            kind=Event.Kind.MESSAGE_IN,
            visibility=PUBLIC,
            actor_label="customer",
            channel=channel,
            data={"body": first_message.strip()},
            at=at,
        )
    if owner is not None:
        record_event(
            case,
            kind=Event.Kind.ASSIGNED,
            visibility=INTERNAL,
            actor=by,
            data={"to": owner.pk, "to_name": owner.display_name},
            at=at,
        )
    hooks.opened([case])
    return case


@dataclass(frozen=True)
class Opening:
    """A case a customer's first contact opens, for `open_cases`."""

    customer: Customer
    subject: str
    channel: str
    intent: str = Intent.OTHER
    first_message: str = ""


@transaction.atomic
def open_cases(openings: Sequence[Opening]) -> list[tuple[Case, Event | None]]:
    """Open many cases at once, each as `open_case` opens a customer's case (no advisor,
    owner or line): one block of references (one counter update), the cases and their
    `case_opened` and `message_in` events each in one insert (`core.bulk.bulk_insert`:
    on PostgreSQL 200 cases cost 4 ms of CPU less than through `bulk_create`), the
    hooks called once.

    Returns, in order, each case with its first message's event (None without one).
    """
    if not openings:
        return []
    if any(not o.subject.strip() for o in openings):
        raise CaseError(_("A case needs a subject."))
    at = now()
    references = allocate_references(at.year, len(openings))
    cases = bulk_insert(
        [
            Case(
                reference=reference,
                customer=o.customer,
                subject=o.subject.strip(),
                intent=o.intent,
                channel=o.channel,
                created_at=at,
                updated_at=at,
            )
            for reference, o in zip(references, openings, strict=True)
        ]
    )
    events: list[Event] = []
    firsts: list[Event | None] = []
    for case, o in zip(cases, openings, strict=True):
        events.append(
            _new_event(case, Event.Kind.CASE_OPENED, o.channel, {"subject": case.subject}, at)
        )
        first = None
        if o.first_message.strip():
            first = _new_event(
                case, Event.Kind.MESSAGE_IN, o.channel, {"body": o.first_message.strip()}, at
            )
            events.append(first)
        firsts.append(first)
    bulk_insert(events)
    _hand_to_notifications(events)
    hooks.opened(cases)
    return list(zip(cases, firsts, strict=True))


def _new_event(case: Case, kind: str, channel: str, data: dict[str, Any], at: datetime) -> Event:
    """A public event of the customer's own doing, not saved yet (see `open_cases`)."""
    return Event(
        case=case,
        customer_id=case.customer_id,
        kind=kind,
        visibility=PUBLIC,
        actor_label="customer",
        channel=channel,
        data=data,
        created_at=at,
    )


def _hand_to_notifications(events: Sequence[Event]) -> None:
    """What `record_event` does after each insert, for events inserted together."""
    from filrouge.notifications.intake import note_event

    for event in events:
        if event.case is not None and event.visibility == PUBLIC:
            note_event(event, event.case)


@transaction.atomic
def change_status(
    case: Case,
    *,
    to: str,
    by: Agent | None,
    reason: str = "",
    expected_version: int | None = None,
    actor_label: str = "",
) -> Case:
    """Move the case along TRANSITIONS. `actor_label` names who did it when not an
    agent (a partner's name); without either it was Fil Rouge itself."""
    case = _locked(case, expected_version)
    if to == case.status:
        raise CaseError(_("The case is already in this status."))
    if not case.can_move_to(to):
        raise CaseError(
            _("A case cannot go from “%(from)s” to “%(to)s”.")
            % {
                "from": Status(case.status).label,
                "to": Status(to).label if to in Status.values else to,
            }
        )
    at = now()
    previous = case.status
    case.status = to
    fields = ["status"]
    if to == Status.RESOLVED:
        case.resolved_at = at
        fields.append("resolved_at")
    elif previous == Status.RESOLVED:
        case.resolved_at = None
        fields.append("resolved_at")
    _save(case, *fields, at=at)
    record_event(
        case,
        kind=Event.Kind.STATUS_CHANGED,
        visibility=PUBLIC,
        actor=by,
        actor_label="" if by else (actor_label or "system"),
        data={"from": previous, "to": to, "reason": reason.strip()},
        at=at,
    )
    return case


@transaction.atomic
def add_note(case: Case, *, by: Agent, text: str) -> Event:
    if not text.strip():
        raise CaseError(_("An empty note cannot be saved."))
    case = _locked(case, None)
    at = now()
    _save(case, at=at)
    return record_event(
        case,
        kind=Event.Kind.NOTE,
        visibility=INTERNAL,
        actor=by,
        data={"body": text.strip()},
        at=at,
    )


@transaction.atomic
def send_reply(
    case: Case, *, by: Agent, channel: str, body: str, expected_version: int | None = None
) -> Event:
    """Record an answer to the customer on a channel (delivery itself is the channel's job)."""
    if not body.strip():
        raise CaseError(_("An empty message cannot be sent."))
    if channel not in Channel.values:
        raise CaseError(_("Unknown channel."))
    case = _locked(case, expected_version)
    at = now()
    _save(case, at=at)
    return record_event(
        case,
        kind=Event.Kind.MESSAGE_OUT,
        visibility=PUBLIC,
        actor=by,
        channel=channel,
        data={"body": body.strip()},
        at=at,
    )


@transaction.atomic
def receive_message(
    case: Case,
    *,
    channel: str,
    body: str,
    sender: str = "customer",
    data: dict[str, Any] | None = None,
) -> Event:
    """A customer's message lands on their case; a resolved case reopens.

    `data` adds facts to the event beside the words (an e-mail's attachments).
    """
    case = _locked(case, None)
    at = now()
    _save(case, at=at)
    event = record_event(
        case,
        kind=Event.Kind.MESSAGE_IN,
        visibility=PUBLIC,
        actor_label=sender,
        channel=channel,
        data={**(data or {}), "body": body.strip()},
        at=at,
    )
    if case.status in {Status.RESOLVED, Status.PENDING}:
        change_status(case, to=Status.IN_PROGRESS, by=None, reason="customer_replied")
    return event


def receive_messages(arrivals: Sequence[tuple[Case, str, str]]) -> list[Event]:
    """`receive_message` for many cases at once: (case, channel, body) each, one per case.

    The caller holds the cases' row locks (read with `select_for_update`) and sends
    none that a message would reopen (resolved or pending: those go through
    `receive_message`, which changes the status). Versions are bumped in one
    statement and the events inserted together.
    """
    if any(case.status in {Status.RESOLVED, Status.PENDING} for case, _c, _b in arrivals):
        raise CaseError("A message that reopens its case goes through receive_message.")
    at = now()
    events = []
    for case, channel, body in arrivals:
        case.version += 1
        case.updated_at = at
        events.append(_new_event(case, Event.Kind.MESSAGE_IN, channel, {"body": body.strip()}, at))
    bulk_set([case for case, _c, _b in arrivals], ["version", "updated_at"])
    bulk_insert(events)
    _hand_to_notifications(events)
    return events


@transaction.atomic
def assign(case: Case, *, to: Agent, by: Agent, expected_version: int | None = None) -> Case:
    """Give an unowned case an owner (taking it from the queue). Owned cases need `hand_over`."""
    case = _locked(case, expected_version)
    if case.owner_id is not None and case.owner_id != to.pk:
        raise CaseError(_("This case already has an owner: hand it over with a note."))
    if case.owner_id == to.pk:
        return case
    at = now()
    case.owner = to
    case.team = case.team or to.team
    _save(case, "owner", "team", at=at)
    record_event(
        case,
        kind=Event.Kind.ASSIGNED,
        visibility=INTERNAL,
        actor=by,
        data={"to": to.pk, "to_name": to.display_name},
        at=at,
    )
    return case


@transaction.atomic
def hand_over(
    case: Case,
    *,
    to: Agent,
    by: Agent,
    note: str,
    team: Team | None = None,
    expected_version: int | None = None,
) -> Case:
    """Change the owner. The note tells the next advisor what was done and what is left."""
    if not note.strip():
        raise CaseError(_("A handover needs a note for the next advisor."))
    case = _locked(case, expected_version)
    if case.owner_id == to.pk and (team is None or team.pk == case.team_id):
        raise CaseError(_("This advisor already owns the case."))
    at = now()
    previous = case.owner
    case.owner = to
    case.team = team or to.team or case.team
    _save(case, "owner", "team", at=at)
    record_event(
        case,
        kind=Event.Kind.HANDOVER,
        visibility=INTERNAL,
        actor=by,
        data={
            "from": previous.pk if previous else None,
            "from_name": previous.display_name if previous else "",
            "to": to.pk,
            "to_name": to.display_name,
            "team": case.team.name if case.team else "",
            "note": note.strip(),
        },
        at=at,
    )
    return case


@transaction.atomic
def set_next_step(
    case: Case,
    *,
    by: Agent,
    text: str,
    due: datetime | None = None,
    expected_version: int | None = None,
) -> Case:
    case = _locked(case, expected_version)
    at = now()
    case.next_step = text.strip()[:200]
    case.next_step_due = due
    _save(case, "next_step", "next_step_due", at=at)
    record_event(
        case,
        kind=Event.Kind.NEXT_STEP,
        visibility=PUBLIC,
        actor=by,
        data={"text": case.next_step, "due": due.isoformat() if due else None},
        at=at,
    )
    return case


@transaction.atomic
def change_priority(
    case: Case,
    *,
    to: int,
    by: Agent | None,
    actor_label: str = "",
    expected_version: int | None = None,
) -> Case:
    """Set the priority (an advisor, or a partner through TMF621's severity)."""
    if to not in Priority.values:
        raise CaseError(_("Unknown priority."))
    case = _locked(case, expected_version)
    if case.priority == to:
        return case
    at = now()
    previous, case.priority = case.priority, to
    _save(case, "priority", at=at)
    record_event(
        case,
        kind=Event.Kind.PRIORITY_CHANGED,
        visibility=INTERNAL,
        actor=by,
        actor_label="" if by else (actor_label or "system"),
        data={"from": previous, "to": to},
        at=at,
    )
    return case


@transaction.atomic
def correct_intent(case: Case, *, to: str, by: Agent) -> Case:
    if to not in Intent.values:
        raise CaseError(_("Unknown intent."))
    case = _locked(case, None)
    if case.intent == to:
        return case
    at = now()
    previous, case.intent = case.intent, to
    _save(case, "intent", at=at)
    record_event(
        case,
        kind=Event.Kind.INTENT_CHANGED,
        visibility=INTERNAL,
        actor=by,
        data={"from": previous, "to": to},
        at=at,
    )
    return case


@transaction.atomic
def make_promise(case: Case, *, by: Agent, description: str, due_at: datetime) -> Promise:
    """Record a date given to the customer. It will be kept, or broken and escalated."""
    if not description.strip():
        raise CaseError(_("Say what was promised."))
    case = _locked(case, None)
    if case.status not in OPEN_STATUSES:
        raise CaseError(_("A promise cannot be made on a closed case."))
    at = now()
    if due_at <= at:
        raise CaseError(_("A promise must be due in the future."))
    promise = Promise.objects.create(
        case=case, description=description.strip()[:200], made_by=by, made_at=at, due_at=due_at
    )
    _save(case, at=at)
    record_event(
        case,
        kind=Event.Kind.PROMISE_MADE,
        visibility=PUBLIC,
        actor=by,
        data={
            "promise": promise.pk,
            "description": promise.description,
            "due": due_at.isoformat(),
        },
        at=at,
    )
    return promise


def _settle(promise: Promise, *, state: str, by: Agent | None) -> tuple[Promise, datetime]:
    promise = Promise.objects.select_for_update().get(pk=promise.pk)
    if promise.state != Promise.State.OPEN:
        raise CaseError(_("This promise was already settled."))
    at = now()
    promise.state, promise.settled_at, promise.settled_by = state, at, by
    promise.save(update_fields=["state", "settled_at", "settled_by"])
    return promise, at


@transaction.atomic
def keep_promise(promise: Promise, *, by: Agent) -> Promise:
    promise, at = _settle(promise, state=Promise.State.KEPT, by=by)
    case = _locked(promise.case, None)
    _save(case, at=at)
    record_event(
        case,
        kind=Event.Kind.PROMISE_KEPT,
        visibility=PUBLIC,
        actor=by,
        data={"promise": promise.pk, "description": promise.description},
        at=at,
    )
    return promise


@transaction.atomic
def break_promise(promise: Promise, *, by: Agent | None, reason: str = "") -> Promise:
    """A promise not kept: said to the customer, priority raised, the team lead alerted."""
    promise, at = _settle(promise, state=Promise.State.BROKEN, by=by)
    case = _locked(promise.case, None)
    record_event(
        case,
        kind=Event.Kind.PROMISE_BROKEN,
        visibility=PUBLIC,
        actor=by,
        actor_label="" if by else "system",
        data={
            "promise": promise.pk,
            "description": promise.description,
            "due": promise.due_at.isoformat(),
            "reason": reason.strip(),
        },
        at=at,
    )
    _escalate(case, at=at, why="promise_broken")
    return promise


@transaction.atomic
def reschedule_promise(promise: Promise, *, due_at: datetime, description: str) -> Promise:
    """Give an open promise a new date because the customer chose another one.

    Records no event of its own: it is called only by a service that records
    why the date changed (an appointment moved), in the same transaction.
    """
    promise = Promise.objects.select_for_update().get(pk=promise.pk)
    if promise.state != Promise.State.OPEN:
        raise CaseError(_("This promise was already settled."))
    if due_at <= now():
        raise CaseError(_("A promise must be due in the future."))
    promise.due_at, promise.description = due_at, description.strip()[:200]
    promise.save(update_fields=["due_at", "description"])
    return promise


@transaction.atomic
def withdraw_promise(promise: Promise, *, by: Agent | None) -> Promise:
    """Settle an open promise as no longer owed (the customer cancelled what it was for).

    Neither kept nor broken, so it counts in neither figure and escalates
    nothing. Like `reschedule_promise`, the calling service records the event.
    """
    promise, _at = _settle(promise, state=Promise.State.WITHDRAWN, by=by)
    return promise


def escalate(case: Case, *, why: str) -> Case:
    """Flag a case for its team lead like a broken promise (for other apps' deadlines:
    a partner's missed date). Locks the case; records the internal `escalated` event."""
    case = _locked(case, None)
    _escalate(case, at=now(), why=why)
    return case


def _escalate(case: Case, *, at: datetime, why: str) -> None:
    """Raise priority (at least High) and flag the case for the owner's team lead."""
    previous = case.priority
    case.priority = min(Priority.URGENT, max(case.priority + 1, Priority.HIGH))
    case.escalated_at = case.escalated_at or at
    _save(case, "priority", "escalated_at", at=at)
    team = case.owner.team if case.owner_id and case.owner.team_id else case.team
    lead = team.lead if team else None
    record_event(
        case,
        kind=Event.Kind.ESCALATED,
        visibility=INTERNAL,
        actor_label="system",
        data={
            "why": why,
            "priority_from": previous,
            "priority_to": case.priority,
            "lead": lead.pk if lead else None,
            "lead_name": lead.display_name if lead else "",
        },
        at=at,
    )


@transaction.atomic
def clear_escalation(case: Case, *, by: Agent) -> Case:
    case = _locked(case, None)
    if case.escalated_at is None:
        return case
    at = now()
    case.escalated_at = None
    _save(case, "escalated_at", at=at)
    record_event(
        case,
        kind=Event.Kind.NOTE,
        visibility=INTERNAL,
        actor=by,
        data={"body": _("Escalation reviewed by the team lead.")},
        at=at,
    )
    return case


def sweep_overdue_promises(*, batch: int = 200, at: datetime | None = None) -> int:
    """Break every open promise whose due time has passed. Safe to run from several workers.

    Rows are claimed with SKIP LOCKED (PostgreSQL), one short transaction per batch.
    """
    cutoff = at or now()
    broken = 0
    while True:
        with transaction.atomic():
            due = list(
                Promise.objects.select_for_update(skip_locked=True)
                .filter(state=Promise.State.OPEN, due_at__lte=cutoff)
                .order_by("due_at")[:batch]
            )
            for promise in due:
                break_promise(promise, by=None, reason="overdue")
        broken += len(due)
        if len(due) < batch:
            hooks.swept(cutoff)  # other apps' deadlines (a partner's promised date)
            return broken


@transaction.atomic
def unless_stale(case: Case, *, expected_version: int | None, then: Callable[[], T]) -> T:
    """Run `then` only if the case is still at the version the advisor's form was built from.

    For services that take no `expected_version` themselves (notes, promises,
    intent): a promise made without seeing a colleague's newer one is the
    "two advisors, two dates" story. The row lock taken here is held until
    `then` has written, so nothing slips in between the check and the change.
    """
    _locked(case, expected_version)
    return then()


@transaction.atomic
def record_contact(
    case: Case,
    *,
    kind: str,
    channel: str,
    data: dict[str, Any],
    by: Agent | None = None,
    actor_label: str = "",
    visibility: str = PUBLIC,
    reopen: bool = True,
    expected_version: int | None = None,
) -> Event:
    """A contact recorded on the case by an advisor or another system: a phone call, a
    shop visit, a letter, a technician's report. Like `receive_message`, the case is
    touched (version, activity) and, when the customer came back (`reopen`), a resolved
    or pending case goes back in progress.
    """
    case = _locked(case, expected_version)
    at = now()
    _save(case, at=at)
    event = record_event(
        case,
        kind=kind,
        visibility=visibility,
        actor=by,
        actor_label=actor_label,
        channel=channel,
        data=data,
        at=at,
    )
    if reopen and case.status in {Status.RESOLVED, Status.PENDING}:
        change_status(case, to=Status.IN_PROGRESS, by=None, reason="customer_contact")
    return event
