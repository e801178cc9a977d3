from django.core.management.base import BaseCommand, CommandError

from filrouge.accounts.models import Agent
from filrouge.accounts.tokens import create_api_token


class Command(BaseCommand):
    help = "Personal API tokens: `filrouge token create <email> [--name NAME]` prints a new one."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["create"])
        parser.add_argument("email")
        parser.add_argument("--name", default="CLI")

    def handle(self, *args, action: str, email: str, name: str, **options):
        agent = Agent.objects.filter(email=email.strip().lower(), is_active=True).first()
        if agent is None:
            raise CommandError(f"No active agent with the e-mail {email}.")
        _token, raw = create_api_token(agent, name=name)
        self.stdout.write(raw)
