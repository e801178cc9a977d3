"""`filrouge sweep_statuspage`: finish the subscribers' notices a crash left behind (cron)."""

from django.core.management.base import BaseCommand

from filrouge.statuspage.fanout import sweep


class Command(BaseCommand):
    help = "Re-enqueue stalled status page notices; mark the ones interrupted while sending."

    def handle(self, *args, **options):
        counts = sweep()
        self.stdout.write(
            f"{counts['requeued']} notice(s) re-enqueued in {counts['batches']} batch(es), "
            f"{counts['interrupted']} interrupted while sending (not sent again)."
        )
