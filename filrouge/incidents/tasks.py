"""Background work of incidents, through Django's Tasks API. Tasks take ids, are idempotent."""

from django_tasks import task


@task()
def plan_notices(update_id: int) -> int:
    """Cut an update's affected customers into chunks, one `send_chunk` task each."""
    from filrouge.incidents import fanout

    return fanout.plan_notices(update_id)


@task()
def send_chunk(chunk_id: int) -> int:
    """Tell one chunk's customers (claimed with SKIP LOCKED: never twice)."""
    from filrouge.incidents import fanout

    return fanout.send_chunk(chunk_id)


@task()
def deliver_notices(outbound_ids: list[int]) -> int:
    """Hand one chunk's messages to their channels (`channels.services.deliver_outbound`)."""
    from filrouge.incidents import fanout

    return fanout.deliver_notices(outbound_ids)


@task()
def sweep_notices() -> list[int]:
    """Plan lost updates and queue the stalled chunks again (see `fanout.sweep`)."""
    from filrouge.incidents import fanout

    return list(fanout.sweep())
