import time

from django.core.management.base import BaseCommand

from filrouge.tmf import client, events, loopback


class Command(BaseCommand):
    help = (
        "TMF621 upkeep: `filrouge tmf sweep` re-sends stalled event deliveries to listeners; "
        "`filrouge tmf poll` asks partners for the tickets we opened there; "
        "`filrouge tmf dates` escalates partners' missed dates (the promise sweep does it too); "
        "`filrouge tmf loopback` plays a partner round trip on this running server (README)."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["sweep", "poll", "dates", "loopback"])
        parser.add_argument("--case", default="", help="loopback: the case to hand over.")
        parser.add_argument("--pause", type=float, default=10, help="loopback: seconds to look.")
        parser.add_argument("--every", type=int, default=0, help="Repeat every N seconds.")
        parser.add_argument("--times", type=int, default=0, help="With --every: stop after N.")

    def handle(self, *args, action: str, every: int, times: int, **options):
        if action == "loopback":
            loopback.run(reference=options["case"], pause=options["pause"], write=self.stdout.write)
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
