"""Every inbound message is read, its case routed, and the reading kept on the timeline.

Two ways in, one reading (`record`):

- **Filed by the channels** (e-mail, SMS, WhatsApp, social…): `triage_filed`,
  registered with `channels.filing`, reads the batch inside the filing's
  transaction (below).
- **Every other inbound message** — the customer writing on the tracking page
  (`portal.services.post_message`), a letter recorded by an advisor
  (`offline.record_letter`), a case opened by an advisor or through the API with
  a first message: `note_message`, registered with `cases.hooks.on_event_recorded`,
  notes each `message_in` event and, once the transaction commits, enqueues one
  task `triage.tasks.read_messages` with the ids of the transaction (the web
  request only pays the enqueue). The task (`read_events`) reads the messages no
  triage has read yet — never one twice — and routes their cases like the filing
  does, except that it sets a case's intent only if nobody set it (`other`, first
  message). A message that `triage_filed` read in the same transaction is taken
  off the pending list, so the channels' path enqueues nothing.

`triage_filed` is registered with `channels.filing` (see apps.py). For a batch
of filed messages it: analyses them all at once (`analyse_many`), reads the
message counts and incident links of their cases in two grouped queries,
decides and writes the routing (`routing.apply`), records one internal
`triaged` event per message with the reading and the phrases behind it, and
acknowledges automatically a customer who writes on an existing case during
a known incident on their line — once per incident update (`acknowledge`).

A failure of the reading is logged and the filing goes on: a message must
never be lost, or retried for ever, because triage could not read it; the task
`read_messages` is enqueued for those messages, so they are read later.
`filrouge triage backfill` reads whatever is still unread (the demo's bulk
timelines) and `backfill --check` says how many are left.
"""

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from filrouge.cases.models import Case, Event, Intent
from filrouge.cases.services import CaseError, record_contact
from filrouge.channels.filing import Filed
from filrouge.core.bulk import bulk_insert
from filrouge.core.clock import now
from filrouge.triage import routing
from filrouge.triage.models import AutoAcknowledgement

if TYPE_CHECKING:
    from filrouge.triage.analysis import Analysis

logger = logging.getLogger(__name__)
AUTO_ACK = "triage_incident_ack"  # `data["auto"]` of the automatic acknowledgement
ACK_INTENTS = frozenset({"outage", "followup", "complaint"})


def triage_filed(items: Sequence[Filed]) -> None:
    if not items:
        return
    # Imported here: NumPy and scikit-learn load with the first message, not with every command.
    from filrouge.triage.analysis import Item, analyse_many

    try:
        analyses = analyse_many(
            [
                Item(
                    f.text, f.channel, f.message.is_public, f.event.created_at if f.event else None
                )
                for f in items
            ]
        )
    except Exception:  # the message is filed all the same; the log says why it was not read
        logger.exception("Triage could not read %d filed message(s)", len(items))
        for f in items:  # the task tries again once the filing is committed
            if f.event is not None:
                note_message(f.event, f.case)
        return
    record(items, analyses)
    done_with([f.event.pk for f in items if f.event is not None])
    acknowledge(items, analyses)


# --- Inbound messages that do not come through the channels' filing -------------------------


class _Pending:
    """The `message_in` events of one transaction not read yet: one task at commit for them."""

    def __init__(self) -> None:
        self.ids: list[int] = []

    def __call__(self) -> None:
        if self.ids:
            from filrouge.triage.tasks import read_messages

            read_messages.enqueue(sorted(set(self.ids)))


def _pending(create: bool) -> _Pending | None:
    """This transaction's list, found among its commit callbacks (a rolled-back transaction
    drops it with them: nothing is left behind)."""
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        for _savepoints, callback, *_rest in connection.run_on_commit:
            if isinstance(callback, _Pending):
                return callback
    if not create:
        return None
    pending = _Pending()
    transaction.on_commit(pending)  # outside a transaction: called at once, with no id yet
    return pending


def note_message(event: Event, case: Case) -> None:
    """`cases.hooks.on_event_recorded`: a customer's message is read once committed."""
    if event.kind != Event.Kind.MESSAGE_IN:
        return
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        from filrouge.triage.tasks import read_messages

        read_messages.enqueue([event.pk])
        return
    pending = _pending(create=True)
    if pending is not None:
        pending.ids.append(event.pk)


def done_with(event_ids: Iterable[int]) -> None:
    """Messages read in this transaction already (by `triage_filed`): no task for them."""
    pending = _pending(create=False)
    if pending is not None:
        done = set(event_ids)
        pending.ids = [pk for pk in pending.ids if pk not in done]


@dataclass(frozen=True)
class Arrival:
    """A message to read and route, as `record` needs it (a `Filed` has the same four)."""

    case: Case
    event: Event
    channel: str
    new_case: bool


def read_events(event_ids: Sequence[int]) -> int:
    """Read the `message_in` events `event_ids` that no triage has read yet and route their
    cases (the task `read_messages`). Idempotent: the cases are locked, then what is read
    already is skipped, so a task run twice or two workers read each message once.
    Returns how many were read."""
    from filrouge.triage.analysis import Item, analyse_many

    ids = sorted(set(event_ids))
    if not ids:
        return 0
    with transaction.atomic():
        case_ids = sorted(
            set(
                Event.objects.filter(
                    pk__in=ids, kind=Event.Kind.MESSAGE_IN, case__isnull=False
                ).values_list("case_id", flat=True)
            )
        )
        cases = {c.pk: c for c in Case.objects.select_for_update().filter(pk__in=case_ids)}
        read = already_read(case_ids)
        events = [
            e
            for e in Event.objects.filter(pk__in=ids, kind=Event.Kind.MESSAGE_IN, case_id__in=cases)
            .only("pk", "case_id", "customer_id", "channel", "data", "created_at")
            .order_by("pk")
            if e.pk not in read
        ]
        if not events:
            return 0
        analyses = analyse_many(
            [Item(body_of(e.data), e.channel, None, e.created_at) for e in events]
        )
        counts = routing.message_counts(list(cases))
        arrivals = [
            Arrival(
                case=cases[e.case_id],
                event=e,
                channel=e.channel,
                # Only a first message on a case whose intent nobody chose sets the intent.
                new_case=cases[e.case_id].intent == Intent.OTHER and counts.get(e.case_id) == 1,
            )
            for e in events
        ]
        record(arrivals, analyses)
    return len(events)


def already_read(case_ids: Iterable[int]) -> set[int]:
    """The `message_in` ids of these cases that a `triaged` event has read."""
    return set(
        Event.objects.filter(kind=Event.Kind.TRIAGED, case_id__in=list(case_ids)).values_list(
            "data__message", flat=True
        )
    )


def body_of(data: Any) -> str:
    """The customer's words of a `message_in` event (a letter's summary may be empty)."""
    body = data.get("body", "") if isinstance(data, dict) else ""
    return body if isinstance(body, str) else str(body)


def record(items: "Sequence[Filed | Arrival]", analyses: "Sequence[Analysis]") -> list[Event]:
    case_ids = list({f.case.pk for f in items})
    counts = routing.message_counts(case_ids)
    linked = routing.linked_case_ids(case_ids)
    decisions: dict[int, routing.Decision] = {}
    for filed, analysis in zip(items, analyses, strict=True):
        decisions[filed.case.pk] = routing.decide(
            filed.case,
            analysis,
            new_case=filed.new_case,
            messages=counts.get(filed.case.pk, 1),
            linked=filed.case.pk in linked,
        )
    at = now()
    changed = routing.apply(decisions, at=at)
    for filed in items:  # hooks after ours (the detector) read the case as it now is
        for name, value in changed.get(filed.case.pk, {}).items():
            setattr(filed.case, f"{name}_id" if name in ("team", "owner") else name, value)
    for pk, decision in decisions.items():  # say only what was done (a team may not exist)
        done = changed.get(pk, {})
        needs = {
            "intent": "intent",
            "team_churn": "team",
            "team_intent": "team",
            "senior_owner": "owner",
        }
        decision.why = [w for w in decision.why if w not in needs or needs[w] in done]
    events = [
        Event(
            case_id=filed.case.pk,
            customer_id=filed.case.customer_id,
            kind=Event.Kind.TRIAGED,
            visibility=Event.Visibility.INTERNAL,
            actor_label="system",
            channel=filed.channel,
            data=event_data(filed, analysis, decisions[filed.case.pk], changed.get(filed.case.pk)),
            created_at=at,
        )
        for filed, analysis in zip(items, analyses, strict=True)
    ]
    return bulk_insert(events)


def event_data(
    filed: "Filed | Arrival", a: "Analysis", decision: routing.Decision, changed: dict | None
) -> dict:
    return {
        "message": filed.event.pk if filed.event else None,
        **_reading(a),
        "why": decision.why,
        "changed": changed or {},
    }


def acknowledge(items: Sequence[Filed], analyses: "Sequence[Analysis]") -> list[Event]:
    """Messages on existing cases during a known incident on the line: one automatic answer per
    case and incident update. New cases are told by the incidents app when they open; a message
    saying the fix did not work or that it is another fault ("new intervention") goes to a person.
    """
    from filrouge.channels.services import SENDERS
    from filrouge.incidents.models import IncidentCase
    from filrouge.incidents.selectors import open_incident_for_line

    sent = []
    for filed, analysis in zip(items, analyses, strict=True):
        case = filed.case
        if filed.new_case or analysis.new_intervention or case.line_id is None:
            continue
        if analysis.intent not in ACK_INTENTS and "outage" not in analysis.secondary:
            continue
        if filed.channel not in SENDERS:
            continue
        incident = open_incident_for_line(case.line)
        if incident is None:
            continue
        if IncidentCase.objects.filter(
            incident=incident, case=case, unlinked_at__isnull=False
        ).exists():  # an advisor said this case is another problem
            continue
        update = incident.updates.first()
        key = f"{incident.pk}:{update.pk if update else 0}"
        if AutoAcknowledgement.objects.filter(case=case, key=key).exists():
            continue
        event = _send(case, filed.channel, incident, update, key, SENDERS)
        if event is not None:
            sent.append(event)
    return sent


def _send(case, channel, incident, update, key, senders) -> Event | None:
    from filrouge.channels.tasks import deliver_outbound

    with translation.override(settings.LANGUAGE_CODE):
        body = acknowledgement_text(incident, update)
    prepare, _deliver = senders[channel]
    try:
        with transaction.atomic():
            event = record_contact(
                case,
                kind=Event.Kind.MESSAGE_OUT,
                channel=channel,
                data={
                    "body": body,
                    "auto": AUTO_ACK,
                    "incident": incident.pk,
                    "update": update.pk if update else None,
                },
                actor_label="system",
                reopen=False,
            )
            AutoAcknowledgement.objects.create(
                case=case, incident=incident, update=update, key=key, event=event, created_at=now()
            )
            outbound = prepare(case, event)
    except (CaseError, IntegrityError) as exc:  # no address, STOP, or sent meanwhile
        logger.info("No automatic acknowledgement on %s: %s", case.reference, exc)
        return None
    transaction.on_commit(partial(deliver_outbound.enqueue, outbound.pk))
    return event


def acknowledgement_text(incident, update) -> str:
    lines = [
        _(
            "Hello, we have your message. Your line is affected by a network incident we know "
            "of (%(reference)s: %(title)s) and our teams are on it."
        )
        % {"reference": incident.reference, "title": incident.title}
    ]
    if update is not None:
        lines.append(_("Latest news: %(text)s") % {"text": update.text})
        if update.eta:
            eta = formats.date_format(timezone.localtime(update.eta), "DATETIME_FORMAT")
            lines.append(_("Service expected back by %(eta)s.") % {"eta": eta})
    lines.append(
        _(
            "An advisor reads your message too: if it is about something else, or the problem "
            "came back after a repair, they will answer you."
        )
    )
    return "\n".join(lines)


def backfill(*, batch: int = 1_000, limit: int | None = None) -> int:
    """Read the customer messages no triage has read yet (the demo writes its timelines in bulk,
    without the channels): one `triaged` event each, the reading only — old cases keep their
    team, owner and priority. Returns how many were read."""
    from filrouge.triage.analysis import Item, analyse_many

    done = 0
    for rows in _unread_batches(batch):
        if limit is not None:
            rows = rows[: limit - done]
        if not rows:
            break
        analyses = analyse_many(
            [Item(body_of(r["data"]), r["channel"], None, r["created_at"]) for r in rows]
        )
        Event.objects.bulk_create(
            Event(
                case_id=r["case_id"],
                customer_id=r["customer_id"],
                kind=Event.Kind.TRIAGED,
                visibility=Event.Visibility.INTERNAL,
                actor_label="system",
                channel=r["channel"],
                data={**_reading(a), "message": r["pk"], "why": [], "changed": {}},
                created_at=r["created_at"],
            )
            for r, a in zip(rows, analyses, strict=True)
        )
        done += len(rows)
        if limit is not None and done >= limit:
            break
    return done


def unread(*, batch: int = 5_000) -> tuple[int, int, list[int]]:
    """(inbound messages on cases, how many no triage has read, the first unread ids)."""
    total = Event.objects.filter(kind=Event.Kind.MESSAGE_IN, case__isnull=False).count()
    missing: list[int] = []
    left = 0
    for rows in _unread_batches(batch, fields=("pk", "case_id")):
        left += len(rows)
        missing += [r["pk"] for r in rows[: max(0, 10 - len(missing))]]
    return total, left, missing


def _unread_batches(batch: int, fields: Sequence[str] = ()):
    """The unread `message_in` rows, oldest first, a batch at a time (two queries each)."""
    fields = tuple(fields) or ("pk", "case_id", "customer_id", "channel", "data", "created_at")
    last = 0
    while True:
        rows = list(
            Event.objects.filter(kind=Event.Kind.MESSAGE_IN, case__isnull=False, pk__gt=last)
            .order_by("pk")
            .values(*fields)[:batch]
        )
        if not rows:
            return
        last = rows[-1]["pk"]
        read = already_read({r["case_id"] for r in rows})
        left = [r for r in rows if r["pk"] not in read]
        if left:
            yield left


def _reading(a: "Analysis") -> dict:
    return {
        "intent": a.intent,
        "confidence": a.confidence,
        "intents": a.intents,
        "secondary": a.secondary,
        "frustration": a.frustration,
        "churn": a.churn_threat,
        "escalation": a.escalation_threat,
        "new_intervention": a.new_intervention,
        "triggers": a.triggers,
        "entities": a.entities,
        "public_pii": a.public_pii,
        "model": a.model_version,
    }
