"""`filrouge bench pages`: seed (or reuse) a big PostgreSQL and time the agent console's pages."""

from pathlib import Path

from django.core.management.base import BaseCommand

from filrouge.core.management import pagebench


class Command(BaseCommand):
    help = "Benchmarks run by hand (figures go to bench/results and the README)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="which", required=True)
        pages = sub.add_parser("pages", help="Case page, my queue and customer search at scale.")
        pages.add_argument("--customers", type=int, default=1_000_000)
        pages.add_argument("--cases-per-customer", type=float, default=2.0)
        pages.add_argument("--requests", type=int, default=200, help="Requests per page.")
        pages.add_argument("--results", default="bench/results", help="Where to write results.")

    def handle(self, *args, which: str, **options):
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
