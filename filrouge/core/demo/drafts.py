"""A case being written in memory, step by step, exactly as the case services would write it.

`CaseDraft` mirrors `filrouge.cases.services`: each method appends the event
that service records (same kind, visibility, actor and `data` keys), moves the
derived fields of the case row the same way (status, owner, team, priority,
escalation, version, updated_at), and refuses what the service refuses — an
illegal status transition is a bug in a story, not demo data. Time moves
forward with `wait`; a step that would land after "now" raises `Cutoff`, which
is how recent cases end up still open.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from random import Random
from typing import Any
from zoneinfo import ZoneInfo

from filrouge.cases.models import TRANSITIONS, Event, Priority
from filrouge.core.demo.catalogue import MONTHS, WEEKDAYS

PARIS = ZoneInfo("Europe/Paris")
PUBLIC = Event.Visibility.PUBLIC.value
INTERNAL = Event.Visibility.INTERNAL.value
ACK, PROGRESS, PENDING, HELD = "acknowledged", "inProgress", "pending", "held"
RESOLVED, CLOSED, REJECTED, CANCELLED = "resolved", "closed", "rejected", "cancelled"
TERMINAL = frozenset({CLOSED, REJECTED, CANCELLED})


class Cutoff(Exception):
    """The story has reached the present: the case stays as it is now."""


@dataclass(eq=False)
class TeamInfo:
    id: int
    slug: str
    name: str
    lead: "Staff | None" = None


@dataclass(eq=False)
class Staff:
    id: int
    name: str
    team: TeamInfo | None
    phone: str = ""


@dataclass(eq=False)
class PromiseDraft:
    id: int
    description: str
    made_by: Staff
    made_at: datetime
    due_at: datetime
    state: str = "open"
    settled_at: datetime | None = None
    settled_by: Staff | None = None


# (kind, visibility, actor id, actor label, channel, data, at)
EventRow = tuple[str, str, int | None, str, str, dict[str, Any], datetime]


def french_day(moment: datetime) -> str:
    local = moment.astimezone(PARIS)
    return f"{WEEKDAYS[local.weekday()]} {local.day} {MONTHS[local.month - 1]}"


def office_time(moment: datetime, rng: Random) -> datetime:
    """Advisors work 8:30–19:00, Monday to Saturday: later work waits for the next morning."""
    local = moment.astimezone(PARIS)
    if local.hour < 8 or (local.hour == 8 and local.minute < 30):
        local = local.replace(hour=8, minute=30 + rng.randrange(30), second=rng.randrange(60))
    elif local.hour >= 19:
        local = (local + timedelta(days=1)).replace(hour=9, minute=rng.randrange(50))
    if local.weekday() == 6:
        local = (local + timedelta(days=1)).replace(hour=9, minute=rng.randrange(50))
    return local.astimezone(UTC)


@dataclass(eq=False)
class CaseDraft:
    id: int
    customer_id: int
    line_id: int | None
    intent: str
    rng: Random
    now: datetime
    at: datetime
    promise_ids: Iterator[int]
    office_hours: bool = True  # scripted cases set their own times
    status: str = ACK
    subject: str = ""
    channel: str = ""
    owner: Staff | None = None
    team: TeamInfo | None = None
    priority: int = Priority.NORMAL
    version: int = 1
    created_at: datetime | None = None
    escalated_at: datetime | None = None
    resolved_at: datetime | None = None
    next_step: str = ""
    next_step_due: datetime | None = None
    events: list[EventRow] = field(default_factory=list)
    promises: list[PromiseDraft] = field(default_factory=list)

    # Time ------------------------------------------------------------------
    def wait(self, low_minutes: float, high_minutes: float) -> datetime:
        """Let time pass; stop the story if that reaches the present."""
        self.at += timedelta(minutes=self.rng.uniform(low_minutes, high_minutes))
        if self.at >= self.now:
            raise Cutoff
        return self.at

    def to_office_hours(self) -> datetime:
        """An advisor acts a few minutes after the previous step, within office hours."""
        if self.office_hours:
            self.at = office_time(self.at + timedelta(minutes=self.rng.uniform(1, 9)), self.rng)
        if self.at >= self.now:
            raise Cutoff
        return self.at

    def _event(self, kind, visibility, *, actor=None, label="", channel="", data=None, at=None):
        self.events.append(
            (
                kind,
                visibility,
                actor.id if actor else None,
                label,
                channel,
                data or {},
                at or self.at,
            )
        )

    def _touch(self) -> None:
        self.version += 1

    # Services --------------------------------------------------------------
    def open(self, *, subject, channel, by=None, owner=None, team=None, priority=2, message=""):
        """`open_case`: opened, the first contact's words, the owner if any — all at once."""
        self.subject, self.channel, self.priority = subject[:200], channel, priority
        self.owner, self.team = owner, team or (owner.team if owner else None)
        self.created_at = self.at
        label = "" if by else "customer"
        self._event(
            "case_opened",
            PUBLIC,
            actor=by,
            label=label,
            channel=channel,
            data={"subject": self.subject},
        )
        if message:
            self._event(
                "message_in", PUBLIC, label="customer", channel=channel, data={"body": message}
            )
        if owner is not None:
            self._event(
                "assigned", INTERNAL, actor=by, data={"to": owner.id, "to_name": owner.name}
            )

    def says(self, body: str, *, channel: str | None = None, sender: str = "customer") -> None:
        """`receive_message`: a reply reopens a resolved case and ends a wait on the customer."""
        if self.status in TERMINAL:
            raise Cutoff  # a closed case is never written to; a new case would be opened
        self._touch()
        self._event(
            "message_in", PUBLIC, label=sender, channel=channel or self.channel, data={"body": body}
        )
        if self.status in (RESOLVED, PENDING):
            self.set_status(PROGRESS, by=None, reason="customer_replied", office=False)

    def reply(self, body: str, *, by: Staff | None = None, channel: str | None = None) -> None:
        by = by or self._someone()
        self.to_office_hours()
        self._touch()
        self._event(
            "message_out", PUBLIC, actor=by, channel=channel or self.channel, data={"body": body}
        )

    def note(self, body: str, *, by: Staff | None = None) -> None:
        by = by or self._someone()
        self.to_office_hours()
        self._touch()
        self._event("note", INTERNAL, actor=by, data={"body": body})

    def set_status(self, to: str, *, by: Staff | None, reason: str = "", office=True) -> None:
        if to == self.status or to not in TRANSITIONS[self.status]:
            raise AssertionError(f"story bug: {self.status} → {to}")
        if office and by is not None:
            self.to_office_hours()
        previous, self.status = self.status, to
        if to == RESOLVED:
            self.resolved_at = self.at
        elif previous == RESOLVED:
            self.resolved_at = None
        self._touch()
        self._event(
            "status_changed",
            PUBLIC,
            actor=by,
            label="" if by else "system",
            data={"from": previous, "to": to, "reason": reason},
        )

    def assign(self, to: Staff, *, by: Staff) -> None:
        self.to_office_hours()
        self.owner, self.team = to, self.team or to.team
        self._touch()
        self._event("assigned", INTERNAL, actor=by, data={"to": to.id, "to_name": to.name})

    def hand_over(self, to: Staff, *, by: Staff, note: str, team: TeamInfo | None = None) -> None:
        self.to_office_hours()
        previous = self.owner
        self.owner, self.team = to, team or to.team or self.team
        self._touch()
        self._event(
            "handover",
            INTERNAL,
            actor=by,
            data={
                "from": previous.id if previous else None,
                "from_name": previous.name if previous else "",
                "to": to.id,
                "to_name": to.name,
                "team": self.team.name if self.team else "",
                "note": note,
            },
        )

    def set_next_step(self, text: str, *, due: datetime | None, by: Staff | None = None) -> None:
        by = by or self._someone()
        self.to_office_hours()
        self.next_step, self.next_step_due = text[:200], due
        self._touch()
        self._event(
            "next_step",
            PUBLIC,
            actor=by,
            data={"text": self.next_step, "due": due.isoformat() if due else None},
        )

    def correct_intent(self, to: str, *, by: Staff) -> None:
        self.to_office_hours()
        previous, self.intent = self.intent, to
        self._touch()
        self._event("intent_changed", INTERNAL, actor=by, data={"from": previous, "to": to})

    def promise(
        self, description: str, *, due: datetime, by: Staff | None = None, aligned: bool = False
    ) -> PromiseDraft:
        """`make_promise`; `aligned`: the caller already moved time to this advisor's action."""
        by = by or self._someone()
        if not aligned:
            self.to_office_hours()
        if self.status in TERMINAL or due <= self.at:
            raise AssertionError("story bug: promise on a closed case or in the past")
        made = PromiseDraft(next(self.promise_ids), description[:200], by, self.at, due)
        self.promises.append(made)
        self._touch()
        self._event(
            "promise_made",
            PUBLIC,
            actor=by,
            data={
                "promise": made.id,
                "description": made.description,
                "due": due.isoformat(),
            },
        )
        return made

    def keep(self, promise: PromiseDraft, *, by: Staff | None = None) -> None:
        by = by or self._someone()
        self.to_office_hours()
        if self.at >= promise.due_at:
            self.break_overdue(promise)
            return
        promise.state, promise.settled_at, promise.settled_by = "kept", self.at, by
        self._touch()
        self._event(
            "promise_kept",
            PUBLIC,
            actor=by,
            data={"promise": promise.id, "description": promise.description},
        )

    def break_overdue(self, promise: PromiseDraft) -> None:
        """What the sweep does a few minutes after the due time: broken, then escalated."""
        at = promise.due_at + timedelta(minutes=self.rng.uniform(1, 15))
        if at >= self.now:
            raise Cutoff
        self.at = max(self.at, at)
        promise.state, promise.settled_at = "broken", at
        self._event(
            "promise_broken",
            PUBLIC,
            label="system",
            at=at,
            data={
                "promise": promise.id,
                "description": promise.description,
                "due": promise.due_at.isoformat(),
                "reason": "overdue",
            },
        )
        self._escalate("promise_broken", at=at)

    def _escalate(self, why: str, *, at: datetime) -> None:
        previous = self.priority
        self.priority = min(Priority.URGENT, max(self.priority + 1, Priority.HIGH))
        self.escalated_at = self.escalated_at or at
        self._touch()
        team = self.owner.team if self.owner and self.owner.team else self.team
        lead = team.lead if team else None
        self._event(
            "escalated",
            INTERNAL,
            label="system",
            at=at,
            data={
                "why": why,
                "priority_from": previous,
                "priority_to": self.priority,
                "lead": lead.id if lead else None,
                "lead_name": lead.name if lead else "",
            },
        )

    def settle_overdue(self) -> None:
        """At the end of a story, promises whose due time has passed were broken by the sweep."""
        for promise in self.promises:
            if promise.state == "open" and promise.due_at < self.now - timedelta(minutes=15):
                try:
                    self.break_overdue(promise)
                except Cutoff:
                    return

    def _someone(self) -> Staff:
        if self.owner is None:
            raise AssertionError("story bug: an action needs an advisor")
        return self.owner

    @property
    def updated_at(self) -> datetime:
        return max(e[6] for e in self.events)
