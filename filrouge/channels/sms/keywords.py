"""STOP and START: a customer's choice about SMS, honoured and never turned into a case.

The French usage (the "STOP SMS" of the operators' own messages and the
"ARRET" of older services) plus the English word; case, accents, punctuation
and extra spaces do not matter. Only a message made of the keyword alone
counts: "je veux pas que ça s'arrête" is a message, not an opt-out.
"""

import re

from django.db import transaction

from filrouge.channels.message import Message
from filrouge.channels.models import InboundMessage, OptOut
from filrouge.channels.sms.parse import message_type
from filrouge.core.clock import now
from filrouge.customers.models import Channel
from filrouge.customers.normalise import fold

STOP_WORDS = frozenset({"stop", "stop sms", "stopsms", "arret", "arret sms", "unsubscribe"})
START_WORDS = frozenset({"start", "start sms", "startsms"})


def keyword(text: str) -> str:
    """The text folded to a bare keyword: "Stop SMS !" → "stop sms"."""
    return " ".join(re.sub(r"[^\w\s]", " ", fold(text)).split())


def screen(inbound: InboundMessage, message: Message) -> str:
    """Why this SMS makes no case ("opt_out", "opt_in", "binary"), or "" for a real message."""
    if message_type(bytes(inbound.payload)) == "binary":
        return "binary"
    word = keyword(message.text)
    if word in STOP_WORDS:
        opt_out(message.sender.phone, keyword=word, inbound=inbound)
        return "opt_out"
    if word in START_WORDS:
        opt_in(message.sender.phone)
        return "opt_in"
    return ""


@transaction.atomic
def opt_out(phone: str, *, keyword: str = "stop", inbound: InboundMessage | None = None) -> OptOut:
    """Record that `phone` wants no more SMS (the first STOP's date is kept)."""
    found, _created = OptOut.objects.get_or_create(
        channel=Channel.SMS,
        address=phone,
        defaults={"opted_out_at": now(), "keyword": keyword, "inbound": inbound},
    )
    return found


def opt_in(phone: str) -> None:
    OptOut.objects.filter(channel=Channel.SMS, address=phone).delete()


def has_opted_out(phone: str) -> bool:
    return OptOut.objects.filter(channel=Channel.SMS, address=phone).exists()
