"""`filrouge incidents sweep [--every 60]`: plan lost fan-outs, queue stalled chunks again."""

import time

from django.core.management.base import BaseCommand

from filrouge.incidents import fanout


class Command(BaseCommand):
    help = "Network incidents: the sweep of the notices to affected customers."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="which", required=True)
        sweep = sub.add_parser(
            "sweep", help="Plan the updates whose planning was lost; queue stalled chunks again."
        )
        sweep.add_argument(
            "--every", type=float, default=0, help="Seconds between sweeps (0: sweep once)."
        )

    def handle(self, *args, which: str, every: float = 0, **options):
        while True:
            planned, requeued = fanout.sweep()
            self.stdout.write(f"{planned} updates to plan, {requeued} stalled chunks queued again.")
            if not every:
                return
            time.sleep(every)
