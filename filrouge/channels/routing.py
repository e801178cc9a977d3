"""Threading: which case an inbound message belongs to. One function, `choose_case`.

The rules, strongest first (each has its own test in tests/test_routing.py):

1. `reply`: the message answers one of our messages (or one already filed on a
   case): its In-Reply-To/References name a message id we know.
2. `tracking_token`: it quotes a tracking link whose token is valid for the case.
3. `reference`: it carries a case reference ("FR-2026-000123") AND the sender is
   that case's customer. A reference is guessable, so from anyone else it is
   only a hint (`unverified_reference` on the new case), never a link.
4. `followup`: the sender asks for news and has exactly one active case.
5. `same_topic`: the sender has exactly one active case on the message's topic.
6. `new_case`: otherwise, a new case for the sender (a prospect if unknown).

A link to a case that can no longer reopen (closed, cancelled, rejected) opens
a new case for that case's customer instead (`after_closed`).

What the rules read (the sender's customer, their active cases, the cases named
by ids, references and tokens) comes from `facts`: `LIVE` asks the database
for each message; a batch (`channels.batch`) passes facts preloaded for all its
messages in a few queries. Same rules, same answers, one function.

Identity hints ride along, they never change the case chosen:

- a message that lands on an unidentified sender's file (a prospect, or a new
  one) carries `hints`: the weak signals (a case reference without its token, a
  line, account or phone number, a display name equal to exactly one
  customer's) pointing at real customers. They are recorded on the prospect's
  case as possible matches, and the sender is asked once to prove who they are.
- a message linked by rule 1 or 2 to a real customer's case while its sender's
  address belongs to a prospect names that prospect (`prospect`) with a strong
  hint: the advisor is offered to merge it.
"""

from dataclasses import dataclass, replace
from typing import Protocol

from filrouge.cases.models import ACTIVE_STATUSES, Case, Intent
from filrouge.cases.tokens import check_tracking_token
from filrouge.channels.identity import Hint, identify, possible_matches
from filrouge.channels.message import Message, Sender
from filrouge.channels.models import InboundMessage, OutboundMessage
from filrouge.channels.topics import guess_intent, is_followup
from filrouge.customers.models import Customer


@dataclass(frozen=True)
class Route:
    rule: str
    customer: Customer | None  # None: an unknown sender, who gets a prospect file
    case: Case | None  # None: open a new case
    intent: str
    hints: tuple[Hint, ...] = ()  # who the sender may be: see the module's docstring
    prospect: Customer | None = None  # the sender's own prospect file, linked to another's case


class Facts(Protocol):
    """What threading needs to know about the world, asked one message at a time."""

    def thread_cases(self, channel: str, ids: tuple[str, ...]) -> dict[str, int]:
        """Of `ids` (message ids on `channel`), those we know: id → the case it is on."""

    def case_by_pk(self, pk: int) -> Case:
        """A case (with its customer) known to exist."""

    def case_by_reference(self, reference: str) -> Case | None:
        """The case (with its customer) of a reference, or None."""

    def identify(self, sender: Sender) -> Customer | None:
        """The customer owning one of the sender's exact contact points (`identity.identify`)."""

    def active_cases(self, customer: Customer) -> list[Case]:
        """The customer's active cases, most recently updated first, 20 at most."""

    def possible_matches(self, message: Message, *, sender: Customer | None) -> tuple[Hint, ...]:
        """Who an unidentified sender may be (`identity.possible_matches`)."""


class LiveFacts:
    """Facts read from the database when asked: what `process_inbound` uses."""

    def thread_cases(self, channel: str, ids: tuple[str, ...]) -> dict[str, int]:
        known: dict[str, int] = dict(
            OutboundMessage.objects.filter(channel=channel, external_id__in=ids).values_list(
                "external_id", "case_id"
            )
        )
        filed = InboundMessage.objects.filter(
            channel=channel, external_id__in=ids, case__isnull=False
        ).values_list("external_id", "case_id")
        for external_id, case_id in filed:
            known.setdefault(external_id, case_id)
        return known

    def case_by_pk(self, pk: int) -> Case:
        return Case.objects.select_related("customer").get(pk=pk)

    def case_by_reference(self, reference: str) -> Case | None:
        return Case.objects.select_related("customer").filter(reference=reference).first()

    def identify(self, sender: Sender) -> Customer | None:
        return identify(sender)

    def active_cases(self, customer: Customer) -> list[Case]:
        active = Case.objects.filter(customer=customer, status__in=ACTIVE_STATUSES)
        return list(active.order_by("-updated_at")[:MAX_ACTIVE])

    def possible_matches(self, message: Message, *, sender: Customer | None) -> tuple[Hint, ...]:
        return possible_matches(message, sender=sender)


MAX_ACTIVE = 20  # active cases of one customer looked at: followup and same_topic need few
LIVE = LiveFacts()


def choose_case(message: Message, facts: Facts | None = None) -> Route:
    facts = facts or LIVE
    intent = guess_intent(message.subject, message.text)
    linked, rule = _linked_case(message, facts)
    if linked is not None:
        route = _onto(linked, rule=rule, intent=intent)
        return _with_proof(message, route, linked, rule, facts)
    known = facts.identify(message.sender)
    route = _route_known(message, known, intent, facts)
    if route.customer is None or route.customer.is_prospect:
        return replace(route, hints=facts.possible_matches(message, sender=route.customer))
    return route


def _route_known(message: Message, known: Customer | None, intent: str, facts: Facts) -> Route:
    claimed = facts.case_by_reference(message.case_reference) if message.case_reference else None
    if claimed is not None and known is not None and claimed.customer_id == known.pk:
        return _onto(claimed, rule="reference", intent=intent)
    if known is not None:
        active = facts.active_cases(known)
        if len(active) == 1 and is_followup(message.subject, message.text):
            return Route("followup", known, active[0], active[0].intent)
        same = [c for c in active if c.intent == intent]
        if intent not in {Intent.OTHER, Intent.FOLLOWUP} and len(same) == 1:
            return Route("same_topic", known, same[0], intent)
    rule = "unverified_reference" if message.case_reference else "new_case"
    return Route(rule, known, None, intent)


def _with_proof(message: Message, route: Route, linked: Case, rule: str, facts: Facts) -> Route:
    """A reply or a valid tracking link proves the sender follows `linked`: if their
    address is a prospect's, that prospect is the same person as the case's customer."""
    if linked.customer.is_prospect:
        # Linked to a prospect's own case (our question answered): still unidentified.
        return replace(route, hints=facts.possible_matches(message, sender=linked.customer))
    sender = facts.identify(message.sender)
    if sender is None or not sender.is_prospect or sender.pk == linked.customer_id:
        return route
    proof = Hint(rule, linked.customer, linked, linked.reference)
    return replace(route, hints=(proof,), prospect=sender)


def _onto(case: Case, *, rule: str, intent: str) -> Route:
    if case.is_open:
        return Route(rule, case.customer, case, intent)
    return Route("after_closed", case.customer, None, intent)


def _linked_case(message: Message, facts: Facts) -> tuple[Case | None, str]:
    ids = message.thread_ids
    if ids:
        known = facts.thread_cases(message.channel, ids)
        for message_id in ids:  # nearest ancestor first
            if message_id in known:
                return facts.case_by_pk(known[message_id]), "reply"
    if message.tracking_token:
        case = facts.case_by_reference(message.tracking_reference)
        if case is not None and check_tracking_token(case, message.tracking_token):
            return case, "tracking_token"
    return None, ""
