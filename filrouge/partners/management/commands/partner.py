from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from filrouge.cases.selectors import case_by_reference
from filrouge.partners.models import Partner
from filrouge.partners.services import PartnerError, add_partner, entrust_case
from filrouge.tmf.models import PartnerEndpoint


class Command(BaseCommand):
    help = (
        'Partner companies: `filrouge partner add "<name>"` prints its API key (once); '
        '`filrouge partner entrust "<name>" FR-2026-000123` lets it report on that case. '
        "With --tmf-url and --their-key, `add` also records the partner's own TMF621 API "
        "(where advisors open tickets for our cases) and our key there."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["add", "entrust"])
        parser.add_argument("name")
        parser.add_argument("references", nargs="*")
        parser.add_argument("--tmf-url", default="", help="The partner's TMF621 base URL.")
        parser.add_argument("--their-key", default="", help="Our API key at the partner.")

    def handle(self, *args, action: str, name: str, references: list[str], **options):
        if action == "add":
            url, their_key = options["tmf_url"].strip(), options["their_key"].strip()
            if bool(url) != bool(their_key):
                raise CommandError("--tmf-url and --their-key go together.")
            if url and not url.startswith(("http://", "https://")):
                raise CommandError("--tmf-url must be an http(s) address.")
            try:
                with transaction.atomic():
                    partner, raw = add_partner(name)
                    if url:
                        PartnerEndpoint.objects.create(
                            partner=partner, base_url=url.rstrip("/"), their_key=their_key
                        )
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
