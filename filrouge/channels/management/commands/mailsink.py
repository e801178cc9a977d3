"""`filrouge mailsink [--host 127.0.0.1] [--port 1025] [--dir var/mailsink]`: a local mailbox
for what Fil Rouge sends, for the demo and for trying the channels without a real MTA.

Every message is kept as received in `<dir>/<time>-<n>.eml` (open it in any mail
client to see the threading) and its envelope and threading headers are printed.
It speaks real SMTP (aiosmtpd), so what arrives here is exactly what an MTA
would have been given. Never point a production `EMAIL_HOST` at it.
"""

import signal
import threading
from datetime import UTC, datetime
from email import message_from_bytes, policy
from pathlib import Path

from aiosmtpd.controller import Controller
from django.conf import settings
from django.core.management.base import BaseCommand

SHOWN = ("From", "To", "Subject", "Message-ID", "In-Reply-To", "References")


class Sink:
    """aiosmtpd handler: write each message to a file, print a summary, answer 250."""

    def __init__(self, folder: Path, write) -> None:
        self.folder, self.write, self.count = folder, write, 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", errors="surrogateescape")
        with self.lock:
            self.count += 1
            path = self.folder / f"{datetime.now(UTC):%Y%m%d-%H%M%S}-{self.count:04d}.eml"
        path.write_bytes(raw)
        message = message_from_bytes(raw, policy=policy.default)
        lines = [f"── mail {self.count} for {', '.join(envelope.rcpt_tos)} → {path}"]
        lines += [f"   {name}: {message[name]}" for name in SHOWN if message[name]]
        self.write("\n".join(lines))
        return "250 2.0.0 OK: kept in the sink"


class Command(BaseCommand):
    help = "A local SMTP sink that keeps every mail it is given as an .eml file."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=1025)
        parser.add_argument("--dir", default="", help="Default: <FILROUGE_VAR_DIR>/mailsink.")

    def handle(self, *args, host: str, port: int, dir: str, **options):
        folder = Path(dir) if dir else settings.VAR_DIR / "mailsink"
        folder.mkdir(parents=True, exist_ok=True)
        controller = Controller(Sink(folder, self._print), hostname=host, port=port)
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        controller.start()
        self._print(f"Mail sink listening on {host}:{port}; mail kept in {folder}")
        try:
            stop.wait()
        finally:
            controller.stop()

    def _print(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()
