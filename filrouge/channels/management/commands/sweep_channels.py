"""`filrouge sweep_channels`: re-enqueue inbound messages and deliveries a crash left behind."""

from django.core.management.base import BaseCommand

from filrouge.channels.services import sweep


class Command(BaseCommand):
    help = "Re-enqueue stored messages never processed and answers due for (re)delivery."

    def handle(self, *args, **options):
        count = sweep()
        self.stdout.write(f"{count} task(s) enqueued.")
