"""A burst of signed inbound webhooks, as providers send them, and a client that sends it.

Used by `filrouge bench ingest` and by the kill test (`channels/tests/test_kill.py`):
Vonage SMS, WhatsApp Cloud API and X Account Activity payloads in each provider's
documented format, signed with the secrets the server was started with, French
texts from the demo catalogue, a share of exact duplicates (a provider resending
what it thinks was lost). Requests are built up front, so that sending them costs
the load generator little: it shares the machine with the server it measures.

The client speaks HTTP/1.1 over asyncio streams with keep-alive connections (it
reconnects when the server closes one), loopback only. A webhook that was not
answered 2xx is sent again later, like a provider's retry, until `deadline`.
"""

import asyncio
import hashlib
import hmac
import json
import random
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from filrouge.channels.x.parse import sign as x_sign
from filrouge.core.demo import catalogue

SMS, WHATSAPP, X = "sms", "whatsapp", "social"
PATHS = {SMS: "/hooks/sms/", WHATSAPP: "/hooks/whatsapp/", X: "/hooks/x/"}
OUR_NUMBER = "33644630000"
OUR_X_ID = "1556283749"
FILLERS = {
    "depuis": "hier soir",
    "adresse": "12 rue de la Roquette",
    "ville": "Lyon",
    "date_demenagement": "15 mars",
    "de_mois": "de février",
    "montant": "89,99",
    "ancienne_adresse": "3 rue Victor Hugo",
    "jour": "mardi",
    "telephone": "06 12 34 56 78",
    "ligne": "0612345678",
    "jours": "12",
}


@dataclass(frozen=True)
class Secrets:
    sms: str
    sms_method: str
    whatsapp: str
    x: str

    @classmethod
    def from_settings(cls) -> "Secrets":
        from django.conf import settings

        return cls(
            sms=settings.SMS_VONAGE_SIGNATURE_SECRET,
            sms_method=settings.SMS_VONAGE_SIGNATURE_METHOD,
            whatsapp=settings.WHATSAPP_APP_SECRET,
            x=settings.X_CONSUMER_SECRET,
        )

    def environ(self) -> dict[str, str]:
        """What the server must be started with to accept these signatures."""
        return {
            "SMS_VONAGE_SIGNATURE_SECRET": self.sms,
            "SMS_VONAGE_SIGNATURE_METHOD": self.sms_method,
            "WHATSAPP_APP_SECRET": self.whatsapp,
            "X_CONSUMER_SECRET": self.x,
        }


@dataclass(frozen=True)
class Webhook:
    channel: str
    external_id: str  # as `store_inbound` stores it
    request: bytes  # the whole HTTP/1.1 request, ready to write


def texts() -> list[str]:
    """What customers write (the demo catalogue), placeholders filled."""
    out = []
    for lines in catalogue.MESSAGES_IN.values():
        out.extend(line.format_map(FILLERS) for line in lines)
    out.extend(line.format_map(FILLERS) for line in catalogue.ANGRY_FOLLOWUPS)
    out.extend(catalogue.THANKS)
    return out


def _request(path: str, body: bytes, headers: dict[str, str], host: str) -> bytes:
    head = [f"POST {path} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(body)}"]
    head += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def sms(n: int, *, msisdn: str, text: str, secrets: Secrets, host: str) -> Webhook:
    """A Vonage inbound SMS (JSON body, `sig` parameter)."""
    from filrouge.channels.sms.signature import sign

    message_id = f"{0x0B000000_00000000 + n:016X}"
    params = {
        "api-key": "abcd1234",
        "msisdn": msisdn,
        "to": OUR_NUMBER,
        "messageId": message_id,
        "text": text,
        "type": "unicode",
        "keyword": text.split()[0].upper() if text.split() else "",
        "message-timestamp": "2026-11-23 10:00:00",
        "timestamp": str(1795000000 + n),
        "nonce": f"bench-{n}",
    }
    signed = sign(params, secret=secrets.sms, method=secrets.sms_method)
    body = json.dumps(signed, ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json"}
    return Webhook(SMS, message_id, _request(PATHS[SMS], body, headers, host))


def whatsapp(n: int, *, wa_id: str, name: str, text: str, secrets: Secrets, host: str) -> Webhook:
    """A WhatsApp Cloud API notification carrying one text message (`X-Hub-Signature-256`)."""
    wamid = "wamid.BENCH" + hashlib.sha256(str(n).encode()).hexdigest()[:32].upper()
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": OUR_NUMBER, "phone_number_id": "106540352242922"},
        "contacts": [{"profile": {"name": name}, "wa_id": wa_id}],
        "messages": [
            {
                "from": wa_id,
                "id": wamid,
                "timestamp": str(1795000000 + n),
                "type": "text",
                "text": {"body": text},
            }
        ],
    }
    note = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"value": value, "field": "messages"}]}],
    }
    body = json.dumps(note, ensure_ascii=False).encode()
    digest = hmac.new(secrets.whatsapp.encode(), body, hashlib.sha256).hexdigest()
    headers = {"Content-Type": "application/json", "X-Hub-Signature-256": f"sha256={digest}"}
    return Webhook(WHATSAPP, wamid, _request(PATHS[WHATSAPP], body, headers, host))


def x_dm(n: int, *, user_id: str, text: str, secrets: Secrets, host: str) -> Webhook:
    """An X Account Activity delivery carrying one direct message."""
    event_id = str(1896000000000000000 + n)
    payload = {
        "for_user_id": OUR_X_ID,
        "direct_message_events": [
            {
                "type": "message_create",
                "id": event_id,
                "created_timestamp": str(1795000000000 + n),
                "message_create": {
                    "target": {"recipient_id": OUR_X_ID},
                    "sender_id": user_id,
                    "message_data": {"text": text, "entities": {}},
                },
            }
        ],
        "users": {
            user_id: {"id": user_id, "name": f"Client {user_id}", "screen_name": f"c{user_id}"},
            OUR_X_ID: {"id": OUR_X_ID, "name": "Fil Rouge", "screen_name": "FilRougeTelecom"},
        },
    }
    body = json.dumps(payload, ensure_ascii=False).encode()
    headers = {
        "Content-Type": "application/json",
        "x-twitter-webhooks-signature": x_sign(body, secret=secrets.x),
    }
    return Webhook(X, f"x:dm:{event_id}", _request(PATHS[X], body, headers, host))  # as stored


def build(
    count: int,
    *,
    phones: Sequence[str],
    secrets: Secrets,
    host: str,
    seed: int = 3,
    duplicates: float = 0.05,
    unknown: float = 0.1,
    mix: tuple[float, float, float] = (0.6, 0.3, 0.1),
    start: int = 0,
) -> list[Webhook]:
    """`count` webhooks, of which a share `duplicates` repeats an earlier one exactly.

    Senders: `phones` (customers' E.164 numbers) for SMS and WhatsApp, a share
    `unknown` of unknown numbers; X senders are X user ids, which the demo data
    does not hold: they become prospects. `mix` is the SMS/WhatsApp/X share.
    """
    rng = random.Random(seed)
    lines = texts()
    unique = count - int(count * duplicates)
    out: list[Webhook] = []
    for i in range(unique):
        n = start + i
        text = rng.choice(lines)
        if phones and rng.random() >= unknown:
            phone = rng.choice(phones)
        else:
            phone = f"+3375{rng.randrange(10**7):07d}"  # nobody's number
        pick = rng.random()
        if pick < mix[0]:
            out.append(sms(n, msisdn=phone[1:], text=text, secrets=secrets, host=host))
        elif pick < mix[0] + mix[1]:
            name = rng.choice(("Marie Dupont", "Karim Benali", "Sophie Martin", "Jean Petit"))
            out.append(
                whatsapp(n, wa_id=phone[1:], name=name, text=text, secrets=secrets, host=host)
            )
        else:
            user = str(1_400_000_000 + rng.randrange(50_000))
            out.append(x_dm(n, user_id=user, text=text, secrets=secrets, host=host))
    for _ in range(count - unique):  # the provider resends some, a little later
        position = rng.randrange(len(out))
        out.insert(min(len(out), position + rng.randrange(1, 200)), out[position])
    return out


@dataclass
class Outcome:
    """What the client saw: per external id, whether it was acknowledged, and latencies."""

    acknowledged: set[tuple[str, str]] = field(default_factory=set)
    statuses: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    latencies: list[float] = field(default_factory=list)  # seconds, of 2xx answers
    sent: int = 0
    errors: int = 0  # connection refused/reset, no answer
    retried: int = 0
    given_up: int = 0
    seconds: float = 0.0


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """(status, whether the server keeps the connection open)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length, keep = 0, lines[0].startswith("HTTP/1.1")
    for line in lines[1:]:
        name, _sep, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value.strip())
        elif name == "connection":
            keep = value.strip().lower() == "keep-alive"
    if length:
        await reader.readexactly(length)
    return status, keep


async def send(
    webhooks: Iterable[Webhook],
    *,
    port: int,
    connections: int = 32,
    deadline: float = 600.0,
    retry_delay: float = 0.2,
    timeout: float = 10.0,
    on_progress=None,
) -> Outcome:
    """Send every webhook to 127.0.0.1:`port`, retrying the unacknowledged until `deadline` s.

    Bounded: each webhook is sent at most until the deadline, and the whole
    call returns by then.
    """
    outcome = Outcome()
    queue: asyncio.Queue = asyncio.Queue()
    for webhook in webhooks:
        queue.put_nowait(webhook)
    total = queue.qsize()
    started = time.perf_counter()
    end = started + deadline
    pending = [total]  # webhooks not yet acknowledged or given up

    async def one_connection() -> None:
        reader = writer = None
        while pending[0] > 0 and time.perf_counter() < end:
            try:
                webhook = queue.get_nowait()
            except asyncio.QueueEmpty:
                await asyncio.sleep(0.01)  # others are retrying: their webhooks may come back
                continue
            try:
                if writer is None:
                    reader, writer = await asyncio.wait_for(
                        asyncio.open_connection("127.0.0.1", port), timeout
                    )
                sent_at = time.perf_counter()
                writer.write(webhook.request)
                outcome.sent += 1
                status, keep = await asyncio.wait_for(_read_response(reader), timeout)
                latency = time.perf_counter() - sent_at
            except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
                outcome.errors += 1
                status, keep = 0, False
            outcome.statuses[status] += 1
            if not keep and writer is not None:
                writer.close()
                reader = writer = None
            if 200 <= status < 300:
                outcome.acknowledged.add((webhook.channel, webhook.external_id))
                outcome.latencies.append(latency)
                pending[0] -= 1
                if on_progress is not None:
                    on_progress(total - pending[0], total)
            elif 400 <= status < 500 or time.perf_counter() + retry_delay >= end:
                outcome.given_up += 1  # refused (sending it again changes nothing), or too late
                pending[0] -= 1
            else:
                outcome.retried += 1
                await asyncio.sleep(retry_delay)  # the provider tries again a little later
                queue.put_nowait(webhook)
        if writer is not None:
            writer.close()

    await asyncio.gather(*(one_connection() for _ in range(connections)))
    outcome.given_up += queue.qsize()
    outcome.seconds = time.perf_counter() - started
    return outcome


def percentile(values: Sequence[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]
