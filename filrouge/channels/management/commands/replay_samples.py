"""`filrouge replay_samples sms|whatsapp|mastodon|x|email [--url …] [--phone …]`:
replay the recorded provider samples as the provider would send them.

The samples are the ones the contract tests use (`channels/<kind>/tests/samples/`).
SMS, WhatsApp and X are posted, signed, to a running server (`/hooks/<kind>/`).
Mastodon pushes nothing, so its samples are served by a stand-in instance this
command starts on loopback, and read by the real poller (`poll_mastodon`'s code
path and cursor) into the database of these settings.

They come from the phone number given, or the first demo customer's mobile; for
Mastodon and X, from that customer's handle on the network (`@…@piaille.fr`,
`x:<id>`), added to them if they have none. Fresh message ids make each replay
land again; `--keep-ids` shows the duplicates being dropped instead. Run
`filrouge worker` to see them filed.

`email` sends one real mail over SMTP (to `filrouge smtpd`, `--smtp
127.0.0.1:2525`) from the first demo customer who has an e-mail address and an
open case, quoting that case's reference in the subject as a customer's reply
does; the advisor's answer then arrives in `filrouge mailsink`, threaded.
"""

import json
import secrets
import smtplib
import time
import urllib.error
import urllib.request
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from filrouge.cases.models import ACTIVE_STATUSES, Case
from filrouge.channels.mastodon.poll import poll as poll_mastodon
from filrouge.channels.mastodon.replay import FakeInstance
from filrouge.channels.sms import signature as sms_signature
from filrouge.channels.whatsapp.parse import sign as whatsapp_sign
from filrouge.channels.x.parse import sign as x_sign
from filrouge.customers.models import ContactPoint, Customer
from filrouge.customers.normalise import InvalidContact, normalise_phone
from filrouge.customers.services import add_contact_point

CHANNELS = Path(__file__).resolve().parents[2]
SMS_SAMPLES = ("inbound.json", "concat_1.json", "concat_2.json", "concat_3.json")
WHATSAPP_SAMPLES = ("text.json", "image.json", "document.json")
MASTODON_SAMPLES = ("notifications.json", "direct.json")
X_SAMPLES = ("mention.json", "dm.json")


class Command(BaseCommand):
    help = "Replay the recorded SMS, WhatsApp, Mastodon or X samples as their provider would."

    def add_arguments(self, parser):
        parser.add_argument("channel", choices=["sms", "whatsapp", "mastodon", "x", "email"])
        parser.add_argument("--url", default="http://127.0.0.1:8000")
        parser.add_argument("--smtp", default="127.0.0.1:2525", help="`filrouge smtpd` (email).")
        parser.add_argument("--phone", default="", help="Sender (E.164); default: a demo mobile.")
        parser.add_argument("--keep-ids", action="store_true", help="Replay the recorded ids.")
        parser.add_argument("--with-stop", action="store_true", help="Also send the STOP sample.")

    def handle(self, *args, channel: str, url: str, phone: str, keep_ids: bool, **options):
        if channel == "email":
            self._send_mail(options["smtp"], url=url)
            return
        phone = self._phone(phone)
        run = secrets.token_hex(4)
        if channel == "mastodon":
            self._replay_mastodon(phone, keep_ids=keep_ids)
            return
        if channel == "x":
            requests = [self._x(name, phone=phone, keep_ids=keep_ids) for name in X_SAMPLES]
        elif channel == "sms":
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
        sender = self._handle(phone, "x") if channel == "x" else phone
        self.stdout.write(
            f"Sent from {sender}. Run `filrouge worker` (if it is not running) to file them, "
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

    def _handle(self, phone: str, network: str) -> str:
        """The customer's handle on the network, given to them if they have none: demo
        customers have no Mastodon or X account of their own."""
        customer = Customer.objects.filter(
            contact_points__kind=ContactPoint.Kind.PHONE, contact_points__value=phone
        ).first()
        if customer is None:
            raise CommandError(f"No customer has the number {phone}: pass another --phone.")
        points = ContactPoint.objects.filter(customer=customer, kind=ContactPoint.Kind.SOCIAL)
        for value in points.values_list("value", flat=True):
            if (network == "x" and value.startswith("x:")) or (
                network == "mastodon" and value.count("@") == 2
            ):
                return value
        value = f"x:7{customer.pk:09d}" if network == "x" else f"@client{customer.pk}@piaille.fr"
        add_contact_point(customer, kind=ContactPoint.Kind.SOCIAL, value=value)
        return value

    def _replay_mastodon(self, phone: str, *, keep_ids: bool) -> None:
        handle = self._handle(phone, "mastodon")
        notifications = []
        base = int(time.time() * 1000)
        for name in MASTODON_SAMPLES:
            notifications += json.loads(
                (CHANNELS / "mastodon" / "tests" / "samples" / name).read_text()
            )
        for n, notification in enumerate(notifications):
            status = notification["status"]
            for account in (notification["account"], status["account"]):
                account["acct"] = handle[1:]
            if not keep_ids:
                notification["id"], status["id"] = str(base * 100 + n), str(base * 1000 + n)
        public = [n["status"]["id"] for n in notifications if n["status"]["visibility"] == "public"]
        for notification in notifications:  # her direct message answers her public post
            if notification["status"]["visibility"] == "direct" and public and not keep_ids:
                notification["status"]["in_reply_to_id"] = public[0]
        with FakeInstance(notifications, ignore_cursor=keep_ids) as instance:
            result = poll_mastodon(base_url=instance.url, token="replay")  # noqa: S106
        self.stdout.write(
            f"Mastodon (a stand-in instance at {instance.url}, read by the real poller): "
            f"{result.stored} new, {result.duplicates} already stored, from {handle}. "
            "Run `filrouge worker` (if it is not running) to file them, then find the "
            "customer's case in the agent console."
        )

    def _x(self, name: str, *, phone: str, keep_ids: bool):
        user_id = self._handle(phone, "x")[2:]
        data = json.loads((CHANNELS / "x" / "tests" / "samples" / name).read_text())
        stamp = str(int(time.time() * 1000))
        for tweet in data.get("tweet_create_events", []):
            tweet["user"] |= {"id": int(user_id), "id_str": user_id}
            tweet["timestamp_ms"] = stamp
            if not keep_ids:
                tweet["id_str"] = f"{stamp}{tweet['id_str'][-6:]}"
                tweet["id"] = int(tweet["id_str"])
        for event in data.get("direct_message_events", []):
            old = event["message_create"]["sender_id"]
            event["message_create"]["sender_id"] = user_id
            event["created_timestamp"] = stamp
            data["users"][user_id] = data["users"].pop(old) | {"id": user_id}
            if not keep_ids:
                event["id"] = f"{stamp}{event['id'][-6:]}"
        raw = json.dumps(data).encode()
        headers = {
            "Content-Type": "application/json",
            "x-twitter-webhooks-signature": x_sign(raw, secret=settings.X_CONSUMER_SECRET),
        }
        return name, raw, headers

    def _send_mail(self, smtp: str, *, url: str) -> None:
        """A customer's reply by e-mail, sent for real to the SMTP listener."""
        host, _, port = smtp.rpartition(":")
        case = (
            Case.objects.filter(
                status__in=ACTIVE_STATUSES,
                customer__is_prospect=False,
                customer__contact_points__kind=ContactPoint.Kind.EMAIL,
            )
            .select_related("customer")
            .order_by("pk")
            .first()
        )
        if case is None:
            raise CommandError(
                "No customer with an e-mail address and an open case: load the demo."
            )
        address = case.customer.contact_points.filter(kind=ContactPoint.Kind.EMAIL).first().value
        mail = EmailMessage()
        mail["From"] = f"{case.customer.full_name} <{address}>"
        mail["To"] = settings.DEFAULT_FROM_EMAIL
        mail["Subject"] = f"Re: [{case.reference}] {case.subject}"
        mail["Message-ID"] = make_msgid(domain=address.rpartition("@")[2])
        mail.set_content(
            "Bonjour,\n\nToujours rien de mon côté, la connexion coupe encore plusieurs fois "
            "par jour. Pouvez-vous me dire où en est mon dossier ?\n\nCordialement,\n"
            f"{case.customer.full_name}\n"
        )
        try:
            with smtplib.SMTP(host or "127.0.0.1", int(port), timeout=30) as server:
                server.send_message(mail)
        except (OSError, smtplib.SMTPException) as exc:
            raise CommandError(
                f"{smtp} did not take the mail ({exc}): is `filrouge smtpd` running?"
            ) from exc
        self.stdout.write(
            f"Sent {mail['Message-ID']} from {address} to {smtp}, about {case.reference}.\n"
            f"Once filed by the worker: {url.rstrip('/')}/agent/dossiers/{case.reference}/"
            " — answer it there; the answer arrives in `filrouge mailsink`, threaded"
            " under this mail."
        )


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
