"""`filrouge poll_mastodon [--once]`: read our Mastodon account's mentions and direct
messages into Fil Rouge, resuming from the saved cursor (see `channels/mastodon/poll.py`).

Without `--once` it polls every `MASTODON_POLL_INTERVAL` seconds until stopped;
a failed poll (instance down, rate limit) is reported and tried again at the
next interval. Run one poller per instance: two would only store duplicates,
which are dropped, but waste the rate limit.
"""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from filrouge.channels.mastodon.poll import poll
from filrouge.channels.mastodon.transport import ProviderUnavailable
from filrouge.channels.message import DeliveryRefused


class Command(BaseCommand):
    help = "Poll our Mastodon account's mentions (public posts and direct messages)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Poll once, then stop.")
        parser.add_argument("--base-url", default="", help="Default: MASTODON_BASE_URL.")

    def handle(self, *args, once: bool, base_url: str, **options):
        base_url = base_url or settings.MASTODON_BASE_URL
        while True:
            try:
                result = poll(base_url=base_url, token=settings.MASTODON_ACCESS_TOKEN)
            except DeliveryRefused as exc:
                raise CommandError(f"Mastodon refused: {exc}") from exc
            except ProviderUnavailable as exc:
                if once:
                    raise CommandError(str(exc)) from exc
                self.stderr.write(f"Mastodon unavailable, next try in a while: {exc}")
            else:
                self.stdout.write(
                    f"{result.stored} new, {result.duplicates} already stored, "
                    f"{result.skipped} unreadable; cursor at {result.position or '-'}."
                )
            if once:
                return
            time.sleep(settings.MASTODON_POLL_INTERVAL)
