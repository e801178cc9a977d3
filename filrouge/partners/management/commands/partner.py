from django.core.management.base import BaseCommand, CommandError

from filrouge.cases.selectors import case_by_reference
from filrouge.partners.models import Partner
from filrouge.partners.services import PartnerError, add_partner, entrust_case


class Command(BaseCommand):
    help = (
        'Partner companies: `filrouge partner add "<name>"` prints its API key (once); '
        '`filrouge partner entrust "<name>" FR-2026-000123` lets it report on that case.'
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["add", "entrust"])
        parser.add_argument("name")
        parser.add_argument("references", nargs="*")

    def handle(self, *args, action: str, name: str, references: list[str], **options):
        if action == "add":
            try:
                _partner, raw = add_partner(name)
            except PartnerError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(raw)
            return
        partner = Partner.objects.filter(name__iexact=name.strip()).first()
        if partner is None:
            raise CommandError(f"No partner named {name}.")
        for reference in references:
            case = case_by_reference(reference.strip().upper())
            if case is None:
                raise CommandError(f"No case {reference}.")
            entrust_case(case, partner=partner, by=None)
            self.stdout.write(f"{case.reference} entrusted to {partner.name}")
