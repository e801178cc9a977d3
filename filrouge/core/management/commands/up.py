"""`filrouge up`: the whole demo on one machine, in one terminal (what `make run` serves).

Starts, as child processes of this one, everything a care team's day needs:
the web server on 127.0.0.1:8000, the task worker (files inbound messages,
delivers answers), the SMTP listener for inbound e-mail on 127.0.0.1:2525, a
mail sink on 127.0.0.1:1025 that keeps the answers Fil Rouge sends, and the
promise sweep every minute. Their output is interleaved, each line prefixed
by who wrote it. Ctrl-C (or SIGTERM) stops them all; if one dies, the others
are stopped too, so a half-running demo never pretends to work.

In production each of these runs under the service manager instead (see
`docs/ARCHITECTURE.md`); this command is for development and demos only.
"""

import os
import signal
import subprocess
import sys
import threading
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

SERVICES = {
    "web": ["serve"],
    "worker": ["worker"],
    "smtpd": ["smtpd", "--host", "127.0.0.1", "--port", "2525"],
    "mailsink": ["mailsink", "--host", "127.0.0.1", "--port", "1025"],
    "promises": ["sweep_promises", "--every", "60"],
}


class Command(BaseCommand):
    help = "Run the web server, worker, SMTP listener, mail sink and promise sweep together."

    def add_arguments(self, parser):
        parser.add_argument(
            "--without",
            action="append",
            default=[],
            choices=sorted(SERVICES),
            help="Do not start this one (repeatable).",
        )

    def handle(self, *args, without: list[str], **options):
        if not settings.DEBUG:
            raise CommandError("`filrouge up` is for development: set DEBUG=1.")
        env = os.environ | {"PYTHONUNBUFFERED": "1"}
        env.setdefault("EMAIL_PORT", "1025")
        children: dict[str, subprocess.Popen] = {}
        for name, command in SERVICES.items():
            if name in without:
                continue
            children[name] = subprocess.Popen(  # noqa: S603 - our own commands
                [sys.executable, "-m", "filrouge", *command],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,  # Ctrl-C reaches us only; we stop them in order
            )
            threading.Thread(target=self._relay, args=(name, children[name]), daemon=True).start()
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        self.stdout.write(
            "Fil Rouge is up: http://127.0.0.1:8000/agent/ · network status "
            "http://127.0.0.1:8000/etat-du-reseau/ · inbound e-mail to "
            "smtp://127.0.0.1:2525 · answers kept by the sink on 127.0.0.1:1025. Ctrl-C stops."
        )
        try:
            while not stop.is_set():
                dead = [n for n, p in children.items() if p.poll() is not None]
                if dead:
                    self.stderr.write(f"{', '.join(dead)} stopped: stopping the others.")
                    break
                stop.wait(0.5)
        finally:
            _stop_all(children)
        if dead := [n for n, p in children.items() if p.returncode not in (0, -15, None)]:
            raise CommandError(f"{', '.join(dead)} exited with an error.")

    def _relay(self, name: str, child: subprocess.Popen) -> None:
        for line in child.stdout:
            self.stdout.write(f"{name:>8} | {line.decode(errors='replace').rstrip()}")
            self.stdout.flush()


def _stop_all(children: dict[str, subprocess.Popen], grace: float = 10.0) -> None:
    for child in children.values():
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for child in children.values():
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
