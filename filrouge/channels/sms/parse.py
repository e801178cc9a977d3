"""An inbound SMS as Vonage's SMS API delivers it → the normalised `Message`.

Vonage calls our webhook with the parameters as JSON (POST-JSON), as a form
(POST) or in the query string (GET), depending on the account's settings; all
three are read. A long SMS arrives as several webhooks, one per part, carrying
`concat=true`, `concat-ref` (same for every part of one message), `concat-total`
and `concat-part`: each part is stored on its own and `join` makes one message
of them. Whatever the bytes, the functions here return or raise `ParseError`.
"""

from datetime import datetime
from urllib.parse import parse_qsl

from filrouge.channels.message import (
    Message,
    ParseError,
    Sender,
    find_case_reference,
    find_tracking_link,
    load_json,
)
from filrouge.customers.models import Channel
from filrouge.customers.normalise import InvalidContact, normalise_phone

TYPES = ("text", "unicode", "binary")
MAX_TEXT = 10_000  # 255 parts of 153 characters is under 40,000; no phone sends that much
GAP = " […] "  # where a part that never came would have been


def read_params(raw: bytes, *, content_type: str = "") -> dict[str, str]:
    """The webhook's parameters from a JSON object, a form or a query string."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ParseError("the parameters are not UTF-8") from exc
    if "json" in content_type or text.lstrip()[:1] in {"{", "["}:
        data = load_json(text)
        if not isinstance(data, dict):
            raise ParseError("the JSON body is not an object")
        if any(isinstance(v, dict | list) for v in data.values()):
            raise ParseError("a parameter is not a single value")
        return {str(k): _scalar(v) for k, v in data.items()}
    try:
        return dict(parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text)))
    except ValueError as exc:
        raise ParseError(f"malformed form: {exc}") from exc


def _scalar(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def check(params: dict[str, str]) -> None:
    """Refuse what is not an inbound SMS before anything is stored."""
    if not params.get("messageId") or len(params["messageId"]) > 255:
        raise ParseError("missing or invalid messageId")
    if params.get("type", "text") not in TYPES:
        raise ParseError(f"unknown message type {params.get('type')!r}")
    if len(params.get("text", "")) > MAX_TEXT:
        raise ParseError("text too long")
    sender(params)
    if is_part(params):
        part_number(params)


def sender(params: dict[str, str]) -> Sender:
    msisdn = params.get("msisdn", "").strip()
    if not msisdn:
        raise ParseError("missing msisdn")
    try:
        phone = normalise_phone(msisdn if msisdn.startswith("+") else f"+{msisdn}")
    except InvalidContact as exc:
        raise ParseError(f"invalid msisdn {msisdn[:32]!r}") from exc
    return Sender(phone=phone)


def is_part(params: dict[str, str]) -> bool:
    return params.get("concat", "").lower() == "true"


def part_number(params: dict[str, str]) -> tuple[int, int]:
    """(part, total) of one part of a long SMS."""
    try:
        part, total = int(params["concat-part"]), int(params["concat-total"])
    except (KeyError, ValueError) as exc:
        raise ParseError("concat without valid concat-part/concat-total") from exc
    if not 1 <= part <= total <= 255 or not params.get("concat-ref"):
        raise ParseError("concat-part/concat-total/concat-ref out of range")
    return part, total


def group_key(params: dict[str, str]) -> str:
    """What the parts of one long SMS share (the reference is per sender, and recycled)."""
    if not is_part(params):
        return ""
    return f"{params['msisdn'][-20:]}:{params['concat-ref'][:20]}:{params['concat-total']}"


def parse(raw: bytes, *, external_id: str, received_at: datetime) -> Message:
    params = read_params(raw)
    check(params)
    return _message(params, text=params.get("text", ""), external_id=external_id, at=received_at)


def parts_of(raw: bytes) -> tuple[int, int]:
    """(part, total) of a stored payload; (1, 1) for a message sent whole."""
    params = read_params(raw)
    return part_number(params) if is_part(params) else (1, 1)


def join(payloads: list[bytes], *, external_id: str, received_at: datetime) -> Message:
    """One message of the parts received, in order; a missing part leaves a visible gap."""
    by_number: dict[int, dict[str, str]] = {}
    total = 1
    for raw in payloads:
        params = read_params(raw)
        check(params)
        number, total = part_number(params) if is_part(params) else (1, 1)
        by_number.setdefault(number, params)
    if not by_number:
        raise ParseError("no part to join")
    texts = [by_number[n].get("text", "") if n in by_number else None for n in range(1, total + 1)]
    text = "".join(t if t is not None else GAP for t in texts)
    first = by_number[min(by_number)]
    return _message(first, text=text, external_id=external_id, at=received_at)


def _message(params: dict[str, str], *, text: str, external_id: str, at: datetime) -> Message:
    text = text.replace("\r\n", "\n").strip()
    link_reference, token = find_tracking_link(text)
    return Message(
        channel=Channel.SMS,
        external_id=external_id,
        sender=sender(params),
        received_at=at,
        text=text,
        case_reference=find_case_reference(text) or link_reference,
        tracking_reference=link_reference,
        tracking_token=token,
    )


def message_type(raw: bytes) -> str:
    try:
        return read_params(raw).get("type", "text")
    except ParseError:
        return ""
