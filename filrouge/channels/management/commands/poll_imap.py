"""`filrouge poll_imap [--once] [--every SECONDS]`: read the care mailbox over IMAP
(settings `IMAP_*`, see `channels/email/README.md` and `channels/email/imap.py`).

Without `--once` it polls every `--every` seconds (default `IMAP_POLL_INTERVAL`)
until stopped (SIGINT/SIGTERM stop it between two messages). A failed poll
(server down, login refused) is logged and tried again at the next interval;
the saved cursor is untouched, so nothing is skipped. With `--once` a failure
exits non-zero. A backlog larger than one poll's share is read without waiting.
"""

import logging
import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from filrouge.channels.email.imap import (
    MailboxMisconfigured,
    MailboxSettings,
    MailboxUnavailable,
    PollResult,
    poll,
)

logger = logging.getLogger("filrouge.channels.email.imap")


class Command(BaseCommand):
    help = "Poll the care mailbox over IMAP and file each new message on the right case."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Poll once, then stop.")
        parser.add_argument(
            "--every", type=float, default=None, help="Seconds between polls (IMAP_POLL_INTERVAL)."
        )

    def handle(self, *args, once: bool, every: float | None, **options):
        config = MailboxSettings.from_settings()
        interval = settings.IMAP_POLL_INTERVAL if every is None else every
        if interval <= 0:
            raise CommandError("--every must be a positive number of seconds")
        stop = threading.Event()
        if not once:
            for signum in (signal.SIGINT, signal.SIGTERM):
                signal.signal(signum, lambda *_: stop.set())
        while not stop.is_set():
            try:
                result = poll(config, should_stop=stop.is_set)
            except MailboxMisconfigured as exc:
                raise CommandError(str(exc)) from exc  # waiting will not fix the settings
            except (MailboxUnavailable, DatabaseError) as exc:
                if once:
                    logger.error("IMAP poll failed, cursor kept: %s", exc)
                    raise CommandError(str(exc)) from exc
                logger.error("IMAP poll failed, cursor kept: %s (next try in %g s)", exc, interval)
            else:
                self.stdout.write(_summary(config, result))
                if result.more and not once:
                    continue
            if once:
                return
            stop.wait(interval)


def _summary(config: MailboxSettings, result: PollResult) -> str:
    reread = " (UIDVALIDITY changed: mailbox read again)" if result.reread else ""
    return (
        f"{config.label}: {result.stored} new, {result.duplicates} already stored, "
        f"{result.passed} left in the mailbox; cursor at "
        f"{result.uidvalidity}:{result.last_uid}{reread}."
    )
