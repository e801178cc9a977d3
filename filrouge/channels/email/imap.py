"""Inbound e-mail read from a mailbox over IMAP, for operators whose care address is
a mailbox (Exchange, Gmail, a hosted Dovecot…) rather than an MTA relaying to
`filrouge smtpd`.

Each poll logs in, opens the mailbox and reads the messages whose UID is above
the saved cursor (`MailboxCursor`: UIDVALIDITY + last UID), oldest first. Each
raw message goes through `store_inbound`, exactly as the SMTP listener's, so a
message fetched twice, or seen by both paths, is one message (its Message-ID is
the key). Only then is it flagged `\\Seen` on the server, and only then does
the cursor move past it: a crash anywhere re-reads at most one message, which
is dropped as a duplicate. Nothing is ever deleted or moved in the mailbox.

If the server rebuilt the mailbox (a new UIDVALIDITY: old UIDs mean nothing
any more), the whole mailbox is read again and idempotency drops what was
already stored. A message over the size limit, or empty, is left unread in
the mailbox for a person to look at, logged, and passed.

Errors connecting, negotiating TLS, logging in or opening the mailbox raise
`MailboxUnavailable` with a sentence saying which step failed; the cursor is
untouched, so the next poll resumes where the last good one stopped.
"""

import base64
import imaplib
import logging
import os
import re
import ssl
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.db import transaction

from filrouge.channels.email.models import MailboxCursor
from filrouge.channels.email.parse import read_message_id
from filrouge.channels.services import MAX_INBOUND_BYTES, InboundRejected, store_inbound
from filrouge.core.clock import now
from filrouge.customers.models import Channel

logger = logging.getLogger(__name__)

SECURITIES = ("ssl", "starttls", "none")
LOOPBACK = {"127.0.0.1", "::1", "localhost"}
MAX_PER_POLL = 500  # a long backlog is read over several polls, each one short


class MailboxUnavailable(RuntimeError):
    """The mailbox could not be read (network, TLS, login, mailbox): nothing was read."""


class MailboxMisconfigured(MailboxUnavailable):
    """The settings cannot work (no host, unknown security...): retrying will not help."""


@dataclass(frozen=True)
class MailboxSettings:
    host: str
    user: str
    password: str
    port: int = 993
    mailbox: str = "INBOX"
    security: str = "ssl"
    timeout: float = 30.0
    ca_file: str = ""  # trust these CAs instead of the system's

    @classmethod
    def from_settings(cls) -> "MailboxSettings":
        return cls(
            host=settings.IMAP_HOST,
            port=settings.IMAP_PORT,
            user=settings.IMAP_USER,
            password=settings.IMAP_PASSWORD,
            mailbox=settings.IMAP_MAILBOX or "INBOX",
            security=settings.IMAP_SECURITY,
            timeout=settings.IMAP_TIMEOUT,
            ca_file=settings.IMAP_CA_FILE,
        )

    def tls_context(self) -> ssl.SSLContext:
        """Certificate and host name verified, against IMAP_CA_FILE or the system's CAs."""
        return ssl.create_default_context(cafile=self.ca_file or None)

    @property
    def label(self) -> str:
        return f"{self.user}@{self.host}:{self.port}/{self.mailbox}"

    def check(self) -> None:
        if not self.host or not self.user:
            raise MailboxMisconfigured("IMAP_HOST and IMAP_USER must be set to poll a mailbox")
        if self.security not in SECURITIES:
            raise MailboxMisconfigured(
                f"IMAP_SECURITY={self.security!r}: expected one of {', '.join(SECURITIES)}"
            )
        if self.ca_file and not os.path.isfile(self.ca_file):
            raise MailboxMisconfigured(f"IMAP_CA_FILE={self.ca_file!r} is not a readable file")
        if self.security == "none" and self.host.lower() not in LOOPBACK:
            raise MailboxMisconfigured(
                "IMAP_SECURITY=none would send the password in clear: it is only allowed "
                "for a server on this host (127.0.0.1, ::1, localhost); use ssl or starttls"
            )


@dataclass
class PollResult:
    stored: int = 0  # new messages committed
    duplicates: int = 0  # already stored (fetched before, or received over SMTP too)
    passed: int = 0  # too large, empty or gone: left in the mailbox, logged
    uidvalidity: int | None = None
    last_uid: int = 0
    reread: bool = False  # the server's UIDVALIDITY changed: the mailbox was read again
    more: bool = False  # stopped at MAX_PER_POLL with messages still waiting


def poll(
    config: MailboxSettings,
    *,
    limit: int = MAX_PER_POLL,
    should_stop: Callable[[], bool] = lambda: False,
) -> PollResult:
    """Read the mailbox's new messages into `store_inbound`, resuming from the cursor."""
    if transaction.get_connection().in_atomic_block:
        # Inside a transaction, "committed" would come after "flagged \Seen": refuse.
        raise RuntimeError("poll() must run outside a transaction")
    config.check()
    with _session(config) as client:
        uidvalidity, exists, writable = _open(client, config)
        cursor, _created = MailboxCursor.objects.get_or_create(
            host=config.host.lower()[:253], user=config.user[:254], mailbox=config.mailbox[:200]
        )
        result = PollResult(uidvalidity=uidvalidity, last_uid=cursor.last_uid)
        if cursor.uidvalidity != uidvalidity:
            result.reread, result.last_uid = cursor.uidvalidity is not None, 0
            if result.reread:
                logger.warning(
                    "IMAP %s: UIDVALIDITY changed from %s to %s, reading the mailbox again",
                    config.label,
                    cursor.uidvalidity,
                    uidvalidity,
                )
            MailboxCursor.objects.filter(pk=cursor.pk).update(uidvalidity=uidvalidity, last_uid=0)
        with _step("reading the messages of", config):
            uids = _new_uids(client, after=result.last_uid) if exists else []
            result.more = len(uids) > limit
            for uid, size in _sizes(client, uids[:limit]):
                if should_stop():
                    result.more = True
                    break
                _take(client, uid, size, config=config, writable=writable, result=result)
                MailboxCursor.objects.filter(
                    pk=cursor.pk, uidvalidity=uidvalidity, last_uid__lt=uid
                ).update(last_uid=uid)
                result.last_uid = uid
        MailboxCursor.objects.filter(pk=cursor.pk).update(polled_at=now())
    return result


@contextmanager
def _step(what: str, config: MailboxSettings) -> Iterator[None]:
    """Network and protocol failures become one sentence naming the step that failed."""
    try:
        yield
    except (OSError, imaplib.IMAP4.error) as exc:
        detail = exc.args[0] if isinstance(exc, imaplib.IMAP4.error) and exc.args else str(exc)
        if isinstance(detail, bytes):
            detail = detail.decode("utf-8", "replace")
        detail = detail or type(exc).__name__
        raise MailboxUnavailable(f"IMAP: failed {what} {config.label}: {detail}") from exc


@contextmanager
def _session(config: MailboxSettings) -> Iterator[imaplib.IMAP4]:
    with _step("connecting to", config):
        if config.security == "ssl":
            client: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                config.host,
                config.port,
                ssl_context=config.tls_context(),
                timeout=config.timeout,
            )
        else:
            client = imaplib.IMAP4(config.host, config.port, timeout=config.timeout)
    try:
        if config.security == "starttls":
            with _step("negotiating STARTTLS with", config):
                client.starttls(ssl_context=config.tls_context())
        with _step("logging in (user or password refused?) to", config):
            client.login(config.user, config.password)
        yield client
    finally:
        with suppress(OSError, imaplib.IMAP4.error):  # the server went away: nothing to close
            client.logout()


def _open(client: imaplib.IMAP4, config: MailboxSettings) -> tuple[int, int, bool]:
    """Select the mailbox: (UIDVALIDITY, number of messages, whether we may flag them)."""
    name = quote_mailbox(config.mailbox)
    writable = True
    with _step("opening the mailbox", config):
        try:
            status, data = client.select(name)
        except imaplib.IMAP4.readonly:  # shared read-only: read it, flag nothing
            writable = False
            status, data = client.select(name, readonly=True)
        if status != "OK":
            raise imaplib.IMAP4.error(_text(data))
        _kind, values = client.response("UIDVALIDITY")
        if not values or not values[0] or not values[0].isdigit():
            raise imaplib.IMAP4.error("the server gave no UIDVALIDITY")
        return int(values[0]), int(data[0] or 0), writable


def _new_uids(client: imaplib.IMAP4, *, after: int) -> list[int]:
    status, data = client.uid("SEARCH", None, f"UID {after + 1}:*")
    if status != "OK":
        raise imaplib.IMAP4.error(_text(data))
    # "n:*" always matches the last message, even below n: keep only the new ones.
    found = (int(x) for x in b" ".join(d or b"" for d in data).split())
    return sorted(u for u in found if u > after)


_UID = re.compile(rb"\bUID (\d+)")
_SIZE = re.compile(rb"\bRFC822\.SIZE (\d+)")


def _sizes(client: imaplib.IMAP4, uids: list[int]) -> list[tuple[int, int]]:
    """(uid, size) of each message, oldest first, asked in one command."""
    if not uids:
        return []
    status, data = client.uid("FETCH", f"{uids[0]}:{uids[-1]}", "(RFC822.SIZE)")
    if status != "OK":
        raise imaplib.IMAP4.error(_text(data))
    wanted, sizes = set(uids), {}
    for line in data:
        line = line[0] if isinstance(line, tuple) else line
        uid, size = _UID.search(line or b""), _SIZE.search(line or b"")
        if uid and size and int(uid[1]) in wanted:
            sizes[int(uid[1])] = int(size[1])
    return sorted(sizes.items())


def _take(
    client: imaplib.IMAP4,
    uid: int,
    size: int,
    *,
    config: MailboxSettings,
    writable: bool,
    result: PollResult,
) -> None:
    """Store one message, then flag it \\Seen: only what is committed is marked read."""
    if size > MAX_INBOUND_BYTES:
        logger.warning(
            "IMAP %s: message UID %s is %s bytes, over the %s-byte limit: left unread",
            config.label,
            uid,
            size,
            MAX_INBOUND_BYTES,
        )
        result.passed += 1
        return
    raw, received_at = _fetch(client, uid)
    if raw is None:  # expunged by someone else between the search and now
        result.passed += 1
        return
    try:
        _inbound, created = store_inbound(
            channel=Channel.EMAIL,
            external_id=read_message_id(raw),
            payload=raw,
            received_at=received_at,
        )
    except InboundRejected as exc:
        logger.warning("IMAP %s: message UID %s left unread: %s", config.label, uid, exc)
        result.passed += 1
        return
    if created:
        result.stored += 1
    else:
        result.duplicates += 1
    if writable:
        status, data = client.uid("STORE", str(uid), "+FLAGS.SILENT", r"(\Seen)")
        if status != "OK":
            logger.warning(
                "IMAP %s: UID %s stored but not flagged \\Seen: %s", config.label, uid, _text(data)
            )


def _fetch(client: imaplib.IMAP4, uid: int) -> tuple[bytes | None, datetime]:
    """The raw bytes (BODY.PEEK: reading does not flag it) and the server's arrival time."""
    status, data = client.uid("FETCH", str(uid), "(INTERNALDATE BODY.PEEK[])")
    if status != "OK":
        raise imaplib.IMAP4.error(_text(data))
    raw, header = None, b""
    for item in data:
        if isinstance(item, tuple) and b"BODY[]" in item[0]:
            raw, header = item[1], item[0]
        elif isinstance(item, bytes):
            header += b" " + item  # some servers send INTERNALDATE after the literal
    return raw, _arrival(header)


def _arrival(header: bytes) -> datetime:
    parsed = imaplib.Internaldate2tuple(header) if b"INTERNALDATE" in header else None
    if parsed is None:
        return now()
    return datetime.fromtimestamp(time.mktime(parsed), tz=UTC)


def _text(data: list) -> str:
    return " ".join(
        d.decode("utf-8", "replace") if isinstance(d, bytes) else str(d) for d in data or []
    )


def quote_mailbox(name: str) -> str:
    """A mailbox name as IMAP wants it: modified UTF-7 (RFC 3501 §5.1.3), then quoted."""
    encoded, pending = [], []

    def flush() -> None:
        if pending:
            chunk = base64.b64encode("".join(pending).encode("utf-16-be")).rstrip(b"=")
            encoded.append("&" + chunk.decode().replace("/", ",") + "-")
            pending.clear()

    for char in name:
        if 0x20 <= ord(char) <= 0x7E:
            flush()
            encoded.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    flush()
    text = "".join(encoded).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'
