"""An e-mail as received (RFC 5322 bytes) → the normalised `Message`.

Built on the standard library's `email` package with `policy.default`, which
decodes encoded-word headers and charsets. Whatever the bytes, `parse` returns
a `Message` or raises `ParseError` with a reason; it never raises anything else.
"""

import hashlib
import re
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesHeaderParser, BytesParser
from email.utils import getaddresses
from html.parser import HTMLParser

from filrouge.channels.message import (
    Attachment,
    Message,
    ParseError,
    Sender,
    find_case_reference,
    find_tracking_link,
)
from filrouge.customers.models import Channel
from filrouge.customers.normalise import InvalidContact, normalise_email

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENTS = 20
ACCEPTED_TYPES = (
    "image/",
    "application/pdf",
    "text/plain",
    "text/csv",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.",
    "application/vnd.oasis.opendocument.",
    "application/vnd.ms-excel",
    "message/rfc822",
)
REFUSED_EXTENSIONS = (".exe", ".bat", ".cmd", ".com", ".js", ".vbs", ".scr", ".msi", ".jar")
# Types whose first bytes we can check; an attachment claiming one must have them.
SIGNATURES = {
    "application/pdf": (b"%PDF-",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
}
# Windows (MZ), Linux (ELF), macOS (Mach-O) programs and Java classes, whatever they claim.
EXECUTABLE_MAGIC = (
    b"MZ",
    b"\x7fELF",
    b"\xca\xfe\xba\xbe",
    b"\xcf\xfa\xed\xfe",
    b"\xce\xfa\xed\xfe",
)
AUTO_SUBJECTS = re.compile(
    r"^\s*(réponse automatique|reponse automatique|absence|message d'absence|"
    r"absent du bureau|automatic reply|auto(matic)?[ -]?reply|out of (the )?office|auto:)",
    re.IGNORECASE,
)
DAEMONS = re.compile(r"^(mailer-daemon|postmaster)@", re.IGNORECASE)
_REPLY_PREFIX = re.compile(r"^\s*((re|tr|fw|fwd|réf)\s*:\s*)+", re.IGNORECASE)


def parse(raw: bytes, *, external_id: str, received_at: datetime) -> Message:
    try:
        mail = BytesParser(policy=policy.default).parsebytes(raw)
        return _read(mail, external_id=external_id, received_at=received_at)
    except ParseError:
        raise
    except Exception as exc:  # noqa: BLE001 - the email package has many ways to fail
        raise ParseError(f"unreadable e-mail: {type(exc).__name__}: {exc}") from exc


def _read(mail: EmailMessage, *, external_id: str, received_at: datetime) -> Message:
    sender = _sender(mail)
    subject = _header(mail, "Subject")
    text, html = _bodies(mail)
    is_bounce = _is_bounce(mail, sender)
    shown = strip_quoted(text) if text else html_to_text(html)
    link_reference, token = find_tracking_link(text or html)
    return Message(
        channel=Channel.EMAIL,
        external_id=external_id,
        sender=sender,
        received_at=received_at,
        subject=subject,
        text=shown,
        html=html,
        attachments=_attachments(mail),
        in_reply_to=next(iter(message_ids(_header(mail, "In-Reply-To"))), ""),
        references=tuple(message_ids(_header(mail, "References"))),
        case_reference=find_case_reference(subject, shown) or link_reference,
        tracking_reference=link_reference,
        tracking_token=token,
        is_auto_reply=not is_bounce and _is_auto_reply(mail, subject),
        is_bounce=is_bounce,
        bounced_ids=_bounced_ids(mail) if is_bounce else (),
    )


def read_message_id(raw: bytes) -> str:
    """The Message-ID of raw mail (without <>), or a hash of the bytes when it has none."""
    try:
        headers = BytesHeaderParser(policy=policy.default).parsebytes(raw)
        ids = message_ids(_header(headers, "Message-ID"))
    except Exception:  # noqa: BLE001 - a missing id is not a reason to refuse mail
        ids = []
    if ids and len(ids[0]) <= 255:
        return ids[0]
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def has_sender(raw: bytes) -> bool:
    """Whether the mail names someone in From: the least we need to make a message of it."""
    try:
        headers = BytesHeaderParser(policy=policy.default).parsebytes(raw)
        return any(addr for _name, addr in getaddresses([_header(headers, "From")]))
    except Exception:  # noqa: BLE001
        return False


def message_ids(value: str) -> list[str]:
    """Message ids in a header value, without their angle brackets."""
    ids = re.findall(r"<([^<>\s]+)>", value or "")
    if not ids and value and value.strip():
        ids = value.split()
    return [i[:255] for i in ids]


def _header(mail: EmailMessage, name: str) -> str:
    value = mail.get(name)
    return " ".join(str(value).split()) if value is not None else ""


def _sender(mail: EmailMessage) -> Sender:
    pairs = getaddresses([_header(mail, "From")])
    name, address = next(((n, a) for n, a in pairs if a), ("", ""))
    if not address:
        raise ParseError("no sender address in From")
    if len(address) > 254:  # RFC 5321's limit, and our column's
        raise ParseError("sender address too long")
    try:
        email = normalise_email(address)
    except InvalidContact as exc:
        raise ParseError(f"invalid sender address {address!r}") from exc
    return Sender(email=email, name=name.strip()[:160])


def _content(part: EmailMessage) -> str:
    try:
        return part.get_content()
    except (LookupError, UnicodeError, AssertionError, KeyError):
        # An unknown or lying charset: keep what can be read rather than nothing.
        payload = part.get_payload(decode=True) or b""
        return payload.decode("utf-8", errors="replace")


def _bodies(mail: EmailMessage) -> tuple[str, str]:
    if mail.get_content_type() == "multipart/report":
        # A delivery report: its human-readable part is the text, nothing else matters.
        first = next(iter(mail.iter_parts()), None)
        return (_content(first) if first is not None and not first.is_multipart() else ""), ""
    plain = mail.get_body(preferencelist=("plain",))
    html = mail.get_body(preferencelist=("html",))
    text = _content(plain) if plain is not None else ""
    markup = _content(html) if html is not None else ""
    if isinstance(text, bytes) or isinstance(markup, bytes):
        raise ParseError("text part without a usable charset")
    return text.replace("\r\n", "\n").strip(), markup.strip()


def _attachments(mail: EmailMessage) -> tuple[Attachment, ...]:
    return tuple(attachment for attachment, _payload in attachment_parts(mail))


def read_attachments(raw: bytes) -> list[tuple[Attachment, bytes]]:
    """The attachments of raw mail with their decoded contents, judged as `parse` judges them:
    what the processing task stores (accepted) or lists with the reason (refused)."""
    return attachment_parts(BytesParser(policy=policy.default).parsebytes(raw))


def attachment_parts(mail: EmailMessage) -> list[tuple[Attachment, bytes]]:
    found: list[tuple[Attachment, bytes]] = []
    for part in mail.iter_attachments() if mail.is_multipart() else ():
        if part.get_content_type() in {"message/delivery-status", "text/rfc822-headers"}:
            continue
        payload = _payload(part)
        kind = part.get_content_type()
        name = (part.get_filename() or "").strip()[:200]
        attachment = Attachment(filename=name, content_type=kind, size=len(payload))
        found.append((_judge(attachment, len(found), payload), payload))
    return found


def _payload(part: EmailMessage) -> bytes:
    """The attachment's bytes, transfer encoding undone (a forwarded mail: its RFC 822 bytes)."""
    payload = part.get_payload(decode=True)
    if isinstance(payload, bytes):
        return payload
    inner = part.get_payload()
    if isinstance(inner, list) and inner:
        try:
            return inner[0].as_bytes(policy=policy.SMTP)
        except Exception:  # noqa: BLE001 - a forwarded mail we cannot re-serialise
            return str(inner[0]).encode("utf-8", errors="replace")
    return str(inner or "").encode("utf-8", errors="replace")


def sniff(payload: bytes) -> str:
    """The type the first bytes prove (PDF, JPEG, PNG), "executable" for programs, or ""."""
    if payload.startswith(EXECUTABLE_MAGIC):
        return "executable"
    return next(
        (kind for kind, magics in SIGNATURES.items() if payload.startswith(magics)),
        "",
    )


def _judge(attachment: Attachment, index: int, payload: bytes = b"") -> Attachment:
    """Apply the limits: a refused attachment is listed (the advisor sees it was sent), not kept.

    The declared type and the name decide what is allowed; the first bytes must not be a
    program, and a type we can check (PDF, JPEG, PNG) must be what the bytes are.
    """
    reason = ""
    proven = sniff(payload)
    if index >= MAX_ATTACHMENTS:
        reason = "too_many"
    elif attachment.size > MAX_ATTACHMENT_BYTES:
        reason = "too_large"
    elif (
        not attachment.content_type.startswith(ACCEPTED_TYPES)
        or attachment.filename.lower().endswith(REFUSED_EXTENSIONS)
        or proven == "executable"
    ):
        reason = "type_not_allowed"
    elif attachment.content_type in SIGNATURES and proven != attachment.content_type:
        reason = "content_mismatch"
    if not reason:
        return attachment
    return Attachment(
        filename=attachment.filename,
        content_type=attachment.content_type,
        size=attachment.size,
        accepted=False,
        refused_because=reason,
    )


def _is_auto_reply(mail: EmailMessage, subject: str) -> bool:
    """RFC 3834 Auto-Submitted, the common vendor headers, and the usual subjects."""
    auto = _header(mail, "Auto-Submitted").lower()
    if auto and auto != "no":
        return True
    if mail.get("X-Autoreply") is not None or mail.get("X-Autorespond") is not None:
        return True
    if _header(mail, "Precedence").lower() in {"bulk", "auto_reply", "junk", "list"}:
        return True
    return bool(AUTO_SUBJECTS.match(subject))


def _is_bounce(mail: EmailMessage, sender: Sender) -> bool:
    if mail.get_content_type() == "multipart/report":
        return True
    if DAEMONS.match(sender.email):
        return True
    return _header(mail, "Return-Path") == "<>"


def _bounced_ids(mail: EmailMessage) -> tuple[str, ...]:
    """The Message-ID of the message a delivery report is about, if it quotes its headers."""
    for part in mail.walk():
        kind = part.get_content_type()
        if kind == "text/rfc822-headers":
            headers = BytesHeaderParser(policy=policy.default).parsebytes(
                part.get_payload(decode=True) or b""
            )
            return tuple(message_ids(_header(headers, "Message-ID")))
        if kind == "message/rfc822":
            inner = part.get_payload()
            if isinstance(inner, list) and inner:
                return tuple(message_ids(_header(inner[0], "Message-ID")))
    return ()


def clean_subject(subject: str) -> str:
    """A subject without its "Re:"/"TR:" prefixes and without our "[FR-…]" tag."""
    subject = re.sub(r"\[FR-\d{4}-\d{6,9}\]", " ", subject, flags=re.IGNORECASE)
    return " ".join(_REPLY_PREFIX.sub("", subject.strip()).split())


_QUOTE_HEADER = re.compile(
    r"^(le .{3,200} a écrit ?:|on .{3,200} wrote:|-+ ?(message d'origine|original message) ?-+|"
    r"de ?: .+|from: .+)$",
    re.IGNORECASE,
)


def strip_quoted(text: str) -> str:
    """The new words of a reply: stop at the quoted history ("Le … a écrit :", "> …").

    Only a recognisable quote is cut; if cutting would leave nothing, the text is kept whole.
    """
    kept: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if _QUOTE_HEADER.match(stripped):
            break
        if stripped.startswith(">"):
            continue
        kept.append(line.rstrip())
    new = "\n".join(kept).strip()
    return new or text.strip()


class _TextExtractor(HTMLParser):
    BLOCKS = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "blockquote"})
    SKIPPED = frozenset({"script", "style", "head", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIPPED:
            self.skipping += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """Readable text from an HTML-only mail: blocks become lines, scripts and styles vanish."""
    if not html:
        return ""
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    lines = (" ".join(line.split()) for line in "".join(extractor.parts).splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
