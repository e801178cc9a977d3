import time

from django.core.management.base import BaseCommand

from filrouge.cases.services import sweep_overdue_promises


class Command(BaseCommand):
    help = "Mark overdue promises broken, raise their cases' priority and alert team leads."

    def add_arguments(self, parser):
        parser.add_argument(
            "--every", type=int, default=0, help="Repeat every N seconds (0: run once)."
        )
        parser.add_argument(
            "--times",
            type=int,
            default=0,
            help="With --every, stop after this many runs (0: forever).",
        )

    def handle(self, *args, every: int, times: int, **options):
        runs = 0
        while True:
            broken = sweep_overdue_promises()
            self.stdout.write(f"{broken} promise(s) marked broken")
            runs += 1
            if not every or (times and runs >= times):
                return
            time.sleep(every)
