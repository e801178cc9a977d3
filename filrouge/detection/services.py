"""Writes of the detector: count a batch of outage reports, confirm or dismiss a suspicion.

`record_reports` is the hot path, called inside the filing transaction for each
batch of contacts (see `intake`). Whatever the batch's size it costs a fixed
number of queries: the lines' elements (1), the element loads locked (1, plus 2
the first time an element is seen), what is already explained — open suspicions
and incidents (2) — and one upsert of every load touched; then, only when
something happens, the suspicions raised, widened or given new cases.

Elements are judged deepest first, so the most specific element that explains
the reports is raised: a cable before its PM; a PM only when its reports — those
not already explained by a suspicion or incident below it — are abnormal for the
PM and come through several of its cables. A PM raised that way — on reports
beyond those its suspected cables explain — takes over the open suspicions below
it ("widened"). Nothing is raised on an element while it, or an element above it,
has an open incident, or while it has an open suspicion: its new reports join that
case instead. An open suspicion above an element silences it only while it explains
the element's reports: while the suspected element's window stays abnormal without
the branch they come through (`engine.explains`). A real NRO outage reported through
hundreds of cables thus stays one suspicion; a suspicion whose burst has passed (a
false alarm nobody has dismissed yet, or an outage over) no longer hides a new burst
on one cable below it, and its own reports through that branch stop joining it.
Nothing below an open suspicion is learned as background, explained or not: those
reports may be its outage's until the supervisor decides.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Min, Q
from django.utils.translation import gettext as _

from filrouge.accounts.models import Agent
from filrouge.core import gathering
from filrouge.core.clock import now
from filrouge.customers.models import Line
from filrouge.detection import engine, store
from filrouge.detection.conf import Params, params
from filrouge.detection.models import ElementLoad, Suspicion, SuspicionCase
from filrouge.incidents.models import CLOSED_STATUSES, Incident
from filrouge.incidents.services import declare_incident
from filrouge.network.models import NetworkElement

LOAD_FIELDS = ["recent", "weight", "hourly", "weight_at", "updated_at"]


class DetectionError(ValueError):
    """A refused decision, with a message for the supervisor."""


@dataclass(frozen=True, slots=True)
class Report:
    """One contact classified as an outage: when, from whom, on which case (and line)."""

    at: datetime
    customer_id: int
    case_id: int
    line_id: int | None = None


@dataclass(slots=True)
class _Cover:
    """What already explains reports: open suspicions and open incidents, by element."""

    suspicion_of: dict[int, int]  # element id → its open suspicion's id (0: raised just now)
    covered: set[int]  # elements with an open suspicion or incident
    incidents: set[int]  # elements with an open incident
    under_incident: set[int]  # elements with an open incident and every element above them
    under_suspicion: set[int]  # elements with an open suspicion and every element above them

    def add(self, element_id: int, ancestry: Sequence[int], suspicion_id: int | None) -> None:
        self.covered.add(element_id)
        if suspicion_id is None:
            self.incidents.add(element_id)
            self.under_incident.update(ancestry)
        else:
            self.under_suspicion.update(ancestry)
            self.suspicion_of[element_id] = suspicion_id


def _split(path: str) -> list[int]:
    return [int(x) for x in path.strip("/").split("/") if x]


def _leaf_paths(reports: Sequence[Report]) -> list[list[str]]:
    """For each report, the paths of the elements serving its line (or, without a line on
    the case, every active line of the customer): one query for the batch."""
    line_ids = {r.line_id for r in reports if r.line_id}
    customer_ids = {r.customer_id for r in reports if not r.line_id}
    by_line: dict[int, str] = {}
    by_customer: dict[int, list[str]] = defaultdict(list)
    for pk, customer_id, path in _line_paths(line_ids, customer_ids):
        by_line[pk] = path
        by_customer[customer_id].append(path)
    return [
        ([by_line[r.line_id]] if r.line_id in by_line else [])
        if r.line_id
        else by_customer.get(r.customer_id, [])
        for r in reports
    ]


def _line_paths(line_ids: set[int], customer_ids: set[int]) -> list[tuple[int, int, str]]:
    """(line, customer, element path) of those lines and of those customers' active lines.
    On PostgreSQL the ids go as two array literals (`= ANY`): a thousand `IN` parameters
    cost more to bind and to parse than the lookup itself."""
    if connection.vendor != "postgresql":
        return list(
            Line.objects.filter(
                Q(pk__in=line_ids) | Q(customer_id__in=customer_ids, status=Line.Status.ACTIVE),
                network_element__isnull=False,
            ).values_list("pk", "customer_id", "network_element__path")
        )
    line, element = Line._meta.db_table, NetworkElement._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT l.id, l.customer_id, e.path FROM {line} l "  # noqa: S608 - our own tables
            f"JOIN {element} e ON e.id = l.network_element_id "
            "WHERE l.id = ANY(%s::bigint[]) "
            "OR (l.customer_id = ANY(%s::bigint[]) AND l.status = %s)",
            [store.array(line_ids), store.array(customer_ids), Line.Status.ACTIVE],
        )
        return cursor.fetchall()


def _join_cases(joining: dict[tuple[int, int], float]) -> None:
    """The reports' cases joining the open suspicion that explains them (once each)."""
    if connection.vendor != "postgresql":
        SuspicionCase.objects.bulk_create(
            [
                SuspicionCase(suspicion_id=s, case_id=c, reported_at=engine.from_epoch(t))
                for (s, c), t in joining.items()
            ],
            ignore_conflicts=True,
        )
        return
    table = SuspicionCase._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (suspicion_id, case_id, reported_at) "  # noqa: S608
            "SELECT s, c, to_timestamp(t) FROM unnest(%s::bigint[], %s::bigint[], "
            "%s::float8[]) AS v(s, c, t) ON CONFLICT DO NOTHING",
            [
                store.array(s for s, _c in joining),
                store.array(c for _s, c in joining),
                store.array(repr(t) for t in joining.values()),
            ],
        )


def _cover() -> _Cover:
    cover = _Cover({}, set(), set(), set(), set())
    for pk, element_id, path in Suspicion.objects.filter(status=Suspicion.Status.OPEN).values_list(
        "pk", "element_id", "element__path"
    ):
        cover.add(element_id, _split(path), pk)
    live = Incident.objects.exclude(status__in=[*CLOSED_STATUSES, Incident.Status.SCHEDULED])
    # The few elements first, then their paths by id: joined in one query, PostgreSQL may
    # hash all 40,000 elements when the incident tables' statistics are stale (12 ms a
    # batch on the 1 M-customer data set, where a handful of incidents never reached
    # autovacuum's threshold).
    ids = {pk for pk in live.order_by().values_list("elements", flat=True) if pk is not None}
    elements = NetworkElement.objects.filter(pk__in=ids).order_by()
    for element_id, path in elements.values_list("pk", "path"):
        cover.add(element_id, _split(path), None)
    return cover


def record_reports(reports: Sequence[Report]) -> list[Suspicion]:
    """Count a batch of outage reports against the elements serving each line, at every
    level, and raise what has become abnormal. Returns the suspicions raised.

    A batch without reports (most filings: not about an outage) costs no query at all,
    not even a savepoint. Inside `core.gathering.gathering()` (a batch of inbound
    messages) the reports are counted once, at the end of the batch, and nothing is
    returned here: the loads are then locked once a batch, in one order."""
    if not reports:
        return []
    if gathering.gather(_record_gathered, reports):
        return []
    return _record_gathered(reports)


def _record_gathered(reports: Sequence[Report]) -> list[Suspicion]:
    with transaction.atomic():
        return _record(reports)


def _record(reports: Sequence[Report]) -> list[Suspicion]:
    p = params()
    fresh: dict[int, list[list]] = defaultdict(list)
    ancestry: dict[int, list[int]] = {}
    for report, paths in zip(reports, _leaf_paths(reports), strict=True):
        ts, seen = report.at.timestamp(), set()
        for path in paths:
            ids = _split(path)
            for depth, element_id in enumerate(ids):
                if element_id in seen:
                    continue
                seen.add(element_id)
                child = ids[depth + 1] if depth + 1 < len(ids) else 0
                fresh[element_id].append([ts, report.customer_id, child, report.case_id])
                ancestry[element_id] = ids[: depth + 1]
    if not fresh:
        return []
    at = max(r.at for r in reports)
    tops = {pk for pk, ids in ancestry.items() if len(ids) == 1}
    states = store.lock_loads(sorted(fresh), at=at, p=p, tops=tops, ancestry=ancestry)
    cover = _cover()  # read under the locks: a suspicion raised by a batch before us is seen
    raised: list[tuple[Suspicion, list[list]]] = []
    joining: dict[tuple[int, int], float] = {}  # (suspicion, case) → reported at
    explaining = _Explaining(states, fresh, p, cover)
    for element_id in sorted(fresh, key=lambda e: -len(ancestry[e])):
        path = ancestry[element_id]
        explainer = explaining.of(element_id, path)
        state, top = states[element_id], states[path[0]]
        found = _judge(element_id, path, state, top, fresh[element_id], p, cover, explainer)
        if isinstance(found, Suspicion):
            raised.append((found, list(states[element_id].recent)))
            cover.add(element_id, path, 0)
            explaining.forget()
        elif found:  # explained by an open suspicion (0: one raised in this batch)
            for r in fresh[element_id]:
                child = r[engine.CHILD]
                if explainer == element_id and child and not explaining(element_id, child, path):
                    continue  # through a branch its own suspicion no longer explains
                joining.setdefault((found, r[engine.CASE]), r[engine.TS])
    store.save_loads(states, written=now())
    if joining:
        _join_cases(joining)
    return _raise(raised, ancestry) if raised else []


@dataclass(slots=True)
class _Explaining:
    """Which open suspicions still explain the reports coming through which branch, in one
    batch: while the suspected element's window stays abnormal without that branch
    (`engine.Seen.explains`). A real fault there keeps showing in its other branches; a
    suspicion raised on a burst that has passed explains nothing new below it."""

    states: dict[int, engine.Load]
    fresh: dict[int, list[list]]
    p: Params
    cover: _Cover
    known: dict[int, engine.Seen] = field(default_factory=dict)  # by suspected element
    answers: dict[tuple[int, int], bool] = field(default_factory=dict)  # (element, branch)

    def forget(self) -> None:
        """A suspicion was raised: the branches set aside above it have changed."""
        self.known.clear()
        self.answers.clear()

    def __call__(self, element_id: int, branch: int, ancestry: list[int]) -> bool:
        answer = self.answers.get((element_id, branch))
        if answer is not None:
            return answer
        seen = self.known.get(element_id)
        if seen is None:
            state, reports = self.states[element_id], self.fresh[element_id]
            cover = self.cover
            children = {r[engine.CHILD] for r in state.recent} | {r[engine.CHILD] for r in reports}
            seen = self.known[element_id] = engine.seen(
                state,
                reports,
                at=max(r[engine.TS] for r in reports),
                p=self.p,
                top=self.states[ancestry[0]],
                explained_branches={
                    c for c in children if c in cover.under_incident or c in cover.under_suspicion
                },
            )
        answer = self.answers[element_id, branch] = seen.explains(branch, self.p)
        return answer

    def of(self, element_id: int, ancestry: list[int]) -> int | None:
        """The element whose open suspicion or incident explains this element's reports:
        the element itself, else the nearest above it with an incident, or with a
        suspicion that still explains the branch they come through. None: nothing does,
        the element is judged."""
        if element_id in self.cover.covered:
            return element_id
        for depth in range(len(ancestry) - 2, -1, -1):
            above = ancestry[depth]
            if above not in self.cover.covered:
                continue
            if above in self.cover.incidents or self(above, ancestry[depth + 1], ancestry):
                return above
        return None


def _judge(
    element_id: int,
    ancestry: list[int],
    state: engine.Load,
    top: engine.Load,
    fresh: list[list],
    p: Params,
    cover: _Cover,
    explained: int | None,
) -> Suspicion | int | None:
    """Add the element's new reports and judge it unless `explained` (the element whose
    open suspicion or incident explains them): a new Suspicion to raise, the id of the
    open suspicion that already explains it (its cases join), or None."""
    children = {r[engine.CHILD] for r in state.recent} | {r[engine.CHILD] for r in fresh}
    repaired = {c for c in children if c in cover.under_incident}
    suspected = {c for c in children if c in cover.under_suspicion}
    at = max(r[engine.TS] for r in fresh)
    # Nothing is learned under an open suspicion or incident, even one that no longer
    # explains this branch: its reports may still be that outage's (its supervisor decides).
    engine.add(
        state,
        fresh,
        at=at,
        p=p,
        explained=any(a in cover.covered for a in ancestry),
        explained_branches=repaired | suspected,
    )
    if explained is not None:
        return cover.suspicion_of.get(explained)
    if len(state.recent) < p.min_customers:
        return None  # the window holds too few customers to be abnormal: nothing to test
    # The reports already explained below (an open suspicion or incident on a branch) are
    # set aside: this element is raised only if the others are abnormal by themselves —
    # a fault here then explains the suspicions below too, and they are widened to it.
    verdict = engine.judge(state, at=at, p=p, top=top, explained_branches=repaired | suspected)
    if not verdict.abnormal:
        return None
    return Suspicion(
        element_id=element_id,
        raised_at=engine.from_epoch(at),
        customers=verdict.customers,
        branches=verdict.branches,
        expected=verdict.expected,
        p_value=verdict.p_value,
    )


def _raise(
    raised: list[tuple[Suspicion, list[list]]], ancestry: dict[int, list[int]]
) -> list[Suspicion]:
    """Write the suspicions raised, their cases, and widen the open ones below them."""
    suspicions = Suspicion.objects.bulk_create([s for s, _recent in raised])
    links = [
        SuspicionCase(
            suspicion=s, case_id=r[engine.CASE], reported_at=engine.from_epoch(r[engine.TS])
        )
        for s, recent in raised
        for r in recent
    ]
    for suspicion in suspicions:
        path = "".join(f"/{i}" for i in ancestry[suspicion.element_id]) + "/"
        below = Suspicion.objects.filter(
            status=Suspicion.Status.OPEN, element__path__startswith=path
        ).exclude(pk=suspicion.pk)
        widened = list(below.values_list("pk", flat=True))
        if widened:
            links.extend(
                SuspicionCase(suspicion=suspicion, case_id=case_id, reported_at=reported_at)
                for case_id, reported_at in SuspicionCase.objects.filter(
                    suspicion_id__in=widened
                ).values_list("case_id", "reported_at")
            )
            Suspicion.objects.filter(pk__in=widened).update(
                status=Suspicion.Status.WIDENED,
                widened_to=suspicion,
                decided_at=suspicion.raised_at,
            )
    SuspicionCase.objects.bulk_create(links, ignore_conflicts=True)
    return suspicions


def _decidable(suspicion: Suspicion) -> Suspicion:
    suspicion = Suspicion.objects.select_for_update().select_related("element").get(pk=suspicion.pk)
    if suspicion.status != Suspicion.Status.OPEN:
        raise DetectionError(_("This suspected incident has already been decided."))
    return suspicion


@transaction.atomic
def confirm_suspicion(
    suspicion: Suspicion, *, title: str, text: str, impact: str, by: Agent
) -> Incident:
    """The supervisor confirms: an incident is declared on the element (the incidents app
    then links the cases, holds them and tells the customers).

    The incident starts at the first report that raised the suspicion, not at the
    confirmation: the customers were cut from then, and their compensation counts from
    then (`incidents.compensation`)."""
    suspicion = _decidable(suspicion)
    first = SuspicionCase.objects.filter(suspicion=suspicion).aggregate(m=Min("reported_at"))["m"]
    started_at = min(first or suspicion.raised_at, suspicion.raised_at, now())
    incident = declare_incident(
        title=title,
        elements=[suspicion.element],
        text=text,
        impact=impact,
        by=by,
        started_at=started_at,
    )
    suspicion.status, suspicion.incident = Suspicion.Status.CONFIRMED, incident
    suspicion.decided_at, suspicion.decided_by = now(), by
    suspicion.save(update_fields=["status", "incident", "decided_at", "decided_by"])
    return incident


@transaction.atomic
def dismiss_suspicion(suspicion: Suspicion, *, by: Agent) -> Suspicion:
    """Not an outage: the reports were the element's ordinary background. They are learned
    as such (the element's rate rises, so the same burst no longer fires) and the window
    starts afresh."""
    suspicion = _decidable(suspicion)
    at = now()
    load = ElementLoad.objects.select_for_update().get(element_id=suspicion.element_id)
    p = params()
    times = {r[engine.CUSTOMER]: r[engine.TS] for r in load.recent}
    for customer_id, reported_at in SuspicionCase.objects.filter(suspicion=suspicion).values_list(
        "case__customer_id", "reported_at"
    ):
        times.setdefault(customer_id, reported_at.timestamp())
    state = engine.Load([], load.weight, load.weight_at.timestamp(), 0.0, load.prior, load.hourly)
    engine.learn(state, times.values(), at.timestamp(), p)
    load.recent, load.weight, load.hourly = [], state.weight, state.hourly
    load.weight_at = load.updated_at = at
    load.save(update_fields=LOAD_FIELDS)
    suspicion.status, suspicion.decided_at, suspicion.decided_by = (
        Suspicion.Status.DISMISSED,
        at,
        by,
    )
    suspicion.save(update_fields=["status", "decided_at", "decided_by"])
    return suspicion
