"""A real IMAP server for tests: Debian's Dovecot, started in a temporary directory.

Its own configuration (nothing of /etc/dovecot is read), one passwd-file user,
maildir storage, IMAP (with STARTTLS) and IMAPS on free ports of 127.0.0.1
with a self-signed certificate made for the run; stopped and removed
afterwards. Dovecot starts as root and drops to unprivileged users (`dovecot`,
`dovenull` from the package, and `nobody` for the mailbox), so the tests that
use it skip when not run as root or when Dovecot is not installed
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
ssl = yes
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
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
    address = 127.0.0.1
    port = {tls_port}
  }}
}}
"""


@dataclass(frozen=True)
class ImapServer:
    host: str
    port: int  # plain IMAP, STARTTLS offered
    tls_port: int  # IMAPS
    ca_file: str  # the server's self-signed certificate, for 127.0.0.1 and localhost
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
    _self_signed_certificate(root)
    port, tls_port = _free_port(), _free_port()
    (root / "dovecot.conf").write_text(CONFIG.format(root=root, port=port, tls_port=tls_port))
    process = subprocess.Popen(  # noqa: S603 - the installed dovecot, our config
        [dovecot_binary(), "-F", "-c", str(root / "dovecot.conf")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_until_listening(process, port, root)
        _wait_until_listening(process, tls_port, root, greeting=b"")
        yield ImapServer(
            host="127.0.0.1",
            port=port,
            tls_port=tls_port,
            ca_file=str(root / "cert.pem"),
            user=user,
            password=password,
        )
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(root, ignore_errors=True)


def _self_signed_certificate(root: Path) -> None:
    """cert.pem and key.pem for 127.0.0.1 and localhost, valid two days (openssl comes
    with dovecot-core)."""
    subprocess.run(  # noqa: S603 - fixed arguments
        [
            shutil.which("openssl") or "/usr/bin/openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout",
            str(root / "key.pem"),
            "-out",
            str(root / "cert.pem"),
        ],
        check=True,
        capture_output=True,
    )


def _wait_until_listening(
    process: subprocess.Popen, port: int, root: Path, greeting: bytes = b"* OK"
) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read().decode(errors="replace") if process.stdout else ""
            log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
            raise RuntimeError(f"Dovecot did not start: {output}\n{log}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as probe:
                if not greeting or probe.recv(64).startswith(greeting):
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"Dovecot did not listen on port {port} within 15 s")
