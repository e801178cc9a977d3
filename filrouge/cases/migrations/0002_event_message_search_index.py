"""Full-text index over the words of customer messages (PostgreSQL only).

`cases.selectors.search_cases` finds cases by words of their messages. Over
millions of events that needs an index: a GIN index on the French tsvector of
the message body and the opening subject, limited to the kinds the search
reads. The expression and the predicate must stay exactly those built by
`cases.selectors.message_search_vector` / `MESSAGE_KINDS`, or PostgreSQL will
not use the index (a test checks the plan). SQLite has no such index: the
selector falls back to `icontains` there.

Built CONCURRENTLY (hence `atomic = False`) so a production table is not
locked while the index is built.
"""

from django.db import migrations

INDEX = "event_message_fts_idx"

CREATE = f"""
CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEX} ON cases_event
USING gin (
    to_tsvector(
        'french'::regconfig,
        COALESCE((data ->> 'body'), '') || ' ' || COALESCE((data ->> 'subject'), '')
    )
)
WHERE case_id IS NOT NULL AND kind IN ('message_in', 'message_out', 'case_opened')
"""

DROP = f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}"


def _run(sql: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("cases", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(_run(CREATE), _run(DROP), elidable=False),
    ]
