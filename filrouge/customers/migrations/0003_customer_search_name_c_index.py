"""Name search in byte order (PostgreSQL only): an index on `search_name COLLATE "C"`.

`customers.selectors.search_customers` finds customers by a name prefix,
ordered by name. PostgreSQL turns `LIKE 'dup%'` into an index range only
under the "C" collation; databases created with another one (C.UTF-8,
fr_FR.UTF-8…) walked the whole name index instead: 0.4–1.2 s per search
over a million customers (bench/README.md), 0.2 ms with this index. The
expression must stay the one the selector builds (`Collate("search_name",
"C")`). SQLite compares bytes already and needs nothing.

Built CONCURRENTLY (hence `atomic = False`) so a production table is not
locked while the index is built.
"""

from django.db import migrations

INDEX = "customer_search_name_c_idx"
CREATE = (
    f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEX} ON customers_customer "
    '((search_name COLLATE "C"), id)'
)
DROP = f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}"


def _run(sql: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("customers", "0002_add_customer_is_prospect"),
    ]

    operations = [
        migrations.RunPython(_run(CREATE), _run(DROP), elidable=False),
    ]
