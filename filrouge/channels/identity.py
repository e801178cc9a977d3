"""Who wrote: a sender matched to a customer on exact, normalised contact points only.

A display name, a line or account number, a similar address or a guessable
case reference are weak signals: they never attach a message to a customer.
An unknown sender gets a prospect file of their own; the weak signals become
`Hint`s (`possible_matches`), recorded on the prospect's case as a possible
match (`suggest_merge`) for an advisor to confirm by merging the prospect into
the real customer (`customers.merge.merge_prospect`).
"""

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from filrouge.cases.models import ACTIVE_STATUSES, Case, Event
from filrouge.cases.services import record_event
from filrouge.channels.message import Message, Sender
from filrouge.customers.merge import live_customer
from filrouge.customers.models import ContactPoint, Customer, Line
from filrouge.customers.normalise import InvalidContact, fold, normalise_phone
from filrouge.customers.services import (
    CustomerError,
    add_contact_point,
    normalise_contact,
    search_name_for,
)

# Words with a digit, 6 to 20 letters and digits: line ("FTTH00000042") or account numbers.
_NUMBER = re.compile(r"\b(?=[A-Z]*\d)[A-Z0-9]{6,20}\b", re.IGNORECASE)
# A French phone number as people type it: "06 12 34 56 78", "+33 6 12 34 56 78", "0612345678".
_PHONE = re.compile(r"(?<![\d+])(?:\+33[\s.]?|0033[\s.]?|0)[1-9](?:[\s.\-]?\d{2}){4}(?!\d)")
MAX_NUMBERS = 10  # numbers looked up per message: a message full of digits costs no more


@dataclass(frozen=True)
class Hint:
    """A signal that the sender may be an existing customer. Shown to an advisor, never acted on.

    `because`: "reference", "line", "account", "phone", "name" (weak), or
    "tracking_token", "reply" (the sender proved they follow that case).
    """

    because: str
    customer: Customer
    case: Case | None
    value: str


def identify(sender: Sender) -> Customer | None:
    """The customer owning one of the sender's exact contact points, or None.

    Contact points are unique per kind, so each lookup finds at most one owner;
    the kinds are tried from the most to the least specific the channel gave.
    """
    for kind, value in (
        (ContactPoint.Kind.EMAIL, sender.email),
        (ContactPoint.Kind.PHONE, sender.phone),
        (ContactPoint.Kind.SOCIAL, sender.handle),
    ):
        if not value:
            continue
        point = ContactPoint.objects.select_related("customer").filter(kind=kind, value=value)
        if found := point.first():
            return found.customer
    return None


def create_prospect(sender: Sender) -> Customer:
    """A customer file for an unknown sender, holding their address so the next message matches.

    If another worker created it meanwhile (same sender, two messages at once),
    theirs is returned and ours is rolled back.
    """
    if not sender.address:
        raise CustomerError(_("A message without a sender cannot be attributed."))
    try:
        with transaction.atomic():
            customer = new_prospect(sender)
            customer.save(force_insert=True)
            kind = _kind_of(sender)
            add_contact_point(customer, kind=kind, value=sender.address, primary=True)
            return customer
    except CustomerError:
        existing = identify(sender)
        if existing is None:
            raise
        return existing


def new_prospect(sender: Sender) -> Customer:
    """The (unsaved) prospect file `create_prospect` makes for an unknown sender."""
    first, last = _split_name(sender)
    return Customer(
        account_number=f"P{secrets.token_hex(6).upper()}",
        first_name=first,
        last_name=last,
        search_name=search_name_for(first, last),
        is_prospect=True,
        preferred_channel=_channel_of(sender),
    )


def new_prospects(senders: Sequence[Sender]) -> list[Customer]:
    """Prospect files for unknown senders (distinct addresses, none empty), created together
    with their contact points: what `create_prospect` does for each, in two inserts.

    A sender whose address another transaction just took fails the whole insert
    (IntegrityError): the caller files those messages one by one instead.
    """
    customers = Customer.objects.bulk_create([new_prospect(s) for s in senders])
    ContactPoint.objects.bulk_create(
        [
            ContactPoint(
                customer=customer,
                kind=_kind_of(sender),
                value=normalise_contact(_kind_of(sender), sender.address),
                is_primary=True,
            )
            for customer, sender in zip(customers, senders, strict=True)
        ]
    )
    return customers


def _split_name(sender: Sender) -> tuple[str, str]:
    words = sender.name.replace('"', "").split()
    if len(words) >= 2:
        return " ".join(words[:-1])[:80], words[-1][:80]
    if words:
        return "", words[0][:80]
    return "", sender.address[:80]


def _kind_of(sender: Sender) -> str:
    if sender.email:
        return ContactPoint.Kind.EMAIL
    return ContactPoint.Kind.PHONE if sender.phone else ContactPoint.Kind.SOCIAL


def _channel_of(sender: Sender) -> str:
    if sender.email:
        return "email"
    return "sms" if sender.phone else "social"


def settle_prospect(customer: Customer) -> Customer:
    """The customer a message of an unidentified sender should land on, under a row lock.

    An advisor may have merged the prospect while the message was being routed:
    the lock waits for that merge, after which `merged_into` names the customer.
    """
    if not customer.is_prospect:
        return customer
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    return live_customer(locked)


def possible_matches(
    message: Message, *, sender: Customer | None, index: "MatchIndex | None" = None
) -> tuple[Hint, ...]:
    """Existing customers (and cases) the message's weak signals point to, strongest first.

    Only real customers are suggested (never a prospect, nor the sender's own file),
    each (customer, case) once. `index`: the lookups done for many messages at once
    (`MatchIndex`, the batch filing's); without it, this message's alone.
    """
    found_in = clues(message)
    index = index if index is not None and index.covers(found_in) else MatchIndex([found_in])
    hints, seen = [], set()
    for hint in index.hints(found_in):
        key = (hint.customer.pk, hint.case.pk if hint.case else None)
        if hint.customer.is_prospect or hint.customer.merged_into_id or key in seen:
            continue
        if sender is not None and hint.customer.pk == sender.pk:
            continue
        seen.add(key)
        hints.append(hint)
    return tuple(hints)


@dataclass(frozen=True)
class Clues:
    """A message's weak signals, as looked up: references, numbers, the sender's name."""

    references: tuple[str, ...]  # the case and tracking references, once each
    phones: tuple[str, ...]  # E.164 numbers typed in the text
    words: tuple[str, ...]  # line or account numbers typed in the text, upper-case
    names: frozenset[str]  # the display name folded, in either order ("last first")
    shown_name: str  # the display name as written, for the hint


def clues(message: Message) -> Clues:
    # A tracking link whose token did not check is no better than a bare reference.
    references = dict.fromkeys(r for r in (message.case_reference, message.tracking_reference) if r)
    text = f"{message.subject}\n{message.text}"
    phones = []
    for typed in _PHONE.findall(text)[:MAX_NUMBERS]:
        try:
            phones.append(normalise_phone(typed))
        except InvalidContact:
            continue
    words = [w.upper() for w in _NUMBER.findall(text)[:MAX_NUMBERS]]
    name_words = message.sender.name.replace('"', "").split()
    names: frozenset[str] = frozenset()
    if len(name_words) >= 2:
        first, last = " ".join(name_words[:-1]), name_words[-1]
        names = frozenset(
            {fold(f"{last} {first}"), fold(f"{name_words[0]} {' '.join(name_words[1:])}")}
        )
    return Clues(tuple(references), tuple(phones), tuple(words), names, " ".join(name_words))


class MatchIndex:
    """The customers, lines, contact points and cases that the clues of many messages
    name, in a fixed number of queries whatever their number (five at most)."""

    def __init__(self, found: Sequence[Clues]) -> None:
        self._references = {r for c in found for r in c.references}
        self._numbers = {n for c in found for n in (*c.phones, *c.words)}
        self._phones = {p for c in found for p in c.phones}
        self._words = {w for c in found for w in c.words}
        self._names = {n for c in found for n in c.names}
        self.cases: dict[str, Case] = {}
        if self._references:
            named = Case.objects.select_related("customer").filter(reference__in=self._references)
            self.cases = {case.reference: case for case in named}
        self.lines: dict[str, Line] = {}
        if self._numbers:
            lines = Line.objects.select_related("customer").filter(number__in=self._numbers)
            self.lines = {line.number: line for line in lines}
        self.accounts: dict[str, Customer] = {}
        if self._words:
            accounts = Customer.objects.filter(account_number__in=self._words)
            self.accounts = {customer.account_number: customer for customer in accounts}
        self.points: dict[str, ContactPoint] = {}
        if self._phones:
            points = ContactPoint.objects.select_related("customer").filter(
                kind=ContactPoint.Kind.PHONE, value__in=self._phones
            )
            self.points = {point.value: point for point in points}
        # Names: who bears each (real customers only), then the files of the names borne
        # by exactly one customer — a name several customers share is no hint at all.
        self._bearers: dict[str, set[int]] = {}
        self._named: dict[int, Customer] = {}
        if self._names:
            bearers = Customer.objects.filter(
                search_name__in=self._names, is_prospect=False, merged_into__isnull=True
            ).values_list("search_name", "pk")
            for name, pk in bearers:
                self._bearers.setdefault(name, set()).add(pk)
            alone = {pk for c in found if len(pks := self._bearing(c)) == 1 for pk in pks}
            self._named = {c.pk: c for c in Customer.objects.filter(pk__in=alone)} if alone else {}

    def covers(self, found: Clues) -> bool:
        """Whether these clues were looked up (asked for a message outside the batch: no)."""
        return (
            self._references.issuperset(found.references)
            and self._phones.issuperset(found.phones)
            and self._words.issuperset(found.words)
            and self._names.issuperset(found.names)
        )

    def _bearing(self, found: Clues) -> set[int]:
        return {pk for name in found.names for pk in self._bearers.get(name, ())}

    def hints(self, found: Clues) -> list[Hint]:
        hints = [
            Hint("reference", case.customer, case, case.reference)
            for r in found.references
            if (case := self.cases.get(r)) is not None
        ]
        lines = {n: self.lines[n] for n in (*found.phones, *found.words) if n in self.lines}
        hints += [Hint("line", line.customer, None, line.number) for line in lines.values()]
        accounts = {w: self.accounts[w] for w in found.words if w in self.accounts}
        hints += [Hint("account", c, None, c.account_number) for c in accounts.values()]
        points = {p: self.points[p] for p in found.phones if p in self.points}
        hints += [Hint("phone", p.customer, None, p.display) for p in points.values()]
        bearing = self._bearing(found)
        if len(bearing) == 1 and (customer := self._named.get(next(iter(bearing)))) is not None:
            hints.append(Hint("name", customer, None, found.shown_name))
        return hints


def suggest_merge(prospect: Customer, hints: tuple[Hint, ...], *, on: Case | None = None) -> int:
    """Record each hint as an internal `possible_match` event on the prospect's case
    (`on`, else their active cases), once per case; returns how many were recorded."""
    cases = [on] if on is not None else _active_cases(prospect)
    recorded = 0
    for case in cases:
        if case.customer_id != prospect.pk:
            continue  # merged meanwhile: nothing to suggest any more
        already = {
            (d.get("customer"), d.get("case"), d.get("because"))
            for d in case.events.filter(kind=Event.Kind.POSSIBLE_MATCH).values_list(
                "data", flat=True
            )
        }
        for hint in hints:
            data = _hint_data(hint)
            if (data["customer"], data["case"], data["because"]) in already:
                continue
            record_event(
                case,
                kind=Event.Kind.POSSIBLE_MATCH,
                visibility=Event.Visibility.INTERNAL,
                actor_label="system",
                data=data,
            )
            recorded += 1
    return recorded


def _active_cases(prospect: Customer) -> list[Case]:
    cases = Case.objects.filter(customer=prospect, status__in=ACTIVE_STATUSES)
    return list(cases.order_by("-updated_at")[:5])


def _hint_data(hint: Hint) -> dict[str, Any]:
    return {
        "customer": hint.customer.pk,
        "name": hint.customer.full_name,
        "account": hint.customer.account_number,
        "case": hint.case.pk if hint.case else None,
        "case_reference": hint.case.reference if hint.case else "",
        "because": hint.because,
        "value": hint.value,
    }
