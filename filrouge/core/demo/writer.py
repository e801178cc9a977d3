"""Fast bulk inserts for generated data: `executemany` on SQLite, `COPY` on PostgreSQL.

The ORM's `bulk_create` builds one model instance per row and compiles every
value through its field: about ten times the cost of the data itself at
millions of rows. Generated rows are already in their final form, so they go
straight to the driver in column order; primary keys are chosen here (after
the current maximum) so that rows can point at each other before they are
written, and PostgreSQL sequences are moved past them at the end.
"""

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.color import no_style
from django.db import DatabaseError, connection, models, transaction
from django.db.models import Max

Row = tuple[Any, ...]


class BulkWriter:
    """Buffers rows per model and writes them in batches, in dependency order."""

    def __init__(self, tables: Sequence[tuple[type[models.Model], Sequence[str]]], *, batch=20_000):
        self.vendor = connection.vendor
        self.batch = batch
        self._order = [model for model, _ in tables]
        self._sql: dict[type[models.Model], str] = {}
        self._rows: dict[type[models.Model], list[Row]] = {m: [] for m in self._order}
        self.counts: dict[type[models.Model], int] = dict.fromkeys(self._order, 0)
        self._extra: dict[type[models.Model], Row] = {}
        for model, listed in tables:
            extra = _defaults(model, listed)
            self._extra[model] = tuple(extra.values())
            fields = [*listed, *extra]
            columns = ", ".join(
                connection.ops.quote_name(model._meta.get_field(f).column) for f in fields
            )
            table = connection.ops.quote_name(model._meta.db_table)
            if self.vendor == "postgresql":
                self._sql[model] = f"COPY {table} ({columns}) FROM STDIN"
            else:
                marks = ", ".join(["%s"] * len(fields))
                self._sql[model] = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608 (names from the models)
        self.dt: Callable[[datetime | None], Any] = _identity
        self.day: Callable[[date | None], Any] = _identity
        if self.vendor == "sqlite":
            # What Django's SQLite backend stores: naive UTC text, ISO dates.
            self.dt = _sqlite_datetime
            self.day = _sqlite_date

    # What JSONField.get_prep_value writes (json.dumps), minus the cycle check
    # that generated dicts of strings and numbers never need.
    json = staticmethod(json.JSONEncoder(check_circular=False).encode)

    def add(self, model: type[models.Model], row: Row) -> None:
        rows = self._rows[model]
        extra = self._extra[model]
        rows.append(row + extra if extra else row)
        if len(rows) >= self.batch:
            self.flush(upto=model)

    def extend(self, model: type[models.Model], rows: list[Row]) -> None:
        """Add many rows of a model the generator knows completely (no default columns)."""
        buffer = self._rows[model]
        buffer.extend(rows)
        if len(buffer) >= self.batch:
            self.flush(upto=model)

    def flush(self, upto: type[models.Model] | None = None) -> None:
        """Write buffered rows; tables earlier in the order first (foreign keys)."""
        for model in self._order:
            self._write(model)
            if model is upto:
                return

    def _write(self, model: type[models.Model]) -> None:
        rows = self._rows[model]
        if not rows:
            return
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                with cursor.cursor.copy(self._sql[model]) as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                cursor.executemany(self._sql[model], rows)
        self.counts[model] += len(rows)
        rows.clear()

    def finish(self) -> None:
        self.flush()
        reset_sequences(self._order)


@contextmanager
def bulk_session() -> Iterator[None]:
    """SQLite tuned for one big load, then put back as it was.

    In WAL mode a transaction of a million rows grows the WAL to gigabytes and
    every spilled page is read back through it; a rollback journal (DELETE)
    writes new pages straight into the database file and is as safe. A larger
    page cache (512 MB at most) keeps index pages in memory. Inside an open
    transaction (tests) the journal mode cannot change: nothing is touched.
    """
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        mode = cursor.fetchone()[0]
        cursor.execute("PRAGMA journal_mode = DELETE")
        cursor.execute("PRAGMA cache_size = -524288")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA journal_mode = {mode}")
            cursor.execute("PRAGMA cache_size = -2000")


@contextmanager
def indexes_dropped(models_: Sequence[type[models.Model]]) -> Iterator[None]:
    """Drop the plain (non-unique) indexes of big tables during a load, then rebuild them.

    Building an index once over sorted data is several times cheaper than
    updating it row by row. Both steps run in the caller's transaction, so a
    failed load leaves the indexes as they were; unique indexes stay in place
    (they check the data as it comes).
    """
    saved: list[tuple[str, str]] = []
    with connection.cursor() as cursor:
        for model in models_:
            saved.extend(_plain_indexes(cursor, model._meta.db_table))
        for name, _sql in saved:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    yield
    with connection.cursor() as cursor:
        if saved and connection.vendor == "postgresql":
            # PostgreSQL refuses CREATE INDEX on a table with foreign-key checks
            # still pending (they are deferred): run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for _name, sql in saved:
            cursor.execute(sql)
        if saved and connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def postgresql_bulk_settings() -> None:
    """For one big load on PostgreSQL, until the end of the current transaction.

    More memory to sort while rebuilding indexes, and — when allowed (a
    superuser, as on a development machine) — no foreign-key trigger per row:
    the generator writes consistent rows, and millions of queued checks
    doubled the load time. Without the right, keys are checked as usual.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        try:
            with transaction.atomic():  # a savepoint: a refusal leaves the load going
                cursor.execute("SET LOCAL session_replication_role = replica")
        except DatabaseError:
            pass


def _plain_indexes(cursor, table: str) -> list[tuple[str, str]]:
    if connection.vendor == "sqlite":
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s"
            " AND sql IS NOT NULL",
            [table],
        )
        return [(n, sql) for n, sql in cursor.fetchall() if "UNIQUE" not in sql.upper()]
    if connection.vendor == "postgresql":
        cursor.execute(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i"
            " JOIN pg_class c ON c.oid = i.indexrelid"
            " WHERE i.indrelid = %s::regclass AND NOT i.indisunique AND NOT i.indisprimary",
            [table],
        )
        return list(cursor.fetchall())
    return []


def _defaults(model: type[models.Model], listed: Sequence[str]) -> dict[str, Any]:
    """Columns the generator does not know (added since): their default, or NULL.

    Keeps the demo loading when another app adds a field with a default; a new
    required field without one stops it with a message naming the field.
    """
    values = {}
    for f in model._meta.concrete_fields:
        if f.primary_key or f.name in listed:
            continue
        if f.has_default() and not f.unique:
            values[f.name] = f.get_db_prep_save(f.get_default(), connection)
        elif f.null:
            values[f.name] = None
        else:
            raise ImproperlyConfigured(
                f"The demo does not fill {model.__name__}.{f.name}: add it to the demo tables."
            )
    return values


def next_id(model: type[models.Model]) -> int:
    return (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1


def reset_sequences(models_: Sequence[type[models.Model]]) -> None:
    """Move PostgreSQL's id sequences past the ids chosen here (SQLite needs nothing)."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(models_))
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def _identity(value):
    return value


def _sqlite_datetime(value: datetime | None) -> str | None:
    if value is None:
        return None
    text = value.isoformat(" ")
    if text.endswith("+00:00"):  # the generator works in UTC: the fast path
        return text[:-6]
    return str(value.astimezone(UTC).replace(tzinfo=None))


def _sqlite_date(value: date | None) -> str | None:
    return None if value is None else value.isoformat()
