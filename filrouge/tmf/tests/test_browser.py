"""Issue 7's Done-when in a real browser (Debian's Chromium driven by Playwright).

An advisor hands a case to the infrastructure operator from its page; the call goes
over real HTTP on loopback to the live server, which plays the partner too. The
partner side moves its ticket to resolved with a note (its own systems, over HTTP);
the worker's deliveries bring the partner's events back to our listener; the customer's
tracking page shows the wait (the partner's reference and promised date) and its end.
"""

import json
import re
import urllib.request
from datetime import timedelta

import pytest
from django.utils import formats, timezone

from filrouge.accounts.tests.factories import AgentFactory
from filrouge.accounts.tokens import create_api_token
from filrouge.cases.models import Case, Event, Status
from filrouge.cases.services import change_status
from filrouge.cases.tests.factories import make_case
from filrouge.partners.services import add_partner
from filrouge.portal.links import tracking_path
from filrouge.testing import browser_test
from filrouge.tmf.models import PartnerEndpoint, PartnerTicket
from filrouge.tmf.tests.helpers import V5, deliver_pending

PASSWORD = "motdepasse-test"  # the factories' password

pytestmark = browser_test


def _patch(url: str, token: str, body: dict) -> dict:
    request = urllib.request.Request(  # noqa: S310 - the live server on loopback
        url,
        data=json.dumps(body).encode(),
        method="PATCH",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
        return json.loads(answer.read())


@pytest.fixture
def infra(live_server, settings):
    """The infrastructure operator: its TMF621 API is the live server itself."""
    settings.FILROUGE_PUBLIC_URL = live_server.url
    _us_there, our_key_there = add_partner("Fil Rouge (opérateur commercial)")
    partner, _key = add_partner("Opérateur d'infrastructure")
    PartnerEndpoint.objects.create(
        partner=partner, base_url=live_server.url + V5, their_key=our_key_there
    )
    return partner


def test_an_advisor_hands_a_case_to_the_partner_who_resolves_it_and_the_customer_sees_it(
    open_page, live_server, infra
):
    from playwright.sync_api import expect

    base = live_server.url
    advisor = AgentFactory(email="awa@test.example", first_name="Awa", last_name="Diallo")
    case = make_case(owner=advisor, subject="Plus de fibre depuis trois semaines")
    change_status(case, to=Status.IN_PROGRESS, by=advisor)

    agent = open_page(1280, 900)
    agent.goto(f"{base}/agent/")
    agent.fill("#id_username", "awa@test.example")
    agent.fill("#id_password", PASSWORD)
    agent.click("form[action='/agent/connexion/'] button[type=submit]")
    agent.wait_for_url(f"{base}/agent/")
    agent.goto(f"{base}/agent/dossiers/{case.reference}/")
    agent.get_by_role("link", name="Ouvrir un ticket chez un partenaire").click()
    agent.get_by_label("Partenaire", exact=True).select_option(label="Opérateur d'infrastructure")
    agent.get_by_label("Ce que le partenaire doit faire").fill("Réparer le câble au PM 12")
    agent.get_by_role("button", name="Ouvrir le ticket").click()
    agent.wait_for_url(f"{base}/agent/dossiers/{case.reference}/")
    ticket = PartnerTicket.objects.get(case=case)
    expect(agent.locator(".partner-tickets")).to_contain_text(ticket.their_id)
    expect(agent.locator("li.message.success")).to_contain_text(
        f"Ticket {ticket.their_id} ouvert chez Opérateur d'infrastructure"
    )
    theirs = Case.objects.get(reference=ticket.their_id)  # the partner's own ticket
    assert theirs.subject == "Réparer le câble au PM 12"
    assert Case.objects.get(pk=case.pk).status == Status.HELD

    customer = open_page()  # a phone, no login: the tracking link only
    customer.goto(base + tracking_path(case))
    wait = customer.locator(".partner-wait")
    expect(wait).to_contain_text("Nous attendons l’intervention de notre partenaire")
    expect(wait).to_contain_text(f"sa référence : {ticket.their_id}")

    # The partner side: its own systems (an agent's token there) promise a date…
    _token, theirs_token = create_api_token(AgentFactory(), name="infra back office")
    url = f"{base}{V5}/troubleTicket/{ticket.their_id}"
    promised = (timezone.now() + timedelta(days=4)).replace(microsecond=0)
    _patch(
        url, theirs_token, {"status": "inProgress", "expectedResolutionDate": promised.isoformat()}
    )
    day = formats.date_format(timezone.localtime(promised), "DATE_FORMAT")
    assert deliver_pending() == 2  # status change, date: both back at our listener
    customer.reload()
    expect(wait).to_contain_text(f"au plus tard le {day}")
    assert re.search(r"\d+ \w+ \d{4}", day)

    # … then resolve the ticket with a note.
    done = _patch(
        url,
        theirs_token,
        {"status": "resolved", "statusChangeReason": "fixed", "note": [{"text": "Câble ressoudé"}]},
    )
    assert done["status"] == "resolved"
    assert deliver_pending() >= 2  # the note, the status change, the resolution
    customer.reload()
    expect(wait).to_contain_text("a terminé son intervention")
    expect(wait).to_contain_text(f"sa référence : {ticket.their_id}")
    expect(customer.get_by_text("Nous attendons l’intervention")).to_have_count(0)
    assert Case.objects.get(pk=case.pk).status == Status.IN_PROGRESS

    agent.reload()
    expect(agent.locator(".partner-tickets")).to_contain_text("resolved")
    assert Event.objects.filter(
        case=case, kind=Event.Kind.PARTNER_NOTE, data__text="Câble ressoudé"
    ).exists()
    expect(agent.locator("p.what", has_text="Câble ressoudé")).to_be_visible()
