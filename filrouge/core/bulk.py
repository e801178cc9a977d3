"""Many rows in one statement: `bulk_set` writes fields of saved rows, `bulk_insert` adds rows.

Django's `bulk_update` writes `SET f = CASE WHEN id = 1 THEN … WHEN id = 2 THEN …`
per field: the statement grows with rows × fields and PostgreSQL evaluates the
CASE for each row. On PostgreSQL `bulk_set` sends one
`UPDATE t SET f = v.f … FROM (VALUES (…), (…)) AS v (…) WHERE t.id = v.id`
instead, each value cast to its column's type; elsewhere (SQLite) it falls back
to `bulk_update`. Values are bound parameters, names come from the model.

Django's `bulk_create` sends one array per column (`INSERT … SELECT * FROM
UNNEST(…)`); psycopg writes each array as text, escaping every quote of every
JSON document with a regular expression — for a timeline's events, whose data
is JSON, that is three quarters of the insert's CPU. On PostgreSQL
`bulk_insert` sends the rows as one JSON document instead (`INSERT … SELECT …
FROM jsonb_to_recordset(%s)`, one bound parameter, serialised by the C encoder)
and reads the new ids back in order, as `bulk_create` does; elsewhere it is
`bulk_create`.
"""

import json
from collections.abc import Sequence
from datetime import date, datetime

from django.db import connections, router
from django.db.models import Model


def bulk_set(objs: Sequence[Model], fields: Sequence[str]) -> int:
    """Write `fields` of every object in `objs` (all of one model, all saved); returns rows."""
    if not objs:
        return 0
    model = type(objs[0])
    db = router.db_for_write(model)
    conn = connections[db]
    if conn.vendor != "postgresql":
        return model._default_manager.using(db).bulk_update(objs, fields)
    meta, quote = model._meta, conn.ops.quote_name
    columns = [meta.pk, *(meta.get_field(name) for name in fields)]
    cast = ", ".join(f"%s::{column.db_type(conn)}" for column in columns)
    rows, params = [], []
    for obj in objs:
        rows.append(f"({cast})")
        params += [f.get_db_prep_save(getattr(obj, f.attname), conn) for f in columns]
    names = [quote(f.column) for f in columns]
    assignments = ", ".join(f"{name} = v.{name}" for name in names[1:])
    # Identifiers come from the model, values are bound parameters.
    sql = (
        f"UPDATE {quote(meta.db_table)} AS t SET {assignments} "  # noqa: S608
        f"FROM (VALUES {', '.join(rows)}) AS v ({', '.join(names)}) "
        f"WHERE t.{names[0]} = v.{names[0]}"
    )
    with conn.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def bulk_insert(objs: Sequence[Model]) -> list[Model]:
    """Insert `objs` (all of one model, none saved, no auto field set) and set their ids."""
    if not objs:
        return list(objs)
    model = type(objs[0])
    db = router.db_for_write(model)
    conn = connections[db]
    if conn.vendor != "postgresql":
        return model._default_manager.using(db).bulk_create(objs)
    meta, quote = model._meta, conn.ops.quote_name
    columns = [f for f in meta.concrete_fields if f is not meta.auto_field]
    rows = [{f.column: _as_json(f.pre_save(obj, True)) for f in columns} for obj in objs]
    names = ", ".join(quote(f.column) for f in columns)
    # The record's column types without their length ("varchar", not "varchar(32)").
    record = ", ".join(f"{quote(f.column)} {_record_type(f, conn)}" for f in columns)
    # Identifiers and types come from the model, the rows are one bound parameter.
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({names}) "  # noqa: S608
        f"SELECT {names} FROM jsonb_to_recordset(%s::jsonb) AS r ({record}) "
        f"RETURNING {quote(meta.pk.column)}"
    )
    with conn.cursor() as cursor:
        cursor.execute(sql, [json.dumps(rows, ensure_ascii=False)])
        ids = [row[0] for row in cursor.fetchall()]
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding, obj._state.db = False, db
    return list(objs)


def _record_type(field, conn) -> str:
    if field.get_internal_type() == "JSONField":
        return "jsonb"
    return field.db_type(conn).split("(")[0]


def _as_json(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value
