"""`filrouge demo --customers N [--if-empty]`: load the French demo operator, print the logins."""

from django.core.management.base import BaseCommand, CommandError

from filrouge.core.demo import Options, Outcome, run
from filrouge.core.demo.staff import logins, password_file


class Command(BaseCommand):
    help = "Load a realistic French demo operator (idempotent) and print the demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=2000, help="How many customers.")
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing if any customer exists."
        )
        parser.add_argument("--seed", type=int, default=2026, help="Random seed (reproducible).")
        parser.add_argument("--no-progress", action="store_true", help="No progress bars.")

    def handle(self, *args, customers: int, if_empty: bool, seed: int, no_progress: bool, **kw):
        if customers < 5:
            raise CommandError("The demo needs at least 5 customers.")
        options = Options(customers=customers, seed=seed, progress=not no_progress)
        outcome = run(options, if_empty=if_empty)
        if outcome.loaded is None:
            self.stdout.write(f"Demo data not loaded: {outcome.reason}.")
        else:
            self._summary(outcome)
        self._logins(outcome)

    def _summary(self, outcome: Outcome) -> None:
        summary = outcome.loaded
        self.stdout.write(self.style.SUCCESS(f"Demo loaded in {summary.seconds:.1f} s:"))
        for name, count in summary.counts.items():
            self.stdout.write(f"  {count:>10,}  {name}".replace(",", " "))
        self.stdout.write("Cases to follow (logged in as agent1@demo.example):")
        for reference, description in summary.showcase:
            self.stdout.write(f"  {reference}  {description}")
        self._tracking_links([reference for reference, _description in summary.showcase])

    def _tracking_links(self, references: list[str]) -> None:
        """The customer's side of the showcase cases: links that open without any login."""
        from filrouge.cases.models import Case
        from filrouge.portal.links import tracking_url

        cases = Case.objects.filter(reference__in=references).order_by("reference")
        if not cases:
            return
        self.stdout.write("Follow them as the customer (no login; also on each case page):")
        for case in cases:
            self.stdout.write(f"  {tracking_url(case)}")

    def _logins(self, outcome: Outcome) -> None:
        users = logins()
        if not users:
            return
        self.stdout.write("Demo logins on http://127.0.0.1:8000/agent/ :")
        for email, role, team in users:
            self.stdout.write(f"  {email:<40} {role}{', ' + team if team else ''}")
        password = outcome.password
        if password.value is None:
            self.stdout.write("  password: unchanged (set FILROUGE_DEMO_PASSWORD to reset it)")
        elif password.source == "env":
            self.stdout.write("  password: the value of FILROUGE_DEMO_PASSWORD")
        else:
            self.stdout.write(f"  password: {password.value}   (kept in {password_file()})")
