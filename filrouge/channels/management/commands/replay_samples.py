"""`filrouge replay_samples sms|whatsapp [--url http://127.0.0.1:8000] [--phone +33612345678]`:
post the recorded provider samples, signed as the provider would, to a running server.

The samples are the ones the contract tests use (`channels/<kind>/tests/samples/`).
They are sent from the phone number given, or the first demo customer's mobile,
with fresh message ids (so each replay lands again; `--keep-ids` shows the
duplicates being dropped instead). Run `filrouge worker` to see them filed.
"""

import json
import secrets
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from filrouge.channels.sms import signature as sms_signature
from filrouge.channels.whatsapp.parse import sign as whatsapp_sign
from filrouge.customers.models import ContactPoint
from filrouge.customers.normalise import InvalidContact, normalise_phone

CHANNELS = Path(__file__).resolve().parents[2]
SMS_SAMPLES = ("inbound.json", "concat_1.json", "concat_2.json", "concat_3.json")
WHATSAPP_SAMPLES = ("text.json", "image.json", "document.json")


class Command(BaseCommand):
    help = "Post the recorded SMS or WhatsApp samples, correctly signed, to a running server."

    def add_arguments(self, parser):
        parser.add_argument("channel", choices=["sms", "whatsapp"])
        parser.add_argument("--url", default="http://127.0.0.1:8000")
        parser.add_argument("--phone", default="", help="Sender (E.164); default: a demo mobile.")
        parser.add_argument("--keep-ids", action="store_true", help="Replay the recorded ids.")
        parser.add_argument("--with-stop", action="store_true", help="Also send the STOP sample.")

    def handle(self, *args, channel: str, url: str, phone: str, keep_ids: bool, **options):
        phone = self._phone(phone)
        run = secrets.token_hex(4)
        if channel == "sms":
            names = SMS_SAMPLES + (("stop.json",) if options["with_stop"] else ())
            requests = [self._sms(name, phone=phone, run=run, keep_ids=keep_ids) for name in names]
        else:
            requests = [
                self._whatsapp(name, phone=phone, run=run, keep_ids=keep_ids)
                for name in WHATSAPP_SAMPLES
            ]
        endpoint = f"{url.rstrip('/')}/hooks/{channel}/"
        for name, body, headers in requests:
            status, answer = _post(endpoint, body, headers)
            self.stdout.write(f"{name:<16} → HTTP {status} {answer[:120]}")
        self.stdout.write(
            f"Sent from {phone}. Run `filrouge worker` (if it is not running) to file them, "
            "then find the customer's case in the agent console."
        )

    def _phone(self, phone: str) -> str:
        if phone:
            try:
                return normalise_phone(phone)
            except InvalidContact as exc:
                raise CommandError(str(exc)) from exc
        mobiles = ContactPoint.objects.filter(
            kind=ContactPoint.Kind.PHONE, customer__is_prospect=False
        ).filter(value__regex=r"^\+33[67]")
        found = mobiles.order_by("customer_id", "pk").values_list("value", flat=True).first()
        if not found:
            raise CommandError("No customer with a mobile number: pass --phone or load the demo.")
        return found

    def _sms(self, name: str, *, phone: str, run: str, keep_ids: bool):
        params = json.loads((CHANNELS / "sms" / "tests" / "samples" / name).read_text())
        moment = timezone.now()
        params |= {
            "msisdn": phone.lstrip("+"),
            "timestamp": str(int(moment.timestamp())),
            "message-timestamp": f"{moment:%Y-%m-%d %H:%M:%S}",
            "nonce": secrets.token_hex(16),
        }
        if not keep_ids:
            params["messageId"] = f"{params['messageId']}-{run}"
            if "concat-ref" in params:
                params["concat-ref"] = str(int(run, 16) % 256)
        signed = sms_signature.sign(
            params,
            secret=settings.SMS_VONAGE_SIGNATURE_SECRET,
            method=settings.SMS_VONAGE_SIGNATURE_METHOD,
        )
        return name, json.dumps(signed).encode(), {"Content-Type": "application/json"}

    def _whatsapp(self, name: str, *, phone: str, run: str, keep_ids: bool):
        data = json.loads((CHANNELS / "whatsapp" / "tests" / "samples" / name).read_text())
        wa_id = phone.lstrip("+")
        for entry in data["entry"]:
            for change in entry["changes"]:
                value = change["value"]
                for contact in value.get("contacts", []):
                    contact["wa_id"] = wa_id
                for message in value.get("messages", []):
                    message["from"] = wa_id
                    message["timestamp"] = str(int(time.time()))
                    if not keep_ids:
                        message["id"] = f"{message['id']}.{run}"
        raw = json.dumps(data).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Hub-Signature-256": whatsapp_sign(raw, secret=settings.WHATSAPP_APP_SECRET),
        }
        return name, raw, headers


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - our own server
            return answer.status, answer.read().decode(errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")
    except urllib.error.URLError as exc:
        reason = f"{url} is not reachable ({exc.reason}): is `filrouge serve` running?"
        raise CommandError(reason) from exc
