"""A real IMAP server for tests: Debian's Dovecot, started in a temporary directory.

Its own configuration (nothing of /etc/dovecot is read), one passwd-file user,
maildir storage, plain IMAP on a free port of 127.0.0.1, no SSL; stopped and
removed afterwards. Dovecot starts as root and drops to unprivileged users
(`dovecot`, `dovenull` from the package, and `nobody` for the mailbox), so the
tests that use it skip when not run as root or when Dovecot is not installed
(`make test` installs it: see the Makefile's `imap-server` target).
"""

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
first_valid_uid = 1
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/passwd
}}
mail_location = maildir:~/Maildir
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""


@dataclass(frozen=True)
class ImapServer:
    host: str
    port: int
    user: str
    password: str


def why_not_available() -> str:
    """Why a Dovecot test server cannot run here, or "" if it can."""
    if dovecot_binary() is None:
        return "Dovecot is not installed (apt-get install dovecot-imapd, or `make test` as root)"
    if os.geteuid() != 0:
        return "the Dovecot test server must start as root (it drops to unprivileged users)"
    try:
        for user in ("dovecot", "dovenull", "nobody"):
            pwd.getpwnam(user)
    except KeyError as exc:
        return f"Dovecot's system user is missing: {exc}"
    return ""


def dovecot_binary() -> str | None:
    return shutil.which("dovecot") or next(
        (p for p in ("/usr/sbin/dovecot", "/usr/local/sbin/dovecot") if os.access(p, os.X_OK)),
        None,
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_dovecot(user: str = "care", password: str = "mot-de-passe") -> Iterator[ImapServer]:
    root = Path(tempfile.mkdtemp(prefix="fr-dovecot-"))
    root.chmod(0o755)  # the unprivileged mail and login processes go through it
    nobody = pwd.getpwnam("nobody")
    home = root / "mail" / user
    home.mkdir(parents=True)
    for path in (root / "mail", home):
        os.chown(path, nobody.pw_uid, nobody.pw_gid)
    (root / "passwd").write_text(
        f"{user}:{{PLAIN}}{password}:{nobody.pw_uid}:{nobody.pw_gid}::{home}::\n"
    )
    port = _free_port()
    (root / "dovecot.conf").write_text(CONFIG.format(root=root, port=port))
    process = subprocess.Popen(  # noqa: S603 - the installed dovecot, our config
        [dovecot_binary(), "-F", "-c", str(root / "dovecot.conf")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_until_listening(process, port, root)
        yield ImapServer(host="127.0.0.1", port=port, user=user, password=password)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(root, ignore_errors=True)


def _wait_until_listening(process: subprocess.Popen, port: int, root: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read().decode(errors="replace") if process.stdout else ""
            log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
            raise RuntimeError(f"Dovecot did not start: {output}\n{log}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as probe:
                if probe.recv(64).startswith(b"* OK"):
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"Dovecot did not listen on port {port} within 15 s")
