"""Polling our Mastodon account's mentions, resuming from a saved cursor.

Mastodon pushes nothing to a plain app (its web push needs a browser-style
subscription): we poll `GET /api/v1/notifications?types[]=mention`. We page
with `min_id` rather than `since_id`: `since_id` returns the *newest* page above
the cursor, so a burst bigger than a page would leave a gap; `min_id` returns
the page *immediately* after the cursor, so paging forward reads everything.

Each page is stored (`store_inbound`: one row per status, the same status twice
is one message) and the cursor moved past it in one transaction: a crash
between pages re-reads at most one page, whose duplicates are dropped. A
notification we cannot read is logged and skipped, so one bad item cannot stop
the account for ever; a page that is not a list changes nothing.
"""

import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.db import transaction

from filrouge.channels.mastodon import parse
from filrouge.channels.mastodon.transport import PAGE_SIZE, fetch_mentions
from filrouge.channels.message import DeliveryRefused, ParseError
from filrouge.channels.models import SocialCursor
from filrouge.channels.services import store_inbound
from filrouge.core.clock import now
from filrouge.customers.models import Channel

logger = logging.getLogger(__name__)
MAX_PAGES = 25  # per poll: a long backlog is read over several polls, never in one go


@dataclass
class PollResult:
    stored: int = 0
    duplicates: int = 0
    skipped: int = 0
    pages: int = 0
    position: str = ""


def poll(*, base_url: str, token: str, max_pages: int = MAX_PAGES) -> PollResult:
    """Read every mention after the instance's saved cursor, page by page."""
    instance = (urlsplit(base_url).hostname or "").lower()
    if not instance or not token:
        raise DeliveryRefused("MASTODON_BASE_URL/MASTODON_ACCESS_TOKEN are not set")
    result = PollResult()
    cursor, _created = SocialCursor.objects.get_or_create(
        network=parse.NETWORK, account=instance[:254]
    )
    result.position = cursor.position
    for _page in range(max_pages):
        notifications = fetch_mentions(base_url=base_url, token=token, min_id=cursor.position)
        result.pages += 1
        _store_page(notifications, cursor=cursor, instance=instance, result=result)
        result.position = cursor.position
        if len(notifications) < PAGE_SIZE:
            break
    return result


@transaction.atomic
def _store_page(
    notifications: list, *, cursor: SocialCursor, instance: str, result: PollResult
) -> None:
    """Store one page, oldest first, and move the cursor past it, together."""
    newest = cursor.position
    for notification in sorted(notifications, key=_order):
        notification_id = notification.get("id") if isinstance(notification, dict) else None
        try:
            item = parse.stored(notification, instance=instance)
        except ParseError as exc:
            logger.warning("Mastodon notification skipped: %s", exc)
            result.skipped += 1
            item = None
        if item is not None:
            _inbound, created = store_inbound(
                channel=Channel.SOCIAL, external_id=item[0], payload=item[1]
            )
            result.stored += created
            result.duplicates += not created
        if isinstance(notification_id, str) and _order(notification) > _key(newest):
            newest = notification_id[:64]
    cursor.position, cursor.polled_at = newest, now()
    cursor.save(update_fields=["position", "polled_at"])


def _order(notification) -> tuple[int, str]:
    value = notification.get("id") if isinstance(notification, dict) else None
    return _key(value if isinstance(value, str) else "")


def _key(notification_id: str) -> tuple[int, str]:
    """Ids are strings that sort as numbers (Mastodon) or by length then text (flake ids)."""
    return (len(notification_id), notification_id)
