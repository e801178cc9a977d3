"""`filrouge sweep_notifications`: send the notifications a crash left behind."""

from django.core.management.base import BaseCommand

from filrouge.notifications.services import sweep


class Command(BaseCommand):
    help = "Enqueue again the customer notifications that are overdue (their task was lost)."

    def handle(self, *args, **options):
        count = sweep()
        self.stdout.write(f"{count} notification(s) enqueued.")
