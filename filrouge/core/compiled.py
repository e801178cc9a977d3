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
"""

import threading
from collections.abc import Callable, Hashable
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from django.db import connection
from django.db.models import QuerySet


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
        found = _prepared(self.sql + suffix, (*params, *extra))
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


def _prepared(sql: str, params: tuple) -> list[tuple]:
    """Run `sql` as a statement PostgreSQL has prepared on this connection: planning it
    for every call was a quarter of PostgreSQL's time for a page of tickets. Django's
    cursors bind the values into the SQL text on the client (nothing can be prepared
    that way), so this runs on a psycopg cursor that sends them apart."""
    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params, prepare=True)
        return cursor.fetchall()


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
