"""`filrouge simulate_call [--url http://127.0.0.1:8000] [--phone 0612345678] [--agent e-mail]
[--format ours|ari|ami] [--no-end]`: play a PBX's call events, signed, against a running server.

Posts call.started, call.answered and call.ended (or the recorded Asterisk ARI or
AMI samples of `channels/phone/tests/samples/`, with a fresh call id) and prints
the screen pop URL an advisor would open, `/agent/appel/<call id>/`.
"""

import json
import secrets
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from filrouge.channels.phone import signature
from filrouge.channels.phone.events import ANSWERED, ENDED, STARTED, CallEvent
from filrouge.core.clock import now
from filrouge.customers.models import ContactPoint

SAMPLES = Path(__file__).resolve().parents[2] / "phone" / "tests" / "samples"
ARI = ("ari_stasis_start.json", "ari_channel_up.json", "ari_hangup_request.json")
AMI = ("ami_newchannel.json", "ami_queue_caller_join.json", "ami_agent_connect.json")
AMI += ("ami_hangup.json",)


class Command(BaseCommand):
    help = "Post a phone call's events, signed like the PBX, to a running server."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000")
        parser.add_argument("--phone", default="", help="Caller; default: a demo mobile.")
        parser.add_argument("--agent", default="", help="The advisor's e-mail (answered by).")
        parser.add_argument("--queue", default="support-fibre")
        parser.add_argument("--format", choices=["ours", "ari", "ami"], default="ours")
        parser.add_argument("--no-end", action="store_true", help="Leave the call going on.")

    def handle(self, *args, url: str, phone: str, agent: str, queue: str, **options):
        if not settings.PHONE_WEBHOOK_SECRET:
            raise CommandError("PHONE_WEBHOOK_SECRET is not set (it has a default with DEBUG=1).")
        phone = phone or self._demo_phone()
        call_id = f"{int(time.time())}.{secrets.randbelow(10_000)}"
        if options["format"] == "ours":
            bodies = self._ours(call_id, phone=phone, agent=agent, queue=queue)
            endpoint = "/hooks/phone/"
        else:
            bodies = self._asterisk(options["format"], call_id, phone=phone, agent=agent)
            endpoint = "/hooks/phone/asterisk/"
        if options["no_end"]:
            bodies = bodies[:-1]
        for body in bodies:
            status = _post(url.rstrip("/") + endpoint, body)
            self.stdout.write(f"{json.loads(body).get('event') or _kind(body)} → HTTP {status}")
        self.stdout.write(f"Screen pop: {url.rstrip('/')}/agent/appel/{call_id}/")

    def _ours(self, call_id: str, *, phone: str, agent: str, queue: str) -> list[bytes]:
        start = now() - timedelta(minutes=4)
        events = [
            CallEvent(STARTED, call_id, start, caller=phone, queue=queue, ivr=("1", "3")),
            CallEvent(ANSWERED, call_id, start + timedelta(seconds=75), queue=queue, agent=agent),
            CallEvent(ENDED, call_id, now(), agent=agent, outcome="answered"),
        ]
        return [json.dumps(e.as_json()).encode() for e in events]

    def _asterisk(self, kind: str, call_id: str, *, phone: str, agent: str) -> list[bytes]:
        bodies = []
        for name in ARI if kind == "ari" else AMI:
            event = json.loads((SAMPLES / name).read_text())
            if kind == "ari":
                event["channel"]["id"] = call_id
                event["channel"]["caller"]["number"] = phone
                if agent and "channelvars" in event["channel"]:
                    event["channel"]["channelvars"]["FILROUGE_AGENT"] = agent
            else:
                event |= {"Uniqueid": call_id, "Linkedid": call_id, "CallerIDNum": phone}
                event.pop("Timestamp", None)
                if agent and "MemberName" in event:
                    event["MemberName"] = agent
            bodies.append(json.dumps(event).encode())
        return bodies

    def _demo_phone(self) -> str:
        point = ContactPoint.objects.filter(kind="phone", value__startswith="+336").first()
        if point is None:
            raise CommandError("No demo customer with a mobile: give --phone.")
        return point.value


def _kind(body: bytes) -> str:
    data = json.loads(body)
    return data.get("type") or data.get("Event") or "?"


def _post(url: str, body: bytes) -> int:
    headers = signature.headers(
        body, timestamp=int(time.time()), secret=settings.PHONE_WEBHOOK_SECRET
    )
    request = urllib.request.Request(  # noqa: S310 - the URL is the operator's own server
        url, data=body, method="POST", headers={"Content-Type": "application/json", **headers}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
