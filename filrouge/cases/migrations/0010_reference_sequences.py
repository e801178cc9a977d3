"""On PostgreSQL, case references come from one sequence per year (decision 0006).

`cases_next_references(year, n)` returns `n` numbers from the sequence
`cases_reference_<year>`, creating it on first use (under an advisory lock, starting
after what the year's `ReferenceCounter` row already gave out). Sequences are not
transactional, so a rolled-back opening leaves a gap: references stay unique and
grow with time, they are not gapless. SQLite keeps the counter row.
"""

from django.db import migrations

# The advisory lock taken while a year's sequence is created (`services.REFERENCE_LOCK`).
CREATE = """
CREATE OR REPLACE FUNCTION cases_next_references(y integer, n integer)
RETURNS SETOF bigint LANGUAGE plpgsql AS $$
DECLARE
    name text := 'cases_reference_' || y;
    start bigint;
BEGIN
    IF to_regclass(name) IS NULL THEN
        PERFORM pg_advisory_xact_lock(7261001);
        SELECT coalesce(max(last), 0) + 1 INTO start FROM cases_referencecounter WHERE year = y;
        EXECUTE format('CREATE SEQUENCE IF NOT EXISTS %I START WITH %s', name, start);
    END IF;
    RETURN QUERY SELECT nextval(name) FROM generate_series(1, n);
END
$$;
"""
DROP = "DROP FUNCTION IF EXISTS cases_next_references(integer, integer)"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)  # no placeholders: %I is format()'s


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("cases", "0009_incident_triage_and_partner_ticket_kinds")]

    operations = [migrations.RunPython(create, drop)]
