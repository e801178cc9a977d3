"""What the test suites of every app share: Debian's Chromium for the browser tests.

`browser_test` marks a module of browser tests (skipped, saying why, where Chromium
is missing); the `open_page` fixture (in `filrouge/conftest.py`) opens pages of one
Chromium on the live server: `open_page(width=390, height=844)` for a phone.
"""

from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
# Never `playwright install`: Debian's Chromium, headless, with nothing to download.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

browser_test = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
]


def free_port() -> int:
    """A TCP port free on loopback right now (for a server a test starts)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class MailSink:
    """A real SMTP server on loopback (`filrouge mailsink`'s handler) keeping each mail as
    an .eml file in `folder`; `lines` holds what it printed. The `mail_sink` fixture
    starts one and points Django's SMTP backend at it."""

    def __init__(self, folder: Path) -> None:
        from aiosmtpd.controller import Controller

        from filrouge.channels.management.commands.mailsink import Sink

        folder.mkdir(parents=True, exist_ok=True)
        self.folder, self.lines = folder, []
        self.port = free_port()
        self.controller = Controller(
            Sink(folder, self.lines.append), hostname="127.0.0.1", port=self.port
        )

    def messages(self) -> list:
        """The mails received, oldest first, parsed."""
        from email import message_from_bytes, policy

        return [
            message_from_bytes(p.read_bytes(), policy=policy.default)
            for p in sorted(self.folder.glob("*.eml"))
        ]
