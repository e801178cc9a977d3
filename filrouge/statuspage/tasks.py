"""Background work of the status page. Tasks take plain values (ids) and are idempotent."""

from django_tasks import task


@task()
def send_confirmation(subscription_id: int, confirmations_sent: int) -> bool:
    """The confirmation e-mail (link) or SMS (code); skipped if a newer one was asked since."""
    from filrouge.statuspage import delivery
    from filrouge.statuspage.models import Subscription

    subscription = Subscription.objects.filter(pk=subscription_id).first()
    if subscription is None or subscription.state != Subscription.State.PENDING:
        return False
    if subscription.confirmations_sent != confirmations_sent:
        return False
    delivery.send_confirmation(subscription)
    return True


@task()
def plan_notices(update_id: int) -> int:
    from filrouge.statuspage import fanout

    return fanout.plan(update_id)


@task()
def send_batch(notice_ids: list[int]) -> dict:
    from filrouge.statuspage import fanout

    return fanout.send_batch(notice_ids)


@task()
def sweep() -> dict:
    from filrouge.statuspage import fanout

    return fanout.sweep()
