"""The customer's journey in a real browser at phone width (Debian's Chromium, Playwright):
open the link an advisor gives, see the milestones and a public event, write, see it appear."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from filrouge.accounts.tests.factories import AgentFactory, TeamFactory
from filrouge.cases.models import Event, Status
from filrouge.cases.services import add_note, change_status, make_promise, send_reply
from filrouge.cases.tests.factories import make_case
from filrouge.customers.models import Channel
from filrouge.portal.links import tracking_path
from filrouge.testing import browser_test

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

pytestmark = browser_test


@pytest.fixture
def phone(open_page, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return open_page(320, 640)


def _shot(page, name: str) -> None:
    if folder := os.environ.get("FILROUGE_SCREENSHOTS"):
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{folder}/{name}.png", full_page=True)


def _no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_customer_follows_the_case_on_a_phone_and_writes_from_it(phone, live_server, tmp_path):
    from playwright.sync_api import expect

    page = phone
    awa = AgentFactory(first_name="Awa", last_name="Diallo", team=TeamFactory(name="Support fibre"))
    case = make_case(owner=awa, subject="Plus d'internet depuis lundi", first_message="Bonjour")
    change_status(case, to=Status.IN_PROGRESS, by=awa)
    change_status(case, to=Status.HELD, by=awa, reason="waiting_partner")
    make_promise(
        case, by=awa, description="Passage du technicien", due_at=timezone.now() + timedelta(days=2)
    )
    send_reply(case, by=awa, channel=Channel.SMS, body="Le technicien de l'opérateur passe jeudi.")
    add_note(case, by=awa, text="Note interne à ne jamais montrer")

    page.goto(live_server.url + tracking_path(case))

    current = page.locator(".milestone[aria-current=step]")
    expect(current).to_have_attribute("data-step", "waiting")
    expect(current).to_contain_text("En attente d’un partenaire")
    expect(page.locator(".milestone.done")).to_have_count(2)
    expect(page.get_by_text("Le technicien de l'opérateur passe jeudi.")).to_be_visible()
    expect(page.locator(".promise.open")).to_contain_text("Passage du technicien")
    expect(page.get_by_text("Awa, Support fibre")).to_be_visible()
    expect(page.get_by_text("Note interne à ne jamais montrer")).to_have_count(0)
    expect(page.get_by_text("Diallo")).to_have_count(0)
    assert _no_horizontal_scroll(page)
    _shot(page, "portal-1-tracking")

    page.get_by_role("link", name="Écrire à votre conseiller").click()
    page.fill("#id_text", "Le voyant de la box clignote en rouge, photo du boîtier jointe.")
    scan = tmp_path / "boitier.pdf"
    scan.write_bytes(PDF)
    page.set_input_files("#id_file", str(scan))
    assert _no_horizontal_scroll(page)
    page.get_by_role("button", name="Envoyer").click()

    expect(page.get_by_text("Votre message a été ajouté à votre dossier.")).to_be_visible()
    expect(page.locator(".event.mine blockquote").first).to_contain_text("Le voyant de la box")
    expect(page.locator(".event.mine .files").first).to_contain_text("boitier.pdf")
    assert _no_horizontal_scroll(page)
    _shot(page, "portal-2-after-reply")
    event = case.events.get(kind=Event.Kind.MESSAGE_IN, channel=Channel.WEB)
    assert event.data["documents"][0]["name"] == "boitier.pdf"

    page.get_by_role("link", name="EN", exact=True).click()
    expect(page.locator(".milestone[aria-current=step]")).to_contain_text("Waiting for a partner")
