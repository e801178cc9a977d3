"""The write path of phone calls: PBX events applied to their call, calls logged on cases.

- `record_call_event` applies one event (idempotent: the same event twice, or
  an event of a call already ended, changes nothing) and finds the caller.
- `log_call` ties a call to one of the caller's cases; `open_case_for_call`
  opens a new case from the screen pop and ties the call to it.
- Once a call is both tied to a case and ended, its `call` event is written on
  the timeline, exactly once, whichever of the two came last.
"""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from filrouge.accounts.models import Agent
from filrouge.cases.models import Case, Event
from filrouge.cases.services import CaseError, open_case, record_contact
from filrouge.channels.identity import identify
from filrouge.channels.message import Sender
from filrouge.channels.phone.events import ANSWERED, ENDED, STARTED, CallEvent
from filrouge.channels.phone.models import Call
from filrouge.core.clock import now
from filrouge.customers.models import Channel
from filrouge.customers.normalise import InvalidContact, normalise_phone


@transaction.atomic
def record_call_event(event: CallEvent) -> tuple[Call, bool]:
    """Apply a PBX event to its call. Returns the call and whether the event was new."""
    call = _locked_call(event.call_id)
    new = all(seen.get("event") != event.kind for seen in call.history)
    _fill_blanks(call, event)
    if new:
        if event.kind == STARTED:
            call.started_at = call.started_at or event.at
        elif event.kind == ANSWERED:
            call.answered_at = call.answered_at or event.at
        elif event.kind == ENDED:
            call.ended_at = event.at
            call.outcome = event.outcome
        call.history = [
            *call.history,
            {"event": event.kind, "at": event.at.isoformat(), "received_at": now().isoformat()},
        ]
    call.save()
    _write_timeline_if_ready(call)
    return call, new


def _locked_call(call_id: str) -> Call:
    found = Call.objects.select_for_update().filter(call_id=call_id).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return Call.objects.create(call_id=call_id, received_at=now())
    except IntegrityError:  # the same call's other event, committed by a concurrent request
        return Call.objects.select_for_update().get(call_id=call_id)


def _fill_blanks(call: Call, event: CallEvent) -> None:
    """What an event tells about the call is kept if nothing said it before (first wins)."""
    if event.caller and not call.caller and not call.customer_id:
        call.caller = caller_number(event.caller) or event.caller[:32]
        if call.caller.startswith("+"):
            call.customer = identify(Sender(phone=call.caller))
    call.called = call.called or event.called
    call.queue = call.queue or event.queue
    call.ivr = call.ivr or list(event.ivr)
    if event.agent and not call.agent_email:
        call.agent_email = event.agent
        call.agent = Agent.objects.filter(email__iexact=event.agent, is_active=True).first()


def caller_number(raw: str) -> str:
    """The caller's number in E.164, or "" if withheld or not a phone number.

    PBXs give national numbers ("0612345678"), international ones with "+" or
    "00", or digits with the country code but no "+" ("33612345678").
    """
    raw = raw.strip()
    candidates = [raw]
    if raw.isdigit() and len(raw) > 10:
        candidates.append("+" + raw)
    for candidate in candidates:
        try:
            return normalise_phone(candidate)
        except InvalidContact:
            continue
    return ""


@transaction.atomic
def log_call(call: Call, *, case: Case, by: Agent, summary: str = "") -> Call:
    """Tie the call to a case of the caller (or, for an unknown number, of the customer the
    advisor recognised): its `call` event lands there now or when the call ends."""
    call = Call.objects.select_for_update().get(pk=call.pk)
    if call.case_id == case.pk:
        return call
    if call.case_id is not None:
        raise CaseError(
            _("This call is already logged on case %(reference)s.")
            % {"reference": call.case.reference}
        )
    if call.customer_id is not None and case.customer_id != call.customer_id:
        raise CaseError(_("This case belongs to another customer than the caller."))
    if not case.is_open:
        raise CaseError(_("This case is closed: open a new one for this call."))
    call.customer_id = case.customer_id
    call.case, call.logged_by, call.summary = case, by, summary.strip()
    call.save(update_fields=["customer", "case", "logged_by", "summary"])
    _write_timeline_if_ready(call)
    return call


@transaction.atomic
def open_case_for_call(
    call: Call, *, by: Agent, subject: str, intent: str, summary: str = ""
) -> Case:
    """A new case for the caller, owned by the advisor who took the call, with the call on it."""
    if call.customer is None:
        raise CaseError(_("The caller is not identified: find the customer first."))
    case = open_case(
        call.customer,
        subject=subject,
        channel=Channel.PHONE,
        by=by,
        intent=intent,
        owner=by,
        team=by.team,
    )
    log_call(call, case=case, by=by, summary=summary)
    return case


def _write_timeline_if_ready(call: Call) -> None:
    if call.case_id is None or call.ended_at is None or call.event_id is not None:
        return
    actor = call.agent or call.logged_by
    call.event = record_contact(
        call.case,
        kind=Event.Kind.CALL,
        channel=Channel.PHONE,
        by=actor,
        actor_label="" if actor else "customer",
        data=timeline_data(call),
    )
    call.save(update_fields=["event"])


def timeline_data(call: Call) -> dict:
    """The facts of the call, as its timeline event keeps them (formatted at render time)."""
    duration, talk = call.duration, call.talk_time
    data = {
        "call": call.call_id,
        "caller": call.caller,
        "queue": call.queue,
        "agent": call.agent_email,
        "agent_name": call.agent.display_name if call.agent else "",
        "started": call.started_at.isoformat() if call.started_at else None,
        "answered": call.answered_at.isoformat() if call.answered_at else None,
        "ended": call.ended_at.isoformat() if call.ended_at else None,
        "duration": int(duration.total_seconds()) if duration is not None else None,
        "talk_time": int(talk.total_seconds()) if talk is not None else None,
        "outcome": call.effective_outcome,
        "ivr": list(call.ivr),
    }
    if call.summary:
        data["body"] = call.summary
    return data
