"""Load the demo operator: network, customers, then cases in the order they were opened.

Cases are planned first (who, when, why, on which channel), sorted by opening
time, and given references from `allocate_references` — one range per year —
so references grow with time and later real cases never collide. Each case is
then told by a story and written with its events and promises in bulk.
"""

import itertools
import secrets
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from random import Random

from django.db import connection
from tqdm import tqdm

from filrouge.cases.models import Case, Event, Promise
from filrouge.cases.services import allocate_references
from filrouge.core.clock import now as clock_now
from filrouge.core.demo import catalogue as cat
from filrouge.core.demo.drafts import CaseDraft
from filrouge.core.demo.showcase import DESCRIPTIONS, SCRIPTS, STARTS
from filrouge.core.demo.stories import Facts, StaffBook, Story, weighted
from filrouge.core.demo.world import CustomerFactory, Person, build_network
from filrouge.core.demo.writer import (
    BulkWriter,
    indexes_dropped,
    next_id,
    postgresql_bulk_settings,
)
from filrouge.customers.models import Address, ContactPoint, Customer, Line
from filrouge.network.models import Area, NetworkElement

TABLES = [
    (Area, ["id", "postcode", "commune", "insee_code"]),
    (NetworkElement, ["id", "kind", "code", "name", "parent", "path"]),
    (NetworkElement.areas.through, ["id", "networkelement", "area"]),
    (
        Customer,
        [
            "id",
            "account_number",
            "first_name",
            "last_name",
            "search_name",
            "preferred_channel",
            "created_at",
        ],
    ),
    (ContactPoint, ["id", "customer", "kind", "value", "is_primary", "created_at"]),
    (
        Address,
        ["id", "customer", "line1", "line2", "postcode", "commune", "valid_from", "valid_to"],
    ),
    (
        Line,
        [
            "id",
            "customer",
            "number",
            "product",
            "status",
            "service_address",
            "network_element",
            "activated_on",
        ],
    ),
    (
        Case,
        [
            "id",
            "reference",
            "customer",
            "line",
            "subject",
            "intent",
            "status",
            "priority",
            "owner",
            "team",
            "channel",
            "next_step",
            "next_step_due",
            "escalated_at",
            "tracking_nonce",
            "version",
            "created_at",
            "updated_at",
            "resolved_at",
        ],
    ),
    (
        Promise,
        [
            "id",
            "case",
            "description",
            "made_by",
            "made_at",
            "due_at",
            "state",
            "settled_at",
            "settled_by",
        ],
    ),
    (
        Event,
        [
            "id",
            "case",
            "customer",
            "kind",
            "channel",
            "actor",
            "actor_label",
            "visibility",
            "data",
            "created_at",
        ],
    ),
]
FIRST_CHANNELS = tuple((c, w) for c, w in cat.CHANNELS if c != "technician")
OUTAGE_CLUSTER_SHARE = 0.04  # cables that have a fault during the year
# One planned case: (opening time, person index, intent, first channel, path).
Plan = tuple[float, int, str, str, str]


@dataclass
class Options:
    customers: int
    seed: int = 2026
    cases_per_customer: float = 1.5
    saga_share: float = 0.002  # cases that turn into a long saga (STORIES C2)
    saga_rounds: tuple[int, int] = (12, 40)  # × ~3 events per round
    progress: bool = True
    batch: int = 20_000


@dataclass
class Summary:
    counts: dict[str, int]
    seconds: float
    showcase: list[tuple[str, str]] = field(default_factory=list)  # (reference, description)


def load(options: Options, staff: StaffBook, agents: dict[str, "object"]) -> Summary:
    """Write the demo in the current transaction; `agents` maps "agent1"… to Staff."""
    started = time.monotonic()
    rng = Random(options.seed)
    now = clock_now()
    writer = BulkWriter(TABLES, batch=options.batch)
    big = [m for m, _ in TABLES[3:]]
    rebuild = options.customers >= 10_000 and Customer.objects.count() < options.customers
    if rebuild:
        postgresql_bulk_settings()
    with indexes_dropped(big if rebuild else []):
        network = build_network(writer, options.customers)
        people, plan = _customers(writer, network, rng, now, options)
        plan.extend(_outages(network, people, rng, now))
        plan.sort()
        showcase = _tell(writer, plan, people, staff, agents, rng, now, options)
        writer.finish()
        if rebuild and options.progress:
            print("Rebuilding indexes…", flush=True)  # noqa: T201
    if rebuild:
        _analyze([m for m, _ in TABLES])
    counts = {
        m._meta.verbose_name_plural: n
        for m, n in writer.counts.items()
        if n and not m._meta.auto_created  # not the element ↔ area link table
    }
    counts = {str(k): v for k, v in counts.items()}
    return Summary(counts, time.monotonic() - started, showcase)


def _analyze(models_) -> None:
    """Fresh planner statistics after a big load (PostgreSQL): until autovacuum comes by —
    or never, where it is off — the planner would see the tables as they were before it
    (empty) and choose plans that read a whole index for a one-row look-up."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models_:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def _customers(writer, network, rng, now, options) -> tuple[list[Person], list[Plan]]:
    factory = CustomerFactory(writer, network, rng, now)
    people: list[Person] = []
    plan: list[Plan] = []
    first_number = Customer.objects.filter(account_number__startswith="DEMO").count() + 1
    paris = cat.COMMUNES[0]
    showcase_people = {0: ("full", "delivery"), 1: ("outage",), 2: ("billing",), 3: ("fresh",)}
    bar = tqdm(
        total=options.customers, desc="Clients", unit=" clients", disable=not options.progress
    )
    whole, fraction = divmod(options.cases_per_customer, 1)
    for n in range(options.customers):
        scripted = showcase_people.get(n)
        if scripted:
            person = factory.make(
                first_number + n,
                commune=paris,
                product="fibre",
                moved_days_ago=13 if n == 0 else None,
            )
        else:
            person = factory.make(first_number + n)
        people.append(person)
        if scripted:
            plan.extend((_ago(now, STARTS[s]), n, "other", "", f"showcase:{s}") for s in scripted)
            continue
        count = int(whole) + (rng.random() < fraction)
        plan.extend(_plan_person(person, n, count, rng, now, options))
        if n % 1000 == 999:
            bar.update(1000)
    bar.update(options.customers - bar.n)
    bar.close()
    writer.flush()
    return people, plan


def _ago(now: datetime, days: float) -> float:
    return (now - timedelta(days=days)).timestamp()


def _plan_person(person: Person, n: int, count: int, rng: Random, now, options) -> list[Plan]:
    plans: list[Plan] = []
    earliest = max(person.since.timestamp(), _ago(now, 365))
    latest = _ago(now, 1 / 1440)
    moved = person.moved_on
    if moved is not None and (now.date() - moved).days < 360 and count:
        moved_at = datetime(moved.year, moved.month, moved.day, 9, tzinfo=UTC).timestamp()
        plans.append(
            (
                max(earliest, moved_at - rng.uniform(2, 20) * 86_400),
                n,
                "move",
                weighted(rng, FIRST_CHANNELS),
                "",
            )
        )
        count -= 1
        if count and rng.random() < 0.35:
            plans.append(
                (
                    min(latest, moved_at + rng.uniform(0, 5) * 86_400),
                    n,
                    "delivery",
                    weighted(rng, FIRST_CHANNELS),
                    "",
                )
            )
            count -= 1
    for _ in range(count):
        recent = rng.random() < 0.25
        low = max(earliest, _ago(now, 14)) if recent else earliest
        at = rng.uniform(min(low, latest), latest)
        intent = weighted(rng, cat.INTENTS)
        path = "saga" if rng.random() < options.saga_share else ""
        plans.append((at, n, intent, weighted(rng, FIRST_CHANNELS), path))
    return plans


def _outages(network, people: list[Person], rng: Random, now: datetime) -> list[Plan]:
    """Faults on a few cables: most homes on a faulty cable write within a day (C1, C6)."""
    index = {person.id: n for n, person in enumerate(people)}
    showcase_cable = people[1].cable.id if len(people) > 1 and people[1].cable else None
    plans: list[Plan] = []
    for cable_id, members in network.members.items():
        if cable_id == showcase_cable:
            start = _ago(now, 2.1)
        elif len(members) >= 3 and rng.random() < OUTAGE_CLUSTER_SHARE:
            start = _ago(now, rng.uniform(0.2, 365))
        else:
            continue
        for member in members:
            n = index[member]
            if n == 1 or rng.random() > 0.6:
                continue
            at = min(start + rng.uniform(0, 36) * 3600, _ago(now, 1 / 1440))
            channel = rng.choice(("phone", "sms", "social", "chat", "whatsapp"))
            plans.append((max(at, people[n].since.timestamp()), n, "outage", channel, ""))
    return plans


def _tell(writer, plan, people, staff, agents, rng, now, options) -> list[tuple[str, str]]:
    references = _references(plan)
    case_ids = itertools.count(next_id(Case))
    promise_ids = itertools.count(next_id(Promise))
    event_ids = itertools.count(next_id(Event))
    neighbours = Counter(p.cable.id for p in people if p.cable is not None)
    showcase: list[tuple[str, str]] = []
    for ts, n, intent, channel, path in tqdm(
        plan, desc="Dossiers", unit=" dossiers", disable=not options.progress, mininterval=0.5
    ):
        person = people[n]
        draft = CaseDraft(
            next(case_ids),
            person.id,
            person.line_id,
            intent,
            rng,
            now,
            datetime.fromtimestamp(ts, UTC),
            promise_ids,
        )
        facts = Facts(
            person.first_name,
            _national(person.phone),
            person.address,
            person.commune,
            person.old_address,
            person.cable.code if person.cable else "",
            person.line_number,
            neighbours[person.cable.id] if person.cable else 0,
        )
        if path.startswith("showcase:"):
            name = path.split(":", 1)[1]
            draft.office_hours = False
            draft.intent = {"full": "move", "fresh": "outage"}.get(name, name)
            SCRIPTS[name](draft, facts, staff, agents)
            showcase.append((next(references), name))
            reference = showcase[-1][0]
        else:
            rounds = rng.randint(*options.saga_rounds) if path == "saga" else 0
            Story(draft, facts, staff, channel).tell(path=path or None, saga_rounds=rounds)
            reference = next(references)
        _write(writer, draft, reference, event_ids)
    order = list(DESCRIPTIONS)
    showcase.sort(key=lambda item: order.index(item[1]))
    return [(ref, DESCRIPTIONS[name]) for ref, name in showcase]


def _references(plan: list[Plan]):
    """References in opening order, one allocated range per year (plan is sorted)."""
    years = Counter(datetime.fromtimestamp(p[0], UTC).year for p in plan)
    for year in sorted(years):
        yield from allocate_references(year, years[year])


def _national(e164: str) -> str:
    digits = "0" + e164[3:]
    return " ".join(digits[i : i + 2] for i in range(0, 10, 2))


def _write(writer: BulkWriter, d: CaseDraft, reference: str, event_ids) -> None:
    dt, js = writer.dt, writer.json
    events = sorted(d.events, key=lambda e: e[6])
    owner = d.owner.id if d.owner else None
    team = d.team.id if d.team else None
    writer.add(
        Case,
        (
            d.id,
            reference,
            d.customer_id,
            d.line_id,
            d.subject,
            d.intent,
            d.status,
            d.priority,
            owner,
            team,
            d.channel,
            d.next_step,
            dt(d.next_step_due),
            dt(d.escalated_at),
            secrets.token_hex(16),
            d.version,
            dt(d.created_at),
            dt(events[-1][6]),
            dt(d.resolved_at),
        ),
    )
    for p in d.promises:
        writer.add(
            Promise,
            (
                p.id,
                d.id,
                p.description,
                p.made_by.id,
                dt(p.made_at),
                dt(p.due_at),
                p.state,
                dt(p.settled_at),
                p.settled_by.id if p.settled_by else None,
            ),
        )
    case, customer = d.id, d.customer_id
    writer.extend(
        Event,
        [
            (
                next(event_ids),
                case,
                customer,
                kind,
                channel,
                actor,
                label,
                visibility,
                js(data),
                dt(at),
            )
            for kind, visibility, actor, label, channel, data, at in events
        ],
    )
