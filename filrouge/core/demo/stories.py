"""What happens to a demo case, from first contact to its end (or to today).

`tell` opens the case on its first channel with the customer's own words,
routes it to a team, then follows one of a few paths seen in real care
services: answered at once; a promise made and kept; a promise missed, broken
by the sweep and escalated; handed over to another team; waiting on the
customer or on a partner; resolved then reopened; rejected or withdrawn; and,
rarely, the long saga of STORIES.md C2 where advisors answer in turn.
"""

import bisect
import functools
import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta
from random import Random

from filrouge.core.demo import catalogue as cat
from filrouge.core.demo.drafts import (
    ACK,
    CANCELLED,
    CLOSED,
    HELD,
    PARIS,
    PENDING,
    PROGRESS,
    REJECTED,
    RESOLVED,
    CaseDraft,
    Cutoff,
    Staff,
    TeamInfo,
    french_day,
)

AGENT_CHANNELS = frozenset({"phone", "shop"})  # an advisor types the first contact in
ROUTES = {"outage": "support-fibre", "equipment": "support-fibre", "appointment": "support-fibre"}
PATHS = (
    ("quick", 22),
    ("kept", 22),
    ("broken", 10),
    ("handover", 14),
    ("pending", 12),
    ("held", 8),
    ("reopened", 5),
    ("rejected", 2),
    ("cancelled", 3),
)


@dataclass(eq=False)
class Facts:
    """What a story may say about the customer (filled into the message templates)."""

    first_name: str
    phone: str
    address: str
    commune: str
    old_address: str
    cable: str
    line: str
    neighbours: int = 0


class StaffBook:
    def __init__(self, teams: dict[str, TeamInfo], agents: dict[str, list[Staff]]):
        self.teams, self.agents = teams, agents

    def pick(self, slug: str, rng: Random, *, besides: Staff | None = None) -> Staff:
        pool = self.agents[slug]
        choice = rng.choice(pool)
        if choice is besides and len(pool) > 1:
            choice = pool[(pool.index(choice) + 1) % len(pool)]
        return choice


@functools.cache
def _cumulative(options: tuple[tuple[str, int], ...]) -> tuple[tuple[str, ...], list[int], int]:
    values, weights = zip(*options, strict=True)
    cumulative = list(itertools.accumulate(weights))
    return values, cumulative, cumulative[-1]


def weighted(rng: Random, options: tuple[tuple[str, int], ...]) -> str:
    """`rng.choices(values, weights)[0]`, without rebuilding the weights at every draw."""
    values, cumulative, total = _cumulative(options)
    return values[bisect.bisect(cumulative, rng.random() * total)]


def euros(rng: Random) -> str:
    return f"{rng.uniform(19, 240):.2f}".replace(".", ",")


class Words(dict):
    """Template words, each computed the first time a message needs it."""

    def __init__(self, story: "Story"):
        super().__init__()
        self.story = story

    def __missing__(self, key: str) -> str:
        story, facts, rng = self.story, self.story.facts, self.story.rng
        at = story.d.at
        owner = story.d.owner
        if key in ("conseiller", "ligne_conseiller"):  # whoever owns the case now
            return (owner.name if key == "conseiller" else owner.phone) if owner else ""
        value = {
            "prenom": lambda: facts.first_name,
            "adresse": lambda: facts.address,
            "ville": lambda: facts.commune,
            "ancienne_adresse": lambda: facts.old_address or facts.address,
            "cable": lambda: facts.cable or "—",
            "telephone": lambda: facts.phone,
            "ligne": lambda: facts.line,
            "montant": lambda: euros(rng),
            "de_mois": lambda: _of(cat.MONTHS[(at.astimezone(PARIS).month - 2) % 12]),
            "depuis": lambda: rng.choice(("hier soir", "ce matin", "lundi", "3 jours", "samedi")),
            "jour": lambda: french_day(at + timedelta(days=rng.randint(1, 5))),
            "jours": lambda: str(rng.randint(3, 21)),
            "date_demenagement": lambda: french_day(at + timedelta(days=rng.randint(5, 30))),
            "voisins": lambda: str(max(facts.neighbours, 2)),
        }[key]()
        self[key] = value
        return value


class Story:
    def __init__(self, draft: CaseDraft, facts: Facts, staff: StaffBook, channel: str):
        self.d, self.facts, self.staff, self.channel = draft, facts, staff, channel
        self.rng = draft.rng
        self.words = Words(self)

    def fill(self, text: str, **extra: str) -> str:
        if "{" not in text:
            return text
        self.words.update(extra)
        return text.format_map(self.words)

    def pick(self, texts) -> str:
        return self.fill(self.rng.choice(texts))

    # The plot -----------------------------------------------------------------
    def tell(self, *, path: str | None = None, saga_rounds: int = 0) -> None:
        d, rng = self.d, self.rng
        try:
            self.first_contact()
            path = path or ("saga" if saga_rounds else weighted(rng, PATHS))
            if path == "rejected":
                d.wait(10, 600)
                d.set_status(REJECTED, by=self.owner(), reason="duplicate")
                return
            self.take_up()
            if path == "saga":
                self.path_saga(saga_rounds)
            else:
                getattr(self, f"path_{path}")()
        except Cutoff:
            pass
        finally:
            d.settle_overdue()

    def first_contact(self) -> None:
        d, rng, intent = self.d, self.rng, self.d.intent
        channel = self.channel
        slug = {"shop": "boutique-bastille", "social": "reseaux-sociaux"}.get(
            channel
        ) or ROUTES.get(intent, "service-clients")
        agent = self.staff.pick(slug, rng)
        by = agent if channel in AGENT_CHANNELS else None
        owner = agent if by or rng.random() < 0.8 else None
        priority = 3 if intent in ("outage", "complaint") and rng.random() < 0.4 else 2
        if intent == "cancellation" and rng.random() < 0.5:
            priority = 1
        d.open(
            subject=self.pick(cat.SUBJECTS[intent]),
            channel=channel,
            by=by,
            owner=owner,
            team=agent.team,
            priority=priority,
            message=self.pick(cat.MESSAGES_IN[intent]),
        )

    def owner(self) -> Staff:
        return self.d.owner or self.staff.pick(self.d.team.slug, self.rng)

    def take_up(self) -> None:
        """Someone takes the case and starts working: assigned if needed, first answer."""
        d = self.d
        d.wait(5, 300)
        if d.owner is None:
            agent = self.staff.pick(d.team.slug, self.rng)
            d.assign(agent, by=agent)
        d.set_status(PROGRESS, by=d.owner)
        if self.rng.random() < 0.7:
            d.reply(self.pick(cat.MESSAGES_OUT[d.intent]))
        if self.rng.random() < 0.3:
            d.note(self.pick(cat.NOTES[d.intent]))

    def customer_writes(self, texts=cat.ANGRY_FOLLOWUPS) -> None:
        channel = self.channel if self.channel not in AGENT_CHANNELS else "sms"
        self.d.says(self.pick(texts), channel=channel)

    def resolve_and_close(self) -> None:
        d = self.d
        d.wait(30, 2_000)
        if self.rng.random() < 0.35:
            self.customer_writes(cat.THANKS)
            d.wait(10, 240)
        d.reply(self.pick(cat.RESOLVED_REPLIES))
        d.set_status(RESOLVED, by=d.owner, reason="fixed")
        d.wait(7 * 1440, 9 * 1440)
        d.set_status(CLOSED, by=None, reason="no_reply")

    def make_promise(self, *, by: Staff | None = None):
        d = self.d
        text, days, hour = self.rng.choice(cat.PROMISES[d.intent])
        d.to_office_hours()
        due = (d.at + timedelta(days=days)).astimezone(PARIS)
        due = due.replace(hour=hour, minute=0, second=0, microsecond=0).astimezone(d.at.tzinfo)
        if due <= d.at:
            due = d.at + timedelta(hours=days * 24)
        promise = d.promise(self.fill(text, jour=french_day(due)), due=due, by=by, aligned=True)
        if self.rng.random() < 0.5:
            d.set_next_step(cat.NEXT_STEPS[d.intent], due=due, by=by)
        return promise

    def wait_until_before(self, moment: datetime) -> None:
        """Time passes, but the next step happens before `moment` (if the present allows)."""
        span = (moment - self.d.at).total_seconds() / 60
        self.d.wait(span * 0.2, span * 0.9)

    # Paths --------------------------------------------------------------------
    def path_quick(self) -> None:
        self.resolve_and_close()

    def path_kept(self) -> None:
        d = self.d
        promise = self.make_promise()
        if self.rng.random() < 0.4:
            d.wait(60, 1440)
            self.customer_writes(cat.MESSAGES_IN["followup"])
        self.wait_until_before(promise.due_at)
        d.keep(promise)
        self.resolve_and_close()

    def path_broken(self) -> None:
        d = self.d
        promise = self.make_promise()
        minutes_left = (promise.due_at - d.at).total_seconds() / 60
        d.wait(minutes_left + 1, minutes_left + 2)
        d.break_overdue(promise)
        d.wait(30, 1_200)
        self.customer_writes()
        to = self.staff.pick(
            "litiges" if d.intent == "billing" else d.team.slug, self.rng, besides=d.owner
        )
        d.hand_over(to, by=d.owner, note=self.pick(cat.HANDOVER_NOTES))
        d.reply(self.pick(cat.MESSAGES_OUT["followup"]))
        second = self.make_promise()
        self.wait_until_before(second.due_at)
        d.keep(second)
        self.resolve_and_close()

    def path_handover(self) -> None:
        d = self.d
        d.note(self.pick(cat.NOTES[d.intent]))
        slug = self.rng.choice([s for s in self.staff.teams if s != d.team.slug])
        to = self.staff.pick(slug, self.rng)
        d.hand_over(to, by=d.owner, note=self.pick(cat.HANDOVER_NOTES))
        d.wait(30, 900)
        d.reply(self.pick(cat.MESSAGES_OUT[d.intent]))
        if self.rng.random() < 0.5:
            promise = self.make_promise()
            self.wait_until_before(promise.due_at)
            d.keep(promise)
        self.resolve_and_close()

    def path_pending(self) -> None:
        d = self.d
        d.reply(
            "Pour avancer, pouvez-vous nous envoyer une photo de la box et votre dernière facture ?"
        )
        d.set_status(PENDING, by=d.owner, reason="waiting_customer")
        d.wait(60, 4 * 1440)
        self.customer_writes(("Voilà les photos.", "ci-joint la facture", "Envoyé par e-mail."))
        self.resolve_and_close()

    def path_held(self) -> None:
        d = self.d
        d.note("En attente de l'opérateur d'infrastructure (ticket partenaire ouvert).")
        d.set_status(HELD, by=d.owner, reason="waiting_partner")
        d.set_next_step(cat.NEXT_STEPS[d.intent], due=d.at + timedelta(days=5))
        d.wait(1440, 10 * 1440)
        d.note("Retour de l'opérateur d'infrastructure : intervention réalisée.")
        d.set_status(PROGRESS, by=d.owner, reason="partner_done")
        self.resolve_and_close()

    def path_reopened(self) -> None:
        d = self.d
        d.wait(60, 1440)
        d.set_status(RESOLVED, by=d.owner, reason="fixed")
        d.wait(120, 2 * 1440)
        self.customer_writes(("Non, toujours pas résolu.", "ça recommence depuis ce matin"))
        d.reply(self.pick(cat.MESSAGES_OUT[d.intent]))
        self.resolve_and_close()

    def path_cancelled(self) -> None:
        d = self.d
        d.wait(60, 1440)
        self.customer_writes(
            ("Finalement c'est revenu tout seul, vous pouvez annuler.", "laissez tomber c bon")
        )
        d.set_status(CANCELLED, by=d.owner, reason="customer_withdrew")

    def path_saga(self, rounds: int) -> None:
        """STORIES C2: weeks of messages answered by advisors in turn, until one owns it."""
        d = self.d
        slug = d.team.slug
        for n in range(rounds):
            self.customer_writes(cat.ANGRY_FOLLOWUPS + cat.MESSAGES_IN[d.intent])
            d.wait(20, 240)
            agent = self.staff.pick(slug, self.rng)
            d.reply(self.pick(cat.MESSAGES_OUT[d.intent]), by=agent)
            if n % 7 == 3:
                d.note(self.pick(cat.NOTES[d.intent]), by=agent)
            if n % 10 == 5 and d.status == PROGRESS:
                promise = self.make_promise(by=agent)
                d.wait(60, 600)
                if self.rng.random() < 0.5 and d.at < promise.due_at:
                    d.keep(promise, by=agent)
            d.wait(120, 900)
        to = self.staff.pick(slug, self.rng, besides=d.owner)
        d.hand_over(
            to,
            by=d.owner,
            note="Je prends ce dossier jusqu'au bout : un seul interlocuteur désormais.",
        )
        self.resolve_and_close()


__all__ = ["ACK", "Facts", "StaffBook", "Story", "weighted"]


def _of(month: str) -> str:
    """ "de mars", "d’octobre": French elides "de" before a vowel."""
    return f"d’{month}" if month[0] in "aeiouAEIOU" else f"de {month}"
