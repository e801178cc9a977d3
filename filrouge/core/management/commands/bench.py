"""`filrouge bench pages`: seed (or reuse) a big PostgreSQL and time the agent console's pages.
`filrouge bench ingest`: a storm of signed webhooks at gunicorn on loopback, then the drain.

Other apps add their own benchmark without touching this file: a module
`filrouge/<app>/benches.py` defining `BENCHES = {"name": Bench(help, add_arguments,
run)}`, where `add_arguments(parser)` declares its options and `run(options, write)`
runs it and returns True when its targets were met.
"""

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError

from filrouge.core.management import ingestbench, pagebench


@dataclass(frozen=True)
class Bench:
    help: str
    add_arguments: Callable
    run: Callable[[dict, Callable[[str], None]], bool]


def app_benches() -> dict[str, Bench]:
    found: dict[str, Bench] = {}
    for config in apps.get_app_configs():
        if not config.name.startswith("filrouge."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.benches")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.benches":
                raise
            continue
        found.update(module.BENCHES)
    return found


class Command(BaseCommand):
    help = "Benchmarks run by hand (figures go to bench/results and the README)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="which", required=True)
        pages = sub.add_parser("pages", help="Case page, my queue and customer search at scale.")
        pages.add_argument("--customers", type=int, default=1_000_000)
        pages.add_argument("--cases-per-customer", type=float, default=2.0)
        pages.add_argument("--requests", type=int, default=200, help="Requests per page.")
        pages.add_argument("--results", default="bench/results", help="Where to write results.")

        slots = sub.add_parser("slots", help="Customers racing for the same technician slots.")
        slots.add_argument("--customers", type=int, default=500)
        slots.add_argument("--slots", type=int, default=20)
        slots.add_argument("--capacity", type=int, default=5, help="Technicians per slot.")
        slots.add_argument("--clients", type=int, default=40, help="Concurrent connections.")
        slots.add_argument("--tries", type=int, default=3, help="Slots tried per customer.")

        ingest = sub.add_parser("ingest", help="Inbound webhooks: acknowledged/s, latency, drain.")
        ingest.add_argument("--messages", type=int, default=100_000)
        ingest.add_argument("--duplicates", type=float, default=0.05, help="Share resent.")
        ingest.add_argument("--web-workers", type=int, default=2, help="gunicorn processes.")
        ingest.add_argument("--threads", type=int, default=16, help="> 1: gthread workers.")
        ingest.add_argument("--connections", type=int, default=32, help="Client connections.")
        ingest.add_argument("--workers", type=int, default=2, help="Task workers for the drain.")
        ingest.add_argument("--claim", type=int, default=200, help="Tasks claimed at a time.")
        ingest.add_argument("--deadline", type=float, default=900, help="Seconds for the burst.")
        ingest.add_argument("--drain-deadline", type=float, default=3600)
        ingest.add_argument("--results", default="bench/results", help="Where to write results.")

        for name, bench in app_benches().items():
            bench.add_arguments(sub.add_parser(name, help=bench.help))

    def handle(self, *args, which: str, **options):
        if bench := app_benches().get(which):
            if not bench.run(options, self.stdout.write):
                raise CommandError(f"{which}: the benchmark's targets were not met (see above).")
            return
        if which == "slots":
            self._slots(options)
            return
        if which == "ingest":
            self._ingest(options)
            return
        result = pagebench.run(
            customers=options["customers"],
            cases_per_customer=options["cases_per_customer"],
            requests=options["requests"],
            out_dir=Path(options["results"]),
            write=self.stdout.write,
        )
        self.stdout.write("")
        self.stdout.write(result["markdown"])
        self.stdout.write(f"\nResults written to {result['path']}")

    def _slots(self, o) -> None:
        import json

        from filrouge.appointments import bench

        try:
            result = bench.run(
                customers=o["customers"],
                slots=o["slots"],
                capacity=o["capacity"],
                clients=o["clients"],
                tries=o["tries"],
                write=self.stdout.write,
            )
        except bench.BenchError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps(result, indent=2, ensure_ascii=False))
        if not result["passed"]:
            raise CommandError("Slots over-booked, counters out of step, or unexpected errors.")

    def _ingest(self, options: dict) -> None:
        result = ingestbench.run(
            messages=options["messages"],
            duplicates=options["duplicates"],
            web_workers=options["web_workers"],
            threads=options["threads"],
            connections=options["connections"],
            workers=options["workers"],
            claim=options["claim"],
            deadline=options["deadline"],
            drain_deadline=options["drain_deadline"],
            out_dir=Path(options["results"]),
            write=self.stdout.write,
        )
        self.stdout.write("")
        self.stdout.write(result["markdown"])
        self.stdout.write(f"\nResults written to {result['path']}")
