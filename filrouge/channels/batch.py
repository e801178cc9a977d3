"""Set-based filing: many stored messages filed together, each as `process_inbound` files it.

A storm leaves tens of thousands of messages waiting. Filing them one by one
costs about twenty queries each (lock, identity, threading, case, events, row);
`process_batch` files a batch in a fixed number of queries whatever its size:

1. lock the rows and parse them all;
2. choose every case with the one threading function, `routing.choose_case`,
   fed with `BatchFacts`: the same answers as the live queries, preloaded for
   the whole batch (contact points one query per kind, active cases, the
   cases named by references and reply ids, the weak signals of unknown
   senders: `identity.MatchIndex`);
3. write: the prospect files of unknown senders, the messages on existing
   cases (`cases.services.receive_messages`), the new cases
   (`cases.services.open_cases`: one block of references, the hooks once),
   the inbound rows in one statement (`core.bulk.bulk_set`), who an
   unidentified sender may be (the possible matches and the one question to
   them, by the function `process_inbound` uses), and the filing hooks once
   for the batch.

A second message of the same customer (or sender, or case) must see what the
first one did: it waits for another pass over the same steps, in the same
transaction, after the first is filed. The hooks that lock rows other workers
lock too (the incident detector's element loads) gather their work over the
passes and do it once, at the end (`core.gathering`): one locking pass in one
order per batch, so that two workers never deadlock on them.

Anything unusual is left to `process_inbound`, one message at a time, so that
its behaviour stays the only one: the parts of a long SMS, attachments,
bounces and auto-replies, a message linking a prospect's address to another
customer's case, a message that reopens its case, a prospect merged meanwhile,
and any later message of the same customer (or sender, or case) as one of
those, so that they are filed in order. The
caller runs those after the batch commits (see `core.worker`), and files the
whole batch one by one if the batch fails.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from django.db import transaction
from django.db.models import Q

from filrouge.cases.models import ACTIVE_STATUSES, Case, Status
from filrouge.cases.services import Opening, open_cases, receive_messages
from filrouge.channels import filing
from filrouge.channels.identity import Hint, MatchIndex, clues, new_prospects, possible_matches
from filrouge.channels.message import Message, ParseError, Sender
from filrouge.channels.models import InboundMessage, OutboundMessage
from filrouge.channels.routing import LIVE, MAX_ACTIVE, Route, choose_case
from filrouge.channels.services import (
    ON_LANDING,
    PARSERS,
    SCREENS,
    body_for,
    subject_for,
    suggest_identity,
)
from filrouge.core import gathering
from filrouge.core.bulk import bulk_set
from filrouge.core.clock import now
from filrouge.customers.models import ContactPoint, Customer

DONE = frozenset({InboundMessage.State.PROCESSED, InboundMessage.State.IGNORED})
REOPENING = frozenset({Status.RESOLVED, Status.PENDING})
ROW_FIELDS = [
    "state",
    "reason",
    "last_error",
    "attempts",
    "processed_at",
    "sender",
    "route",
    "customer",
    "case",
    "event",
    "is_public",
    "personal_data",
]


@dataclass
class Outcome:
    states: dict[int, str] = field(default_factory=dict)  # settled here: id → state
    left: list[int] = field(default_factory=list)  # for `process_inbound`, in this order


@dataclass
class _Plan:
    inbound: InboundMessage
    message: Message
    route: Route
    customer: Customer | None = None


def file_tasks(inbound_ids: Sequence[int]) -> dict[int, str]:
    """The batch function of `tasks.process_inbound` for `core.worker`: the ids settled
    here with their state; the worker runs the others' tasks one by one."""
    return process_batch(inbound_ids).states


def process_batch(inbound_ids: Sequence[int]) -> Outcome:
    """File the messages `inbound_ids` together; what is unusual is left (`Outcome.left`).

    All or nothing: one transaction (a savepoint inside the caller's). A message
    filed already is left alone, so a batch run twice files nothing twice. A second
    message of a customer (or sender, or case) waits for the next pass, which sees
    what the first did — as many passes as one customer has messages in the batch.
    """
    outcome = Outcome()
    ids = list(dict.fromkeys(inbound_ids))
    # The hooks that lock shared rows (the detector) do their work once, at the end.
    with transaction.atomic(), gathering.gathering():
        waiting = ids
        while waiting:
            waiting = _pass(waiting, outcome)
    left = set(outcome.left)
    outcome.left = [pk for pk in ids if pk in left]
    return outcome


def _pass(ids: list[int], outcome: Outcome) -> list[int]:
    """File what can be filed of `ids` at once; returns the ids that wait for this pass."""
    # Parts of a long SMS are locked by their group first (process_inbound): not here.
    rows = InboundMessage.objects.select_for_update().filter(pk__in=ids, group="")
    rows_by_pk = {row.pk: row for row in rows.order_by("pk")}
    outcome.left += [pk for pk in ids if pk not in rows_by_pk]
    settled, parsed = _parse(list(rows_by_pk.values()), outcome)
    plans, waiting = _route(parsed, outcome)
    plans = _lock(plans, outcome)
    items = _write(plans)
    bulk_set([*settled, *(p.inbound for p in plans)], ROW_FIELDS)
    for plan, item in zip(plans, items, strict=True):
        if plan.route.hints:  # who the sender may be, as `process_inbound` records it
            suggest_identity(plan.route, item.case, plan.message)
    filing.filed(items)
    for inbound in [*settled, *(p.inbound for p in plans)]:
        outcome.states[inbound.pk] = inbound.state
    return waiting


def _parse(
    rows: list[InboundMessage], outcome: Outcome
) -> tuple[list[InboundMessage], list[tuple[InboundMessage, Message]]]:
    """Rows settled without a case (unparsable, screened out) and the parsed messages."""
    settled, parsed = [], []
    for inbound in rows:
        if inbound.state in DONE:
            outcome.states[inbound.pk] = inbound.state
            continue
        try:
            message = PARSERS[inbound.channel](
                bytes(inbound.payload),
                external_id=inbound.external_id,
                received_at=inbound.received_at,
            )
        except ParseError as exc:  # as `process_inbound` records it
            inbound.attempts += 1
            inbound.state, inbound.reason = InboundMessage.State.FAILED, "unparsable"
            inbound.last_error = str(exc)
            settled.append(inbound)
            continue
        except Exception:  # noqa: BLE001 - process_inbound records what it is
            outcome.left.append(inbound.pk)
            continue
        if message.attachments or message.is_bounce or message.is_auto_reply:
            outcome.left.append(inbound.pk)
            continue
        inbound.attempts += 1
        inbound.sender = message.sender.address[:254]
        screen = SCREENS.get(inbound.channel)
        if screen is not None and (reason := screen(inbound, message)):
            inbound.state, inbound.reason = InboundMessage.State.IGNORED, reason
            inbound.processed_at = now()
            settled.append(inbound)
            continue
        parsed.append((inbound, message))
    return settled, parsed


def _route(
    parsed: list[tuple[InboundMessage, Message]], outcome: Outcome
) -> tuple[list[_Plan], list[int]]:
    """The plans of this pass, and the ids that wait for the next (a second message of a
    customer, sender or case planned here). A message that shares one of those with a
    message left to `process_inbound` is left too, so that they are filed in order."""
    facts = BatchFacts([message for _inbound, message in parsed])
    plans, waiting, planned, left = [], [], set(), set()
    for inbound, message in parsed:
        route = choose_case(message, facts)
        who = (
            ("customer", route.customer.pk)
            if route.customer
            else ("sender", message.sender.address)
        )
        keys = {who} | ({("case", route.case.pk)} if route.case is not None else set())
        if (
            route.prospect is not None
            or not message.sender.address
            or keys & left
            or (route.case is not None and route.case.status in REOPENING)
        ):
            outcome.left.append(inbound.pk)
            left |= keys  # a later message of theirs must wait for this one too
            continue
        if keys & planned:
            waiting.append(inbound.pk)
        else:
            plans.append(_Plan(inbound, message, route, route.customer))
        planned |= keys
    return plans, waiting


def _lock(plans: list[_Plan], outcome: Outcome) -> list[_Plan]:
    """Lock the prospects and cases written to, in the order `process_inbound` does
    (sender's file, then case), and leave those that changed since they were read.

    `FOR NO KEY UPDATE`: writers still wait for each other, but another worker's
    commit checking a foreign key to one of these rows (its key share lock: a
    suspicion listing this case, an event of this customer) does not — with `FOR
    UPDATE` it did, while this batch waited for that worker's detector loads: a
    deadlock, one batch rolled back after a second's wait."""
    prospects = sorted({p.customer.pk for p in plans if p.customer and p.customer.is_prospect})
    locked = Customer.objects.select_for_update(no_key=True).filter(pk__in=prospects).order_by("pk")
    merged = {pk for pk, into in locked.values_list("pk", "merged_into") if into is not None}
    case_pks = sorted({p.route.case.pk for p in plans if p.route.case is not None})
    cases = Case.objects.select_for_update(no_key=True).filter(pk__in=case_pks).order_by("pk")
    fresh = {case.pk: case for case in cases} if case_pks else {}
    kept = []
    for plan in plans:
        case = fresh.get(plan.route.case.pk) if plan.route.case is not None else None
        if (plan.customer is not None and plan.customer.pk in merged) or (
            case is not None and case.status in REOPENING
        ):
            outcome.left.append(plan.inbound.pk)
            continue
        if case is not None:
            case.customer = plan.customer  # the route's customer is the case's
            plan.route = replace(plan.route, case=case)
        kept.append(plan)
    return kept


def _write(plans: list[_Plan]) -> list[filing.Filed]:
    """The prospects, the messages on existing cases, the new cases; the rows filled in."""
    # In address order: two batches inserting the same new senders wait on each other in
    # the same order (the unique contact point), never in a cycle.
    unknown = sorted(
        (p for p in plans if p.customer is None), key=lambda p: p.message.sender.address
    )
    for plan, prospect in zip(
        unknown, new_prospects([p.message.sender for p in unknown]), strict=True
    ):
        plan.customer = prospect
    onto = [p for p in plans if p.route.case is not None]
    arrivals = [(p.route.case, p.message.channel, body_for(p.message)) for p in onto]
    landed = {
        id(p): (p.route.case, event)
        for p, event in zip(onto, receive_messages(arrivals), strict=True)
    }
    fresh = [p for p in plans if p.route.case is None]
    openings = [
        Opening(
            customer=p.customer,
            subject=subject_for(p.message),
            channel=p.message.channel,
            intent=p.route.intent,
            first_message=body_for(p.message),
        )
        for p in fresh
    ]
    for plan, opened in zip(fresh, open_cases(openings), strict=True):
        landed[id(plan)] = opened
    at, items = now(), []
    for plan in plans:
        case, event = landed[id(plan)]
        inbound = plan.inbound
        inbound.customer_id, inbound.case, inbound.event = case.customer_id, case, event
        inbound.route = plan.route.rule
        inbound.state, inbound.reason, inbound.last_error = InboundMessage.State.PROCESSED, "", ""
        inbound.processed_at = at
        if note := ON_LANDING.get(inbound.channel):
            note(inbound, plan.message)
        items.append(
            filing.Filed(
                inbound=inbound,
                message=plan.message,
                customer=case.customer,
                case=case,
                event=event,
                new_case=plan.route.case is None,
            )
        )
    return items


class BatchFacts:
    """What `choose_case` reads (`routing.Facts`), loaded for a batch of messages at once.

    Each answer is the one `routing.LIVE` would give for that message alone. What
    was not preloaded (a question no message of the batch raises) is asked live.
    """

    def __init__(self, messages: Sequence[Message]) -> None:
        self._threads = _thread_cases(messages)
        references = {r for m in messages for r in (m.case_reference, m.tracking_reference) if r}
        named = Case.objects.select_related("customer").filter(
            Q(reference__in=references) | Q(pk__in=set(self._threads.values()))
        )
        self._cases = {case.pk: case for case in named} if references or self._threads else {}
        self._references = {case.reference: case for case in self._cases.values()}
        self._asked_references = references
        self._owners = _owners([m.sender for m in messages])
        self._active = _active_cases({c.pk for c in self._owners.values()})
        self._messages = messages
        self._matches: MatchIndex | None = None

    def thread_cases(self, channel: str, ids: tuple[str, ...]) -> dict[str, int]:
        return {i: self._threads[channel, i] for i in ids if (channel, i) in self._threads}

    def case_by_pk(self, pk: int) -> Case:
        return self._cases.get(pk) or LIVE.case_by_pk(pk)

    def case_by_reference(self, reference: str) -> Case | None:
        if reference not in self._asked_references:
            return LIVE.case_by_reference(reference)
        return self._references.get(reference)

    def identify(self, sender: Sender) -> Customer | None:
        for kind, value in (
            (ContactPoint.Kind.EMAIL, sender.email),
            (ContactPoint.Kind.PHONE, sender.phone),
            (ContactPoint.Kind.SOCIAL, sender.handle),
        ):
            if value and (kind, value) in self._owners:
                return self._owners[kind, value]
        return None

    def active_cases(self, customer: Customer) -> list[Case]:
        if customer.pk not in self._active:
            return LIVE.active_cases(customer)
        return self._active[customer.pk]

    def possible_matches(self, message: Message, *, sender: Customer | None) -> tuple[Hint, ...]:
        if self._matches is None:  # the weak signals of every sender not known as a customer
            unknown = [
                m for m in self._messages if (c := self.identify(m.sender)) is None or c.is_prospect
            ]
            self._matches = MatchIndex([clues(m) for m in unknown])
        return possible_matches(message, sender=sender, index=self._matches)


def _thread_cases(messages: Sequence[Message]) -> dict[tuple[str, str], int]:
    """(channel, message id) → case, for every id the messages reply to (`LiveFacts`)."""
    wanted = {(m.channel, i) for m in messages for i in m.thread_ids}
    if not wanted:
        return {}
    channels, ids = {c for c, _i in wanted}, {i for _c, i in wanted}
    known: dict[tuple[str, str], int] = {}
    ours = OutboundMessage.objects.filter(channel__in=channels, external_id__in=ids)
    for channel, external_id, case_id in ours.values_list("channel", "external_id", "case_id"):
        if (channel, external_id) in wanted:
            known[channel, external_id] = case_id
    filed = InboundMessage.objects.filter(
        channel__in=channels, external_id__in=ids, case__isnull=False
    ).values_list("channel", "external_id", "case_id")
    for channel, external_id, case_id in filed:
        if (channel, external_id) in wanted:
            known.setdefault((channel, external_id), case_id)
    return known


def _owners(senders: Sequence[Sender]) -> dict[tuple[str, str], Customer]:
    """(kind, value) → the customer owning that contact point: one query per kind."""
    owners = {}
    for kind, attribute in (
        (ContactPoint.Kind.EMAIL, "email"),
        (ContactPoint.Kind.PHONE, "phone"),
        (ContactPoint.Kind.SOCIAL, "handle"),
    ):
        values = {getattr(s, attribute) for s in senders} - {""}
        if not values:
            continue
        points = ContactPoint.objects.select_related("customer").filter(kind=kind, value__in=values)
        owners.update({(kind, p.value): p.customer for p in points})
    return owners


def _active_cases(customer_pks: set[int]) -> dict[int, list[Case]]:
    """Each customer's active cases, most recently updated first (`LiveFacts.active_cases`)."""
    found: dict[int, list[Case]] = {pk: [] for pk in customer_pks}
    if not customer_pks:
        return found
    active = Case.objects.filter(customer__in=customer_pks, status__in=ACTIVE_STATUSES)
    for case in active.order_by("-updated_at"):
        if len(found[case.customer_id]) < MAX_ACTIVE:
            found[case.customer_id].append(case)
    return found
