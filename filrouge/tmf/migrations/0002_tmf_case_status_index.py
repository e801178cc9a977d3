"""`GET /troubleTicket?status=held` pages cases of one status by latest activity: an index
on cases (status, updated_at DESC, id DESC). Raw SQL in this app rather than a migration
of `cases` (the same statement on SQLite and PostgreSQL)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("tmf", "0001_tmf_interface"), ("cases", "0001_initial")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS tmf_case_status_updated_idx "
            "ON cases_case (status, updated_at DESC, id DESC)",
            "DROP INDEX IF EXISTS tmf_case_status_updated_idx",
        )
    ]
