"""Background work of channels, through Django's Tasks API. Tasks take ids and are idempotent."""

from django_tasks import task


@task()
def process_inbound(inbound_id: int) -> str:
    """File a stored inbound message on its case (enqueued by `store_inbound`)."""
    from filrouge.channels import services  # services enqueue these tasks: import at run time

    return services.process_inbound(inbound_id)


@task()
def deliver_outbound(outbound_id: int) -> str:
    """Send an answer on its channel (enqueued by `reply`, retried with back-off)."""
    from filrouge.channels import services

    return services.deliver_outbound(outbound_id)


@task()
def sweep_channels() -> int:
    """Re-enqueue orphaned inbound messages and due deliveries (see `services.sweep`)."""
    from filrouge.channels import services

    return services.sweep()


@task()
def poll_mastodon() -> int:
    """Read our Mastodon account's new mentions (what `filrouge poll_mastodon --once` does),
    for a scheduler that enqueues tasks rather than running commands. Returns how many."""
    from django.conf import settings

    from filrouge.channels.mastodon.poll import poll

    return poll(base_url=settings.MASTODON_BASE_URL, token=settings.MASTODON_ACCESS_TOKEN).stored


@task()
def poll_imap() -> int:
    """Read the care mailbox's new messages (what `filrouge poll_imap --once` does), for a
    scheduler that enqueues tasks. Returns how many were new; a failure is logged and raised
    (the task is recorded as failed) with the cursor kept."""
    import logging

    from filrouge.channels.email.imap import MailboxSettings, MailboxUnavailable, poll

    try:
        return poll(MailboxSettings.from_settings()).stored
    except MailboxUnavailable as exc:
        logging.getLogger("filrouge.channels.email.imap").error("IMAP poll failed: %s", exc)
        raise
