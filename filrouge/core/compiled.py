"""Hot reads as SQL compiled once per shape, on PostgreSQL (the TMF API's list, the tokens).

Building a queryset, then compiling it, costs more CPU on every list request than
serialising the page (a third of the web process's time for `GET /troubleTicket`).
The statements differ only by their values: `Shapes` asks a function for the
queryset once, built with *markers* for the values (`Slot`s), keeps the SQL, where
each marker landed among its parameters and the ORM's converters for its columns,
then runs that SQL with the values of each call and converts the rows as
`values_list` would have. The queryset is still the definition: the rows are the
ORM's own, byte for byte (tmf/tests/test_compiled.py compares both paths).

Only on PostgreSQL (`enabled()`): elsewhere, and for a shape whose markers could not
be found among its parameters, the queryset runs as it is.

The hot writes of one row (a case, an event, a partner's grant, an audit row) go the
same way: `insert_one`, one INSERT per model built once, prepared by PostgreSQL.
"""

import threading
import time
from collections.abc import Callable, Hashable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from django.db import DEFAULT_DB_ALIAS, connection, connections, router
from django.db.models import Field, Model, QuerySet


class Slot:
    """Marker values for the `n`th value of a shape: distinctive enough that no constant
    of a statement is mistaken for one, and within the range of the column they are
    compared with (the ORM turns an integer out of a column's range into "no rows")."""

    def __init__(self, n: int) -> None:
        self.n = n

    def text(self, name: str) -> str:
        return f"\x00slot:{self.n}:{name}\x00"

    def integer(self) -> int:
        return 32_700 + self.n  # a small integer's range: priorities are 0 to 3

    def moment(self) -> datetime:
        return datetime(1901, 2, 3, tzinfo=UTC) + timedelta(seconds=self.n)

    def ids(self) -> list[int]:
        return [-7_350_000_000 - self.n]


def enabled() -> bool:
    return connection.vendor == "postgresql"


class Compiled:
    """One statement: its SQL, where the values go among its parameters, its converters."""

    def __init__(self, queryset: QuerySet, markers: dict[str, Any]) -> None:
        compiler = queryset.query.get_compiler(queryset.db)
        sql, params = compiler.as_sql()
        by_marker = {_key(marker): name for name, marker in markers.items()}
        self.sql = sql
        # (a slot's name or None, the constant or the type the ORM gave the slot's value)
        self.params: list[tuple[str | None, Any]] = []
        found = set()
        for param in params:
            name = by_marker.get(_key(param))
            if name is not None:
                found.add(name)
                # psycopg's `Int2` for a small integer column, as the ORM passes it
                cast = type(param) if type(param) is not type(markers[name]) else None
                self.params.append((name, cast))
            else:
                self.params.append((None, param))
        self.complete = found == set(markers)
        fields = [s[0] for s in compiler.select[0 : compiler.col_count]]
        self.converters = [
            (i, convs, expression)
            for i, (convs, expression) in compiler.get_converters(fields).items()
        ]

    def rows(self, values: dict[str, Any], *, suffix: str = "", extra: tuple = ()) -> list[tuple]:
        params = [
            p if name is None else (p(values[name]) if p else values[name])
            for name, p in self.params
        ]
        found = prepared(self.sql + suffix, (*params, *extra))
        if not self.converters:
            return found
        out = []
        for row in found:
            row = list(row)
            for i, convs, expression in self.converters:
                value = row[i]
                for convert in convs:
                    value = convert(value, expression, connection)
                row[i] = value
            out.append(tuple(row))
        return out


def prepared(sql: str, params: Sequence[Any], *, using: str = DEFAULT_DB_ALIAS) -> list[tuple]:
    """Run `sql` (PostgreSQL only) as a statement PostgreSQL has prepared on this
    connection: planning it for every call was a quarter of PostgreSQL's time for a page
    of tickets. Django's cursors bind the values into the SQL text on the client
    (nothing can be prepared that way), so this runs on a psycopg cursor that sends them
    apart, in the connection's transaction, and logs it as Django's cursors do (the
    tests' query counts and the debug toolbar see it)."""
    conn = connections[using]
    conn.ensure_connection()
    started = time.monotonic()
    with conn.wrap_database_errors, psycopg.Cursor(conn.connection) as cursor:
        cursor.execute(sql, params, prepare=True)
        found = cursor.fetchall() if cursor.description else []
    if conn.queries_logged:
        conn.queries_log.append(
            {"sql": f"{sql} -- {list(params)!r}", "time": f"{time.monotonic() - started:.3f}"}
        )
    return found


_INSERTS: dict[tuple[str, type[Model]], tuple[str, list[Field]]] = {}


def insert_one(obj: Model) -> Model:
    """Insert a new row as `Model.objects.create` would (no signals are sent: none is
    connected to the models it serves), through one statement per model built once and
    prepared by PostgreSQL: the ORM's insert machinery — building and compiling the
    statement, quoting each value — was half the CPU of a ticket posted to the TMF API.
    Elsewhere (SQLite) it is `save(force_insert=True)`."""
    model = type(obj)
    db = router.db_for_write(model)
    conn = connections[db]
    if conn.vendor != "postgresql":
        obj.save(force_insert=True, using=db)
        return obj
    known = _INSERTS.get((db, model))
    if known is None:
        meta, quote = model._meta, conn.ops.quote_name
        columns = [f for f in meta.concrete_fields if f is not meta.auto_field]
        # Identifiers come from the model, values are bound parameters.
        sql = (
            f"INSERT INTO {quote(meta.db_table)} "  # noqa: S608
            f"({', '.join(quote(f.column) for f in columns)}) "
            f"VALUES ({', '.join(['%s'] * len(columns))}) RETURNING {quote(meta.pk.column)}"
        )
        known = _INSERTS[db, model] = (sql, columns)
    sql, columns = known
    values = [f.get_db_prep_save(f.pre_save(obj, True), conn) for f in columns]
    ((obj.pk,),) = prepared(sql, values, using=db)
    obj._state.adding, obj._state.db = False, db
    return obj


def _key(value: Any) -> Hashable:
    if isinstance(value, list):
        return ("list", tuple(value))
    if isinstance(value, int) and not isinstance(value, bool):
        return ("int", int(value))
    try:
        hash(value)
    except TypeError:
        return ("unhashable", id(value))
    return (type(value).__name__, value)


class Shapes:
    """Compiled statements by shape (a key), made on first use by `build(markers)`, which
    returns the queryset for those marker values. A process keeps a few dozen at most:
    the shapes are combinations of the API's filters, not of their values."""

    def __init__(self) -> None:
        self._known: dict[Hashable, Compiled | None] = {}
        self._lock = threading.Lock()

    def get(
        self,
        key: Hashable,
        markers: dict[str, Any],
        build: Callable[[dict[str, Any]], QuerySet],
    ) -> Compiled | None:
        try:
            return self._known[key]
        except KeyError:
            pass
        compiled = Compiled(build(markers), markers)
        with self._lock:
            self._known[key] = compiled if compiled.complete else None
        return self._known[key]

    def run(
        self,
        key: Hashable,
        markers: dict[str, Any],
        build: Callable[[dict[str, Any]], QuerySet],
        values: dict[str, Any],
        *,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[tuple]:
        """The rows of `build(values)[offset:offset + limit]`: through the statement
        compiled for `key` on PostgreSQL, else (or without one) through the ORM."""
        statement = self.get(key, markers, build) if enabled() else None
        if statement is None:
            found = build(values)
            if limit is not None:
                found = found[offset : offset + limit]
            elif offset:
                found = found[offset:]
            return list(found)
        if limit is None:
            if not offset:
                return statement.rows(values)
            return statement.rows(values, suffix=" OFFSET %s", extra=(offset,))
        return statement.rows(values, suffix=" LIMIT %s OFFSET %s", extra=(limit, offset))
