"""Background work on cases, through Django's Tasks API (database backend by default)."""

from django_tasks import task

from filrouge.cases.services import sweep_overdue_promises


@task()
def sweep_promises() -> int:
    """Break overdue promises; enqueued by `filrouge sweep_promises --every N`."""
    return sweep_overdue_promises()
