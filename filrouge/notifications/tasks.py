"""Background work of notifications, through Django's Tasks API. Tasks take ids, are idempotent."""

from django_tasks import task


@task()
def send_notification(notification_id: int) -> str:
    """Send a due notification (enqueued deferred to its due time by `intake.note_event`)."""
    from filrouge.notifications import services

    return services.send_notification(notification_id)


@task()
def sweep_notifications() -> int:
    """Enqueue again the overdue notifications whose task was lost (see `services.sweep`)."""
    from filrouge.notifications import services

    return services.sweep()
