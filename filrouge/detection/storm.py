"""`filrouge simulate storm`: customers of one network element text us that it is down.

Each contact is an inbound SMS in Vonage's webhook format (signed as Vonage
signs it), stored by `channels.services.store_inbound` and filed by
`process_inbound` — the path every real SMS takes after the webhook — so the
case is opened or found, triage and the detector run in the filing's hooks,
and a person watching `/agent/detection/` sees the suspicion appear.
"""

import json
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from random import Random

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _

from filrouge.channels.services import process_inbound, store_inbound
from filrouge.channels.sms import signature
from filrouge.core.clock import now
from filrouge.customers.models import Channel, ContactPoint, Line
from filrouge.detection.models import Suspicion
from filrouge.network.models import NetworkElement

TEXTS = (
    "Bonjour, plus d'internet depuis ce matin, la fibre ne marche plus.",
    "Coupure totale chez moi : plus de connexion ni de télé depuis une heure.",
    "Ma box ne fonctionne plus, plus d'internet du tout. C'est une panne ?",
    "Bonsoir, panne de fibre dans ma rue, mes voisins aussi n'ont plus de réseau.",
    "Plus de tonalité et plus d'internet depuis midi, pouvez-vous vérifier ?",
    "Internet coupé depuis ce matin, le voyant fibre est rouge.",
)


class StormError(ValueError):
    pass


@dataclass(frozen=True)
class Sent:
    phone: str
    case_reference: str
    suspicions: list[Suspicion]


def mobiles_under(element: NetworkElement) -> list[str]:
    """One mobile number per customer whose line is served by the element or below it."""
    customers = Line.objects.filter(
        network_element__path__startswith=element.path, status=Line.Status.ACTIVE
    ).values("customer_id")
    rows = (
        ContactPoint.objects.filter(kind=ContactPoint.Kind.PHONE, customer_id__in=customers)
        .filter(Q(value__startswith="+336") | Q(value__startswith="+337"))
        .order_by("customer_id", "-is_primary", "pk")
        .values_list("customer_id", "value")
    )
    first: dict[int, str] = {}
    for customer_id, phone in rows:
        first.setdefault(customer_id, phone)
    return list(first.values())


def vonage_payload(phone: str, text: str, message_id: str) -> bytes:
    moment = now()
    params = {
        "msisdn": phone.lstrip("+"),
        "to": "33644630000",
        "messageId": message_id,
        "text": text,
        "type": "unicode",
        "keyword": text.split()[0].upper(),
        "message-timestamp": f"{moment:%Y-%m-%d %H:%M:%S}",
        "timestamp": str(int(moment.timestamp())),
        "nonce": secrets.token_hex(16),
    }
    signed = signature.sign(
        params,
        secret=settings.SMS_VONAGE_SIGNATURE_SECRET,
        method=settings.SMS_VONAGE_SIGNATURE_METHOD,
    )
    return json.dumps(signed, ensure_ascii=False).encode()


def storm(
    code: str,
    *,
    contacts: int,
    rate: float,
    seed: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[Sent]:
    """Send `contacts` outage SMS from customers under the element `code`, `rate` a minute
    (each from a different customer while there are enough), filing each one."""
    element = NetworkElement.objects.filter(code=code.strip()).first()
    if element is None:
        raise StormError(_("No network element has the code “%(code)s”.") % {"code": code})
    if contacts < 1 or rate <= 0:
        raise StormError(_("Give at least one contact and a positive rate (contacts a minute)."))
    phones = mobiles_under(element)
    if not phones:
        raise StormError(
            _("No customer with a mobile number under %(code)s.") % {"code": element.code}
        )
    rng = Random(seed)
    rng.shuffle(phones)
    run = secrets.token_hex(4)
    return _send(phones, contacts=contacts, rate=rate, run=run, rng=rng, sleep=sleep)


def _send(phones, *, contacts, rate, run, rng, sleep):
    for n in range(contacts):
        if n:
            sleep(60 / rate)
        phone = phones[n % len(phones)]
        before = set(Suspicion.objects.filter(status="open").values_list("pk", flat=True))
        inbound, _new = store_inbound(
            channel=Channel.SMS,
            external_id=f"storm-{run}-{n}",
            payload=vonage_payload(phone, rng.choice(TEXTS), f"storm-{run}-{n}"),
        )
        process_inbound(inbound.pk)
        inbound.refresh_from_db()
        raised = Suspicion.objects.filter(status="open").exclude(pk__in=before)
        yield Sent(
            phone,
            inbound.case.reference if inbound.case else "",
            list(raised.select_related("element")),
        )
