"""`filrouge simulate storm --element PM-… --contacts N --rate R`: an outage seen from the
customers' side — see `detection/storm.py`."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from filrouge.detection.storm import StormError, storm


class Command(BaseCommand):
    help = "Simulations for the demo: a storm of outage SMS from customers of one element."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="which", required=True)
        s = sub.add_parser("storm", help="Customers under a network element text that it is down.")
        s.add_argument("--element", required=True, help="Element code, e.g. PM-75111-001.")
        s.add_argument("--contacts", type=int, default=6, help="How many SMS (default 6).")
        s.add_argument("--rate", type=float, default=6.0, help="SMS per minute (default 6).")
        s.add_argument("--seed", type=int, default=None, help="Same customers and texts again.")

    def handle(self, *args, which: str, element: str, contacts: int, rate: float, seed, **o):
        try:
            sent = storm(element, contacts=contacts, rate=rate, seed=seed)
            for n, contact in enumerate(sent, 1):
                self.stdout.write(
                    _("%(n)d/%(total)d SMS from %(phone)s → case %(reference)s")
                    % {
                        "n": n,
                        "total": contacts,
                        "phone": contact.phone,
                        "reference": contact.case_reference,
                    }
                )
                for s in contact.suspicions:
                    line = _(
                        "   Suspected incident on %(element)s (%(customers)d customers, "
                        "p = %(p).1e): /agent/detection/"
                    ) % {
                        "element": f"{s.element.get_kind_display()} {s.element.code}",
                        "customers": s.customers,
                        "p": s.p_value,
                    }
                    self.stdout.write(self.style.WARNING(line))
        except StormError as exc:
            raise CommandError(str(exc)) from exc
