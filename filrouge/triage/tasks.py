"""Background work of triage, through Django's Tasks API. Tasks take ids and are idempotent."""

from django_tasks import task


@task()
def read_messages(event_ids: list[int]) -> int:
    """Read the customer messages `event_ids` (posted on the tracking page, a letter, a case
    opened with a message…) that no triage has read yet; returns how many were read."""
    from filrouge.triage.intake import read_events

    return read_events(event_ids)
