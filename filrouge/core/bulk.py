"""Set many rows' fields, each row its own values, in one statement.

Django's `bulk_update` writes `SET f = CASE WHEN id = 1 THEN … WHEN id = 2 THEN …`
per field: the statement grows with rows × fields and PostgreSQL evaluates the
CASE for each row. On PostgreSQL `bulk_set` sends one
`UPDATE t SET f = v.f … FROM (VALUES (…), (…)) AS v (…) WHERE t.id = v.id`
instead, each value cast to its column's type; elsewhere (SQLite) it falls back
to `bulk_update`. Values are bound parameters, names come from the model.
"""

from collections.abc import Sequence

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
