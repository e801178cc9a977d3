"""Background work of the TMF interface. Tasks take ids and are idempotent."""

from django_tasks import task


@task()
def deliver_event(delivery_id: int) -> str:
    """POST one TMF621 event to one listener (enqueued with its `HubDelivery` row)."""
    from filrouge.tmf import events  # events enqueue this task: import at run time

    return events.deliver(delivery_id)
