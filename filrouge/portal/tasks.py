"""Background work of the portal. Tasks take plain values (JSON), not objects."""

from django_tasks import task


@task()
def send_tracking_link(reference: str, contact: str, language: str) -> bool:
    """Send a case's tracking link to a contact point on file (see `services.send_tracking_link`).

    Enqueued for every well-formed request, matching or not, so the page does the
    same work and takes the same time whatever the answer. Run twice, it sends the
    link twice: harmless, and bounded by the per-reference limit of `limits.NEW_LINK`.
    """
    from filrouge.portal import services

    return services.send_tracking_link(reference, contact, language=language)
