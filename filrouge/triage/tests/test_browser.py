"""The triage card in a real browser: it arrives after the page, and one click corrects the intent.

Set FILROUGE_SCREENSHOTS=<dir> to keep a picture of the card.
"""

import os
from pathlib import Path

from filrouge.accounts.tests.factories import AgentFactory
from filrouge.cases.models import Case
from filrouge.channels.services import process_inbound, store_inbound
from filrouge.channels.tests.builders import raw_mail
from filrouge.customers.models import Channel
from filrouge.customers.tests.factories import CustomerFactory, EmailFactory
from filrouge.testing import browser_test
from filrouge.triage.models import TriageCorrection

pytestmark = browser_test
PASSWORD = "motdepasse-test"  # the factories' password


def test_an_advisor_sees_the_reading_and_corrects_the_intent(open_page, live_server):
    customer = CustomerFactory()
    EmailFactory(customer=customer, value="anne@exemple.fr")
    raw = raw_mail(
        sender="Anne <anne@exemple.fr>",
        body="C'est inadmissible, toujours pas de connexion. Je vais passer chez Free !",
        message_id="<b1@exemple.fr>",
    )
    inbound, _new = store_inbound(channel=Channel.EMAIL, external_id="b1@exemple.fr", payload=raw)
    process_inbound(inbound.pk)
    case = Case.objects.get()
    agent = AgentFactory()

    page = open_page(1280, 900)
    page.goto(f"{live_server.url}/agent/")
    page.fill("#id_username", agent.email)
    page.fill("#id_password", PASSWORD)
    page.click("form[action='/agent/connexion/'] button[type=submit]")
    page.wait_for_url(f"{live_server.url}/agent/")
    page.goto(f"{live_server.url}/agent/dossiers/{case.reference}/")

    card = page.locator(".triage-card")
    card.wait_for()  # fetched by htmx once the page has loaded
    assert "Menace de départ" in card.inner_text()
    assert "« vais passer chez free »" in card.inner_text()
    if folder := os.environ.get("FILROUGE_SCREENSHOTS"):
        Path(folder).mkdir(parents=True, exist_ok=True)
        card.screenshot(path=f"{folder}/triage-card.png")

    card.locator("select[name=intent]").select_option("complaint")
    card.locator("button[type=submit]").click()
    page.locator(".triage-card[data-corrected=complaint]").wait_for()  # the card, by htmx
    assert page.url == f"{live_server.url}/agent/dossiers/{case.reference}/"
    assert page.locator("#case .case-header").count() == 1  # the page around it stays
    assert TriageCorrection.objects.get().intent == "complaint"
    case.refresh_from_db()
    assert case.intent == "complaint"
