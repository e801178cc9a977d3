"""`filrouge appointments plan --days 21`: open technician slots from a capacity plan."""

from django.core.management.base import BaseCommand, CommandError

from filrouge.appointments.planning import Plan, PlanError, plan_slots
from filrouge.network.models import Area


class Command(BaseCommand):
    help = "Technician appointments: open the slots of the coming days."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="which", required=True)
        plan = sub.add_parser("plan", help="Create missing slots (idempotent).")
        plan.add_argument("--days", type=int, default=21, help="How many days ahead.")
        plan.add_argument("--morning", type=int, default=2, help="Technicians per morning.")
        plan.add_argument("--afternoon", type=int, default=2, help="Technicians per afternoon.")
        plan.add_argument(
            "--saturday", type=int, default=1, help="Technicians on Saturdays (mornings)."
        )
        plan.add_argument("--postcode", help="Only the areas of this postcode.")

    def handle(self, *args, which: str, **o):
        areas = Area.objects.all()
        if o["postcode"]:
            areas = areas.filter(postcode=o["postcode"])
            if not areas.exists():
                raise CommandError(f"No area with postcode {o['postcode']}.")
        try:
            created, kept = plan_slots(
                days=o["days"],
                plan=Plan(o["morning"], o["afternoon"], o["saturday"]),
                areas=areas,
            )
        except PlanError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{created} slots created, {kept} already planned, "
            f"for {areas.count()} areas over {o['days']} days."
        )
