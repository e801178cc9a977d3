"""Issue 5's "Done when", walked in a real browser on the demo as the README tells it
("Watch a storm become a suspected incident after `make run`"):

a new user runs the storm simulation on one of the demo's fibre cables, sees the suspected
incident, confirms it, sees every affected case held and told, the status page and its JSON
feed updated, the customers notified — e-mails into a real local SMTP server, SMS into a
local server answering as Vonage's SMS API does — then resolves it (three days later) and
sees the compensation proposals.

The clock is moved to midday Paris (SMS wait for 08:00 at night) and ticks from there.
"""

import io
import json
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import Sum
from playwright.sync_api import expect

from filrouge.cases.models import Case, Event, Status
from filrouge.channels.models import OutboundMessage
from filrouge.channels.sms.tests.fakehttp import Answer, FakeProvider
from filrouge.customers.models import Channel, ContactPoint
from filrouge.detection.models import Suspicion
from filrouge.incidents import fanout
from filrouge.incidents.models import (
    CompensationProposal,
    Incident,
    IncidentCase,
    IncidentNotice,
)
from filrouge.portal.links import tracking_path
from filrouge.testing import browser_test

pytestmark = browser_test
PASSWORD = "demo-test-password-42"
CABLE = "CAB-PAR20-001-1"  # a fibre cable of the demo (`--customers 300`), under no incident
PARIS = ZoneInfo("Europe/Paris")
VONAGE_ANSWER = Path(__file__).parents[2] / "channels/sms/tests/samples/send_response.json"


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def _next_midday() -> datetime:
    """The next 12:00 in Paris: no quiet hours for the SMS, and never in the past (the
    browser's cookies keep the real clock)."""
    here = datetime.now(PARIS)
    noon = here.replace(hour=12, minute=0, second=0, microsecond=0)
    return noon if noon > here else noon + timedelta(days=1)


@pytest.fixture
def clock():
    traveller = time_machine.travel(_next_midday(), tick=True)
    moved = traveller.start()
    yield moved
    traveller.stop()


@pytest.fixture
def vonage(settings):
    """Vonage's SMS API on loopback: each message accepted with its own message id, in the
    documented answer (`channels/sms/tests/samples/send_response.json`)."""
    sample = json.loads(VONAGE_ANSWER.read_bytes())
    fake = FakeProvider(default=Answer(500, b"{}"))

    def accept(request):
        answer = json.loads(json.dumps(sample))
        answer["messages"][0] |= {
            "to": request.form.get("to", ""),
            "client-ref": request.form.get("client-ref", ""),
            "message-id": f"0C{len(fake.received):014X}",
        }
        fake.then(200, answer)

    fake.on_request = accept
    fake.start()
    settings.SMS_VONAGE_BASE_URL = fake.url
    settings.SMS_VONAGE_API_KEY = "abcd1234"
    settings.SMS_VONAGE_API_SECRET = "api-s3cret"
    yield fake
    fake.stop()


@pytest.fixture
def demo(clock, settings, tmp_path, monkeypatch, mail_sink, vonage):
    """`make run`'s first steps on a small demo: `filrouge migrate` (the test database)
    and `filrouge demo`; the tasks run as a worker would, at the commit of what enqueues
    them."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.VAR_DIR = tmp_path
    monkeypatch.setenv("FILROUGE_DEMO_PASSWORD", PASSWORD)
    out = run("demo", "--customers", "300", "--no-progress")
    assert "incidents réseau" in out
    return mail_sink


def _log_in(page, url, email):
    page.goto(url)
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.click("form[action='/agent/connexion/'] button[type=submit]")


def test_done_when_a_storm_is_confirmed_told_resolved_and_compensated(
    demo, clock, vonage, open_page, live_server
):
    sink = demo
    before_mails = len(sink.messages())
    assert Incident.objects.count() == 2  # the demo's ongoing and resolved incidents
    desk = open_page(1280, 900)

    # 1. The supervisor's page: nothing to decide yet.
    _log_in(desk, f"{live_server.url}/agent/detection/", "superviseur@demo.example")
    desk.get_by_role("heading", name="Incidents suspectés").wait_for()
    assert "Aucun incident suspecté à décider." in desk.locator("main").inner_text()

    # 2. The storm: six customers of the cable text that it is down (the command's path).
    out = run("simulate", "storm", "--element", CABLE, "--contacts", "6", "--rate", "60000")
    assert f"Incident suspecté sur Câble fibre {CABLE}" in out
    suspicion = Suspicion.objects.get(status="open")
    assert suspicion.element.code == CABLE
    storm_cases = list(Case.objects.filter(pk__in=suspicion.cases.values("pk")))
    assert len(storm_cases) >= 3

    # 3. The suspected incident on the agent's page, with the cases reporting it.
    desk.reload()
    card = desk.locator("article.suspicion")
    expect(card.get_by_role("heading", level=2)).to_contain_text(CABLE)
    for case in storm_cases:
        expect(card.get_by_role("link", name=case.reference)).to_be_visible()

    # 4. Confirm it: the card says so and links to the incident.
    card.get_by_label("Titre de l’incident").fill("Fibre coupée rue des Pyrénées")
    card.get_by_role("button", name="Confirmer et déclarer l’incident").click()
    desk.get_by_role("status").wait_for()
    incident = Incident.objects.get(suspicions=suspicion)
    assert f"Incident {incident.reference} déclaré." in desk.get_by_role("status").inner_text()
    first_report = suspicion.links.order_by("reported_at").first().reported_at
    assert incident.started_at == first_report  # not the confirmation
    desk.get_by_role("link", name=f"Ouvrir l’incident {incident.reference}").click()
    desk.get_by_role("heading", name=incident.title).wait_for()

    # 5. Every affected case held, on the incident's page, its case page and tracking page.
    linked = desk.locator("section[aria-labelledby=cases-title]")
    for case in storm_cases:
        row = linked.locator("tr", has=desk.get_by_role("link", name=case.reference))
        expect(row).to_contain_text("En attente")
        case.refresh_from_db()
        assert case.status == Status.HELD
        assert case.line.network_element.code == CABLE  # the SMS named no line: now it does
    held = Case.objects.filter(incident_links__incident=incident, status=Status.HELD)
    assert held.count() >= len(storm_cases)
    desk.goto(f"{live_server.url}/agent/dossiers/{storm_cases[0].reference}/")
    expect(desk.locator(".incident-banner")).to_contain_text(incident.reference)
    # Every storm case's tracking page names the repair, a case the storm opened as well
    # as one that already waited on the infrastructure operator (the six texting
    # customers are drawn at random: the demo's customer whose case waits on it may be
    # one of them).
    customer_page = open_page(390, 844)
    for case in storm_cases:
        customer_page.goto(f"{live_server.url}{tracking_path(case)}")
        expect(customer_page.locator("main")).to_contain_text(
            "En attente de la réparation du réseau"
        )

    # 6. Told: every affected customer once, on their channel — the e-mails in the SMTP
    # server, the SMS at the provider; each storm case has the notice on its timeline.
    update = incident.updates.get()
    notices = IncidentNotice.objects.filter(update=update)
    affected = set(fanout.affected_customers(incident).values_list("pk", flat=True))
    assert set(notices.values_list("customer_id", flat=True)) == affected
    assert not notices.filter(state="pending").exists()
    sent = notices.filter(state="sent")
    mails = sink.messages()[before_mails:]
    told_by_mail = [m for m in mails if incident.reference in m.get_content()]
    by_email = sent.filter(channel=Channel.EMAIL)
    assert len(told_by_mail) == by_email.count() > 0
    emails = set(
        ContactPoint.objects.filter(
            customer_id__in=by_email.values("customer_id"), kind="email"
        ).values_list("value", flat=True)
    )
    assert {m["To"] for m in told_by_mail} <= emails
    assert all("Incident réseau sur votre ligne" in m["Subject"] for m in told_by_mail)
    sms = [r.form for r in vonage.received if incident.reference in r.form.get("text", "")]
    assert len(sms) == sent.filter(channel=Channel.SMS).count() > 0
    assert all(f["api_key"] == "abcd1234" for f in sms)
    for case in storm_cases:
        told = case.events.filter(kind=Event.Kind.MESSAGE_OUT, data__update=update.pk)
        assert told.count() == 1
    deliveries = OutboundMessage.objects.filter(event__data__update=update.pk)
    assert deliveries.count() == sent.count()
    by_mail_or_sms = deliveries.filter(channel__in=[Channel.EMAIL, Channel.SMS])
    assert set(by_mail_or_sms.values_list("state", flat=True)) == {"sent"}
    # The demo has no WhatsApp account: those notices are given up, and the page says so.
    failed = deliveries.filter(channel=Channel.WHATSAPP)
    assert set(failed.values_list("state", flat=True)) <= {"dead"}
    desk.goto(f"{live_server.url}/agent/incidents/{incident.reference}/")
    told_row = desk.locator(f"#told tr[data-update='{update.pk}']")
    expect(told_row.locator("[data-count=sent]")).to_have_text(str(by_mail_or_sms.count()))
    expect(told_row.locator("[data-count=queued]")).to_have_text("0")
    expect(told_row.locator("[data-count=failed]")).to_have_text(str(failed.count()))
    without = notices.filter(state="skipped").count()
    expect(told_row.locator("[data-count=no_contact]")).to_have_text(str(without))

    # 7. The public status page and its JSON feed.
    public = desk.context.browser.new_page(locale="fr-FR")
    public.goto(f"{live_server.url}/etat-du-reseau/")
    expect(public.locator("main")).to_contain_text("Fibre coupée rue des Pyrénées")
    feed = json.loads(public.request.get(f"{live_server.url}/etat-du-reseau/summary.json").text())
    listed = {i["name"]: i for i in feed["incidents"]}
    assert listed["Fibre coupée rue des Pyrénées"]["status"] == "investigating"
    assert listed["Fibre coupée rue des Pyrénées"]["incident_updates"]
    assert feed["status"]["indicator"] != "none"

    # 8. Three days later, the advisor resolves it and sees the compensations.
    clock.shift(timedelta(days=3))
    desk.reload()
    desk.get_by_role("button", name="Résoudre : le service est rétabli").click()
    owed = desk.locator("#compensations")
    expect(owed).to_be_visible()
    incident.refresh_from_db()
    assert incident.status == Incident.Status.RESOLVED
    proposals = CompensationProposal.objects.filter(incident=incident)
    total = proposals.aggregate(s=Sum("amount"))["s"]
    assert total > Decimal(0)
    assert owed.locator("dl").get_attribute("data-total") == f"{total:.2f}"
    expect(owed).to_contain_text("Propositions de dédommagement")
    for case in storm_cases:
        case.refresh_from_db()
        # An advisor checks with the customer; a case held for a partner before the
        # outage still waits on the partner.
        put_on_hold = IncidentCase.objects.get(incident=incident, case=case).held_by_link
        assert case.status == (Status.IN_PROGRESS if put_on_hold else Status.HELD)
        mine = proposals.get(line=case.line)
        assert mine.full_days >= 2
        expect(owed.locator(f"tr[data-customer='{case.customer_id}']")).to_be_visible()
    # The resolution's notice tells each customer their compensation.
    resolved = incident.updates.get(status=Incident.Status.RESOLVED)
    done = Event.objects.filter(kind=Event.Kind.MESSAGE_OUT, data__update=resolved.pk)
    assert done.count() == IncidentNotice.objects.filter(update=resolved, state="sent").count()
    assert any("dédommagement" in e.data["body"] for e in done)
    public.close()
