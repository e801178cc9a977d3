import time

from django.core.management.base import BaseCommand

from filrouge.tmf import client, events, loopback


class Command(BaseCommand):
    help = (
        "TMF621 upkeep: `filrouge tmf sweep` re-sends stalled event deliveries to listeners; "
        "`filrouge tmf poll` asks partners for the tickets we opened there; "
        "`filrouge tmf dates` escalates partners' missed dates (the promise sweep does it too); "
        "`filrouge tmf loopback` plays a partner round trip on this running server, at once or "
        "step by step: --setup, --hand FR-…, --promise FR-… --days N, --resolve FR-… --note … "
        "[--wait] (README)."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["sweep", "poll", "dates", "loopback"])
        parser.add_argument("--case", default="", help="loopback: the case to hand over.")
        parser.add_argument("--pause", type=float, default=10, help="loopback: seconds to look.")
        step = parser.add_mutually_exclusive_group()
        step.add_argument("--setup", action="store_true", help="loopback: add the partners.")
        step.add_argument("--hand", metavar="FR-…", help="loopback: hand this case over.")
        step.add_argument("--promise", metavar="FR-…", help="loopback: the partner gives a date.")
        step.add_argument("--resolve", metavar="FR-…", help="loopback: the partner resolves.")
        parser.add_argument("--days", type=int, default=2, help="--promise: in how many days.")
        parser.add_argument("--note", default="", help="--resolve: what the partner did.")
        parser.add_argument("--wait", action="store_true", help="--resolve: until our case knows.")
        parser.add_argument(
            "--timeout", type=float, default=30, help="loopback: seconds to wait for an event."
        )
        parser.add_argument("--every", type=int, default=0, help="Repeat every N seconds.")
        parser.add_argument("--times", type=int, default=0, help="With --every: stop after N.")

    def handle(self, *args, action: str, every: int, times: int, **options):
        if action == "loopback":
            self._loopback(**options)
            return
        run = {
            "sweep": lambda: f"{events.sweep()} delivery(ies) re-enqueued",
            "poll": lambda: f"{client.poll()} ticket(s) read at partners",
            "dates": lambda: f"{client.sweep_missed_dates()} missed date(s) escalated",
        }[action]
        runs = 0
        while True:
            self.stdout.write(run())
            runs += 1
            if not every or (times and runs >= times):
                return
            time.sleep(every)

    def _loopback(self, *, setup, hand, promise, resolve, days, note, wait, timeout, **options):
        write = self.stdout.write
        if setup:
            loopback.setup(write=write)
        elif hand:
            loopback.hand(hand, write=write)
        elif promise:
            loopback.promise(promise, days=days, seconds=timeout, write=write)
        elif resolve:
            loopback.resolve(resolve, note=note, wait=wait, seconds=timeout, write=write)
        else:
            loopback.run(reference=options["case"], pause=options["pause"], write=write)
