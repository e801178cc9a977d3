"""`filrouge smtpd --host 127.0.0.1 --port 2525`: receive the care mailbox over SMTP."""

import signal
import threading

from django.core.management.base import BaseCommand

from filrouge.channels.email.smtpd import make_controller
from filrouge.channels.services import MAX_INBOUND_BYTES


class Command(BaseCommand):
    help = "Receive e-mail over SMTP and file each message on the right case."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=2525)
        parser.add_argument(
            "--max-size", type=int, default=MAX_INBOUND_BYTES, help="Largest message, in bytes."
        )

    def handle(self, *args, host: str, port: int, max_size: int, **options):
        controller = make_controller(host, port, max_size=max_size)
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        controller.start()
        self.stdout.write(
            f"Listening for SMTP on {host}:{port}; messages are processed by `filrouge worker`."
        )
        try:
            stop.wait()
        finally:
            controller.stop()
