"""The real protocol: mail put in a Dovecot mailbox with `imaplib.append`, read by
`filrouge poll_imap`, filed by the worker like mail received over SMTP.
"""

import imaplib
import io
import os
import re
import subprocess
import sys
import time
import uuid

import pytest
from django.core.management import CommandError, call_command

from filrouge.cases.models import Event
from filrouge.channels import tasks
from filrouge.channels.email import imap
from filrouge.channels.email.models import MailboxCursor
from filrouge.channels.email.smtpd import accept
from filrouge.channels.email.tests.dovecot import running_dovecot, why_not_available
from filrouge.channels.models import InboundMessage
from filrouge.channels.tests.builders import raw_mail
from filrouge.customers.tests.factories import EmailFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(bool(why_not_available()), reason=why_not_available() or "-"),
]


@pytest.fixture(scope="module")
def server():
    with running_dovecot() as running:
        yield running


@pytest.fixture
def client(server):
    connection = imaplib.IMAP4(server.host, server.port, timeout=10)
    connection.login(server.user, server.password)
    yield connection
    connection.logout()


@pytest.fixture
def mailbox(server, client, settings):
    """A fresh mailbox of the test server, and the settings pointing at it."""
    name = f"Clients-{uuid.uuid4().hex[:8]}"
    assert client.create(name)[0] == "OK"
    settings.IMAP_HOST, settings.IMAP_PORT = server.host, server.port
    settings.IMAP_USER, settings.IMAP_PASSWORD = server.user, server.password
    settings.IMAP_MAILBOX, settings.IMAP_SECURITY = name, "none"
    return name


def _put(client: imaplib.IMAP4, mailbox: str, raw: bytes) -> None:
    status, data = client.append(mailbox, None, None, raw)
    assert status == "OK", data


def _flags(client: imaplib.IMAP4, mailbox: str) -> dict[int, bytes]:
    client.select(mailbox, readonly=True)
    _status, data = client.uid("FETCH", "1:*", "(FLAGS)")
    found = {}
    for line in data:
        if line and (match := re.search(rb"UID (\d+)", line)):
            found[int(match[1])] = line
    return found


def _run_tasks() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


def _poll() -> str:
    out = io.StringIO()
    call_command("poll_imap", "--once", stdout=out)
    return out.getvalue()


def test_mail_put_in_the_mailbox_lands_on_the_customers_case(client, mailbox):
    customer = EmailFactory(value="marie.dupont@exemple.fr").customer
    raw = raw_mail(
        sender="Marie Dupont <marie.dupont@exemple.fr>",
        subject="Plus de fibre depuis lundi",
        body="Le voyant de la box clignote en rouge.",
        message_id="<imap-1@exemple.fr>",
    )
    _put(client, mailbox, raw)

    assert "1 new, 0 already stored" in _poll()
    inbound = InboundMessage.objects.get()
    assert (inbound.external_id, inbound.state) == ("imap-1@exemple.fr", "received")
    assert bytes(inbound.payload).replace(b"\r\n", b"\n") == raw.replace(b"\r\n", b"\n")
    assert b"\\Seen" in _flags(client, mailbox)[1]  # flagged only once committed
    cursor = MailboxCursor.objects.get(mailbox=mailbox)
    assert cursor.last_uid == 1
    assert cursor.uidvalidity
    assert cursor.polled_at

    _run_tasks()
    inbound.refresh_from_db()
    assert inbound.state == InboundMessage.State.PROCESSED
    assert inbound.case.customer == customer
    assert inbound.case.subject == "Plus de fibre depuis lundi"
    body = inbound.case.events.get(kind=Event.Kind.MESSAGE_IN).data["body"]
    assert body == "Le voyant de la box clignote en rouge."


def test_polling_twice_stores_nothing_new_and_reads_only_what_came_since(client, mailbox):
    _put(client, mailbox, raw_mail(message_id="<imap-a@exemple.fr>"))
    _put(client, mailbox, raw_mail(message_id="<imap-b@exemple.fr>"))
    assert "2 new" in _poll()
    assert "0 new, 0 already stored" in _poll()  # the cursor: nothing fetched again

    _put(client, mailbox, raw_mail(message_id="<imap-c@exemple.fr>"))
    assert "1 new, 0 already stored" in _poll()
    # A crash after the commit but before the cursor moved: re-read, nothing stored twice.
    MailboxCursor.objects.filter(mailbox=mailbox).update(last_uid=1)
    assert "0 new, 2 already stored" in _poll()
    _run_tasks()
    assert InboundMessage.objects.count() == 3
    assert Event.objects.filter(kind=Event.Kind.MESSAGE_IN).count() == 3
    assert all(b"\\Seen" in flags for flags in _flags(client, mailbox).values())


def test_a_mail_received_over_smtp_and_in_the_mailbox_is_one_message(client, mailbox):
    raw = raw_mail(message_id="<both-paths@exemple.fr>")
    accept(raw, mail_from="anne@exemple.fr")  # what the SMTP listener does with it
    _put(client, mailbox, raw)
    assert "0 new, 1 already stored" in _poll()
    _run_tasks()
    assert InboundMessage.objects.count() == 1
    assert Event.objects.filter(kind=Event.Kind.MESSAGE_IN).count() == 1


def test_a_new_uidvalidity_reads_the_mailbox_again_and_drops_what_was_stored(client, mailbox):
    first, second = raw_mail(message_id="<v-1@exemple.fr>"), raw_mail(message_id="<v-2@exemple.fr>")
    _put(client, mailbox, first)
    _put(client, mailbox, second)
    _poll()
    before = MailboxCursor.objects.get(mailbox=mailbox)
    # The server rebuilds the mailbox: same mail, new UIDs, a new UIDVALIDITY.
    client.select("INBOX")
    assert client.delete(mailbox)[0] == "OK"
    assert client.create(mailbox)[0] == "OK"
    for raw in (first, second, raw_mail(message_id="<v-3@exemple.fr>")):
        _put(client, mailbox, raw)

    out = _poll()
    assert "1 new, 2 already stored" in out
    assert "UIDVALIDITY changed" in out
    after = MailboxCursor.objects.get(mailbox=mailbox)
    assert after.uidvalidity != before.uidvalidity
    assert after.last_uid == 3
    assert InboundMessage.objects.count() == 3


def test_a_message_over_the_size_limit_is_left_unread_and_the_next_one_is_read(
    client, mailbox, monkeypatch
):
    monkeypatch.setattr(imap, "MAX_INBOUND_BYTES", 2000)
    _put(client, mailbox, raw_mail(body="x" * 5000, message_id="<big@exemple.fr>"))
    _put(client, mailbox, raw_mail(message_id="<small@exemple.fr>"))
    assert "1 new, 0 already stored, 1 left in the mailbox" in _poll()
    assert list(InboundMessage.objects.values_list("external_id", flat=True)) == [
        "small@exemple.fr"
    ]
    flags = _flags(client, mailbox)
    assert b"\\Seen" not in flags[1]
    assert b"\\Seen" in flags[2]
    assert MailboxCursor.objects.get(mailbox=mailbox).last_uid == 2


def test_a_mailbox_with_a_french_name_is_read(client, mailbox, settings):
    name = f"Réclamations-{uuid.uuid4().hex[:6]}"
    assert client.create(imap.quote_mailbox(name))[0] == "OK"
    _put(client, imap.quote_mailbox(name), raw_mail(message_id="<accent@exemple.fr>"))
    settings.IMAP_MAILBOX = name
    assert "1 new" in _poll()


@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_the_mailbox_is_read_over_tls_trusting_the_servers_own_ca(
    server, client, mailbox, settings, security
):
    _put(client, mailbox, raw_mail(message_id=f"<tls-{security}@exemple.fr>"))
    settings.IMAP_SECURITY, settings.IMAP_CA_FILE = security, server.ca_file
    settings.IMAP_PORT = server.tls_port if security == "ssl" else server.port
    assert "1 new" in _poll()


@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_a_certificate_nobody_vouches_for_is_refused_before_logging_in(
    server, mailbox, settings, security
):
    settings.IMAP_SECURITY, settings.IMAP_CA_FILE = security, ""  # the system's CAs only
    settings.IMAP_PORT = server.tls_port if security == "ssl" else server.port
    with pytest.raises(CommandError, match="CERTIFICATE_VERIFY_FAILED"):
        _poll()
    assert not MailboxCursor.objects.exists()


def test_a_refused_login_is_a_clear_error_and_keeps_the_cursor(mailbox, settings):
    settings.IMAP_PASSWORD = "pas-le-bon"
    MailboxCursor.objects.create(
        host=settings.IMAP_HOST, user=settings.IMAP_USER, mailbox=mailbox, uidvalidity=7, last_uid=4
    )
    with pytest.raises(CommandError, match="failed logging in") as refused:
        _poll()
    assert "pas-le-bon" not in str(refused.value)
    cursor = MailboxCursor.objects.get()
    assert (cursor.uidvalidity, cursor.last_uid, cursor.polled_at) == (7, 4, None)


def test_an_unreachable_server_is_a_clear_error(settings):
    settings.IMAP_HOST, settings.IMAP_PORT, settings.IMAP_USER = "127.0.0.1", 9, "care"
    settings.IMAP_SECURITY = "none"
    with pytest.raises(CommandError, match="failed connecting to care@127.0.0.1:9"):
        _poll()


def test_clear_text_to_another_host_is_refused_before_connecting(settings):
    settings.IMAP_HOST, settings.IMAP_USER, settings.IMAP_SECURITY = "imap.exemple.fr", "c", "none"
    with pytest.raises(CommandError, match="password in clear"):
        _poll()


def _command(*args: str, port: int, password: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "SECRET_KEY": "test-only-not-secret",
        "IMAP_HOST": "127.0.0.1",
        "IMAP_PORT": str(port),
        "IMAP_USER": "care",
        "IMAP_PASSWORD": password,
        "IMAP_SECURITY": "none",
    }
    command = [sys.executable, "-m", "filrouge", "poll_imap", *args]
    return subprocess.Popen(  # noqa: S603 - our own interpreter and command
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


def test_the_command_exits_non_zero_on_a_bad_login(server):
    once = _command("--once", port=server.port, password="faux")
    _out, err = once.communicate(timeout=60)
    assert once.returncode != 0
    assert b"failed logging in (user or password refused?) to care@127.0.0.1" in err
    assert b"AUTHENTICATIONFAILED" in err  # the server's own words
    assert b"faux" not in err


def test_the_looping_command_survives_a_server_that_is_down_and_stops_on_sigterm():
    looping = _command("--every", "0.2", port=9, password="x")  # nothing listens on port 9
    # Wait for two failed polls rather than a fixed time: on a loaded machine the
    # interpreter alone may take seconds to start, and a SIGTERM before the command
    # installed its handler would be a plain kill.
    refused = b"Connection refused (next try in 0.2 s)"
    err, deadline = b"", time.monotonic() + 60
    while err.count(refused) < 2 and time.monotonic() < deadline:
        line = looping.stderr.readline()
        assert line, "the command ended on its own"  # a failed poll is not a crash
        err += line
    assert looping.poll() is None  # still running after failed polls
    looping.terminate()
    _out, rest = looping.communicate(timeout=30)
    assert looping.returncode == 0
    assert (err + rest).count(refused) >= 2


def test_the_task_polls_the_configured_mailbox(client, mailbox):
    _put(client, mailbox, raw_mail(message_id="<task@exemple.fr>"))
    result = tasks.poll_imap.enqueue()
    _run_tasks()
    result.refresh()
    assert result.return_value == 1
    assert InboundMessage.objects.filter(external_id="task@exemple.fr").exists()


@pytest.mark.django_db
def test_polling_inside_a_transaction_is_refused(settings):
    # Under the test's transaction nothing would be committed before the \Seen flag.
    settings.IMAP_HOST, settings.IMAP_USER, settings.IMAP_SECURITY = "127.0.0.1", "c", "none"
    with pytest.raises(RuntimeError, match="outside a transaction"):
        imap.poll(imap.MailboxSettings.from_settings())
