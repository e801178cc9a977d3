"""Fuzzing the e-mail intake: whatever the bytes, a message or a reason, never a crash."""

import contextlib
import hashlib

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from filrouge.cases.models import Case
from filrouge.channels.email.parse import parse, read_message_id
from filrouge.channels.message import Message, ParseError
from filrouge.channels.models import InboundMessage
from filrouge.channels.services import process_inbound, store_inbound

HEADER_NAMES = st.sampled_from(
    [
        "From",
        "Subject",
        "Message-ID",
        "In-Reply-To",
        "References",
        "Content-Type",
        "Content-Transfer-Encoding",
        "Content-Disposition",
        "Auto-Submitted",
        "Precedence",
        "Return-Path",
        "X-Anything",
    ]
)
VALUES = st.one_of(
    st.text(max_size=200),
    st.text(max_size=6000),  # huge headers
    st.sampled_from(
        [
            "a@exemple.fr",
            "=?utf-8?q?=C3=A9t=C3=A9?= <b@exemple.fr>",
            "=?iso-8859-1?b?6XTp?=",
            "=?x-bogus?q?abc?=",
            'multipart/mixed; boundary="b"',
            "multipart/report; report-type=delivery-status; boundary=",
            "text/plain; charset=x-unknown",
            "text/html; charset=utf-8",
            "base64",
            "quoted-printable",
            "attachment; filename*=utf-8''%ZZ.pdf",
            "<>",
        ]
    ),
)
BODIES = st.one_of(
    st.binary(max_size=2000),
    st.text(max_size=2000).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.just(b"--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b\r\n\r\n--b--\r\n"),
)


@st.composite
def mails(draw) -> bytes:
    headers = draw(st.lists(st.tuples(HEADER_NAMES, VALUES), max_size=12))
    lines = [f"{name}: {value}" for name, value in headers]
    head = "\r\n".join(lines).encode("utf-8", "surrogatepass")
    return head + b"\r\n\r\n" + draw(BODIES)


def _parse(raw: bytes):
    return parse(raw, external_id="x", received_at=timezone.now())


@given(st.binary(max_size=4000))
@settings(max_examples=300, deadline=None)
def test_random_bytes_give_a_message_or_a_parse_error(raw):
    with contextlib.suppress(ParseError):
        assert isinstance(_parse(raw), Message)
    assert read_message_id(raw)


@given(mails())
@settings(max_examples=400, deadline=None)
def test_random_mime_gives_a_message_or_a_parse_error(raw):
    try:
        message = _parse(raw)
    except ParseError:
        return
    assert message.sender.email
    assert isinstance(message.text, str)


@pytest.mark.django_db
@given(mails())
@example(b"From: 0@0.AA\r\nSubject: \x00\r\n\r\n")  # a NUL once reached PostgreSQL
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_random_mail_is_processed_ignored_or_failed_never_half_written(raw):
    external_id = hashlib.sha256(raw).hexdigest()
    inbound, _created = store_inbound(channel="email", external_id=external_id, payload=raw or b"x")
    cases_before = Case.objects.count()
    state = process_inbound(inbound.pk)
    assert state in {
        InboundMessage.State.PROCESSED,
        InboundMessage.State.IGNORED,
        InboundMessage.State.FAILED,
    }
    inbound.refresh_from_db()
    if state == InboundMessage.State.FAILED:
        assert inbound.reason == "unparsable", inbound.last_error  # not an unexpected crash
        assert inbound.case is None
        assert Case.objects.count() == cases_before
