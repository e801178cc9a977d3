"""Reads of the TMF API: tickets are cases, scoped by who asks, in a fixed number of queries.

A page is one SQL statement returning plain tuples (`TicketRow`s): the cases with their
customer, line, `TicketFacts` and — for a partner — its own reference joined, and the
count of all that match as a scalar subquery in the same statement. Then, only when the
projection asks for them, one query each for the page's status changes and notes, the
partners' references (for the operator) and the attachments. No model object is built
for a row; the API serialises the result with orjson. On PostgreSQL these statements
are compiled once per shape (caller kind, filter names) by `core.compiled` and run as SQL
with each request's values; elsewhere the querysets run as they are.
"""

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import Any, NamedTuple

from django.db.models import (
    BooleanField,
    DateTimeField,
    F,
    Func,
    IntegerField,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.fields.json import KT

from filrouge.cases.models import Case, Event
from filrouge.core import compiled
from filrouge.partners.models import Partner, PartnerCase
from filrouge.tmf import attachments as files
from filrouge.tmf.resource import EVENT_FIELDS, FIELDS, Caller, TicketRow, ticket

PARTNER_NOTES = [Event.Kind.STATUS_CHANGED, Event.Kind.PARTNER_NOTE]
ALL_NOTES = [*PARTNER_NOTES, Event.Kind.NOTE]


class IsoUtc(Func):
    """A moment as the API writes it (ISO 8601 in UTC, "Z"), made by PostgreSQL: a page
    reads 600 moments, and parsing each into a datetime to format it again was a third
    of the list's CPU. Elsewhere (SQLite) the datetime, which `resource.iso` formats."""

    output_field = DateTimeField()

    def as_sql(self, compiler, connection, **extra):
        return compiler.compile(self.source_expressions[0])

    def as_postgresql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        text = f"(to_json(({sql}) AT TIME ZONE 'UTC') #>> '{{}}') || 'Z'"
        return text, params

    def get_db_converters(self, connection):
        if connection.vendor == "postgresql":
            return []  # already the text
        return super().get_db_converters(connection)


class AnyOf(Func):
    """`column IN (the page's ids)`: on PostgreSQL `column = ANY(%s)` with the ids as one
    array parameter (the planner then reads each table's index for just those rows)."""

    output_field = BooleanField()

    def __init__(self, column: str, values: list[int]) -> None:
        super().__init__(F(column))
        self.values = values

    def as_sql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        if not self.values:
            return "1 = 0", []
        if connection.vendor == "postgresql":
            return f"{sql} = ANY(%s)", [*params, self.values]
        marks = ", ".join(["%s"] * len(self.values))
        return f"{sql} IN ({marks})", [*params, *self.values]


class EventRow(NamedTuple):
    """What a ticket reads of an event (the attributes `resource` uses): only the keys of
    its data a note or a status change shows, read by the database."""

    pk: int
    case_id: int
    kind: str
    created_at: datetime | str
    actor_id: int | None
    actor_label: str
    to: str | None
    reason: str | None
    text: str | None
    body: str | None
    author: str | None


EVENT_COLUMNS = {
    "created": IsoUtc("created_at"),
    "d_to": KT("data__to"),
    "d_reason": KT("data__reason"),
    "d_text": KT("data__text"),
    "d_body": KT("data__body"),
    "d_author": KT("data__author"),
}
EVENT_PATHS = ("pk", "case_id", "kind", "created", "actor_id", "actor_label", "d_to",
               "d_reason", "d_text", "d_body", "d_author")  # fmt: skip


# TicketRow's fields, in order, as ORM paths from a case (`their_reference` is added);
# its moments as text, made by the database.
MOMENTS = {
    f"iso_{name}": IsoUtc(name)
    for name in ("next_step_due", "created_at", "updated_at", "resolved_at",
                 "tmf_facts__requested_resolution")
}  # fmt: skip
ROW_PATHS = (
    "pk", "reference", "subject", "intent", "status", "priority", "channel",
    "iso_next_step_due", "iso_created_at", "iso_updated_at", "iso_resolved_at", "line__number",
    "customer__account_number", "customer__first_name", "customer__last_name",
    "iso_tmf_facts__requested_resolution", "tmf_facts__relationships",
)  # fmt: skip


def visible_cases(caller: Caller) -> QuerySet[Case]:
    """The cases the caller may see: a partner's entrusted ones, or all of them."""
    if caller.partner is not None:
        return Case.objects.filter(partner_grants__partner=caller.partner)
    return Case.objects.all()


def case_for(caller: Caller, reference: str, *, lock: bool = False) -> Case | None:
    """One case as a model object, for the writes (locked with `lock`)."""
    cases = visible_cases(caller).select_related("customer", "line")
    if lock:
        cases = cases.select_for_update(of=("self",))
    return cases.filter(reference=reference.strip().upper()).first()


def _rows(caller: Caller, matching: QuerySet[Case], *, with_total: bool) -> QuerySet:
    # The grant the partner filter joined carries the partner's own reference.
    their = F("partner_grants__external_id") if caller.partner is not None else Value("")
    rows = matching.annotate(their_reference=their, **MOMENTS)
    if with_total:
        count = matching.order_by().values(
            n=Func(F("pk"), function="COUNT", output_field=IntegerField())
        )
        rows = rows.annotate(total=Subquery(count))
    paths = (*ROW_PATHS, "their_reference", *(("total",) if with_total else ()))
    return rows.order_by("-updated_at", "-id").values_list(*paths)


def page(
    caller: Caller,
    *,
    filters: dict[str, Any],
    offset: int,
    limit: int,
    fields: frozenset[str] | None,
    base: str,
) -> tuple[list[dict[str, Any]], int]:
    """One page of tickets (newest activity first) and how many match in all."""
    found = _page_rows(caller, filters, offset, limit)
    if found is None:
        matching = visible_cases(caller).filter(**filters)
        found = list(_rows(caller, matching, with_total=True)[offset : offset + limit])
    total = found[0][-1] if found else (_count(caller, filters) if offset else 0)
    rows = [TicketRow(*row[:-1]) for row in found]
    return tickets(rows, caller=caller, fields=fields, base=base), total


def _count(caller: Caller, filters: dict[str, Any]) -> int:
    return visible_cases(caller).filter(**filters).count()


# The compiled statements (`compiled.Shapes`): the page's by caller kind and filter names.
_PAGES = compiled.Shapes()
_EVENTS = compiled.Shapes()
_REFERENCES = compiled.Shapes()
_DOCUMENTS = compiled.Shapes()


def _marker(n: int, name: str, value: Any) -> Any:
    """A marker for a filter's value, of the type of the value the ORM would pass."""
    slot = compiled.Slot(n)
    if isinstance(value, datetime):
        return slot.moment()
    if isinstance(value, int):
        return slot.integer()
    if isinstance(value, str):
        return slot.text(name)
    return None


def _value(value: Any) -> Any:
    """The value as the ORM passes it (an `IntegerChoices` member as its int)."""
    return int(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _page_rows(
    caller: Caller, filters: dict[str, Any], offset: int, limit: int
) -> list[tuple] | None:
    """`_rows(...)[offset:offset + limit]` through the shape's compiled statement; None
    where there is none (not PostgreSQL, a value of another type)."""
    if not compiled.enabled():
        return None
    markers = {name: _marker(n, name, value) for n, (name, value) in enumerate(filters.items())}
    if any(marker is None for marker in markers.values()):
        return None
    values = {name: _value(value) for name, value in filters.items()}
    partner = caller.partner
    if partner is not None:
        markers["partner"], values["partner"] = compiled.Slot(len(filters)).integer(), partner.pk
    key = (partner is None, tuple(sorted((n, type(m).__name__) for n, m in markers.items())))

    def build(marked: dict[str, Any]) -> QuerySet:
        who = Caller(partner=Partner(pk=marked["partner"])) if partner is not None else Caller()
        matching = visible_cases(who).filter(**{name: marked[name] for name in filters})
        return _rows(who, matching, with_total=True)

    statement = _PAGES.get(key, markers, build)
    if statement is None:
        return None
    return statement.rows(values, suffix=" LIMIT %s OFFSET %s", extra=(limit, offset))


def one(caller: Caller, reference: str, *, fields: frozenset[str] | None, base: str):
    """The ticket `reference` as the caller sees it, or None."""
    matching = visible_cases(caller).filter(reference=reference.strip().upper())
    found = [TicketRow(*row) for row in _rows(caller, matching, with_total=False)[:1]]
    if not found:
        return None
    (body,) = tickets(found, caller=caller, fields=fields, base=base)
    return body


def tickets(
    rows: list[TicketRow],
    *,
    caller: Caller,
    fields: frozenset[str] | None,
    base: str,
) -> list[dict[str, Any]]:
    wanted = set(FIELDS) if fields is None else fields
    ids = [r.pk for r in rows]
    operator = caller.partner is None
    events: dict[int, list[EventRow]] = defaultdict(list)
    if rows and wanted & EVENT_FIELDS:
        found = _by_ids(_EVENTS, operator, lambda m: _events(m, operator=operator), ids)
        for row in found:  # plain tuples: a page reads hundreds of events
            event = EventRow(*row)
            events[event.case_id].append(event)
    references: dict[int, list[tuple[str, str]]] = defaultdict(list)
    if rows and "externalIdentifier" in wanted:
        if caller.partner is not None:
            for row in rows:
                if row.their_reference:
                    references[row.pk].append((caller.partner.name, row.their_reference))
        else:
            for case_id, name, ref in _by_ids(_REFERENCES, True, _references, ids):
                references[case_id].append((name, ref))
    documents: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if rows and "attachment" in wanted:
        found = _by_ids(_DOCUMENTS, operator, lambda m: _documents(m, caller=caller), ids)
        for row in found:
            documents[row[1]].append(files.as_attachment(row))
    return [
        ticket(
            row,
            base=base,
            caller=caller,
            fields=fields,
            events=events[row.pk],  # type: ignore[arg-type]
            external_ids=references[row.pk],
            attachments=documents[row.pk],
        )
        for row in rows
    ]


def _by_ids(
    shapes: compiled.Shapes, key: bool, build: Callable[[dict], QuerySet], ids: list[int]
) -> list[tuple]:
    """The rows of `build({"ids": ids})`: on PostgreSQL by its statement compiled once,
    given the ids as PostgreSQL's array text (psycopg quoting each of 100 ids for each
    of 3 statements cost more than the statements' SQL)."""
    statement = (
        shapes.get(key, {"ids": compiled.Slot(0).ids()}, build) if compiled.enabled() else None
    )
    if statement is None:
        return list(build({"ids": ids}))
    return statement.rows({"ids": "{" + ",".join(map(str, ids)) + "}"})


# The per-page reads of `tickets`, as querysets of the page's case ids.
def _events(marked: dict[str, Any], *, operator: bool) -> QuerySet:
    return (
        Event.objects.filter(
            AnyOf("case_id", marked["ids"]), kind__in=ALL_NOTES if operator else PARTNER_NOTES
        )
        .annotate(**EVENT_COLUMNS)
        .order_by("created_at", "pk")
        .values_list(*EVENT_PATHS)
    )


def _references(marked: dict[str, Any]) -> QuerySet:
    grants = PartnerCase.objects.filter(AnyOf("case_id", marked["ids"])).exclude(external_id="")
    return grants.values_list("case_id", "partner__name", "external_id")


def _documents(marked: dict[str, Any], *, caller: Caller) -> QuerySet:
    found = files.visible(caller).filter(AnyOf("case_id", marked["ids"]))
    return found.order_by("created_at", "pk").values_list(*files.ROW)
