"""The advisor's journey in a real browser (Debian's Chromium driven by Playwright).

Log in, open a case, promise a date, hand the case over with a note; the new
owner logs in and finds it in "my cases". Set FILROUGE_SCREENSHOTS=<dir> to
keep a picture of each step.
"""

import datetime as dt
import os
from pathlib import Path

import pytest
from django.utils import timezone

from filrouge.accounts.tests.factories import AgentFactory, TeamFactory
from filrouge.cases.models import Case, Promise
from filrouge.cases.tests.factories import make_case
from filrouge.testing import browser_test

PASSWORD = "motdepasse-test"  # the factories' password

pytestmark = browser_test


@pytest.fixture
def browser_page(open_page):
    return open_page(1280, 900)


def _shot(page, name: str) -> None:
    if folder := os.environ.get("FILROUGE_SCREENSHOTS"):
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{folder}/{name}.png", full_page=True)


def _log_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/agent/")
    assert "/agent/connexion/" in page.url
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.click("form[action='/agent/connexion/'] button[type=submit]")
    page.wait_for_url(f"{base}/agent/")


def test_an_advisor_promises_a_date_hands_over_and_the_new_owner_finds_the_case(
    browser_page, live_server
):
    from playwright.sync_api import expect

    page, base = browser_page, live_server.url
    shop = TeamFactory(name="Boutique Bastille", slug="boutique-bastille")
    awa = AgentFactory(email="awa@test.example", first_name="Awa", last_name="Diallo", team=shop)
    hugo = AgentFactory(email="hugo@test.example", first_name="Hugo", last_name="Bernard")
    case = make_case(
        owner=awa,
        subject="Box 4G envoyée à l'ancienne adresse",
        first_message="Bonjour, la box de secours est partie à mon ancienne adresse.",
    )

    _log_in(page, base, "awa@test.example")
    _shot(page, "1-queue")
    page.click(f"text={case.reference}")
    page.wait_for_url(f"{base}/agent/dossiers/{case.reference}/")
    expect(page.locator(".case-header")).to_contain_text("Awa Diallo")
    # Mark the page: an htmx swap keeps it, a full reload would lose it.
    page.evaluate("window.stillHere = true")

    due = timezone.localtime(timezone.now() + dt.timedelta(days=2)).replace(hour=9, minute=0)
    page.click("details.action-promesse summary")
    page.fill("#id_promise-description", "Nouvelle box expédiée à la bonne adresse")
    page.fill("#id_promise-due_at", due.strftime("%Y-%m-%dT%H:%M"))
    page.click("details.action-promesse button[type=submit]")
    expect(page.locator("ul.promises")).to_contain_text("Nouvelle box expédiée")
    assert page.evaluate("window.stillHere") is True
    _shot(page, "2-promise")

    page.click("details.action-transfert summary")
    page.type("#id_handover-to", "Hugo B")
    # htmx fills the datalist with suggestions; picking one puts the e-mail in.
    suggestion = page.locator("#advisor-suggestions option[value='hugo@test.example']")
    expect(suggestion).to_have_count(1)
    page.fill("#id_handover-to", "hugo@test.example")
    page.fill("#id_handover-note", "Box renvoyée, vérifier la livraison jeudi")
    page.click("details.action-transfert button[type=submit]")
    expect(page.locator(".handover-note")).to_contain_text("vérifier la livraison jeudi")
    expect(page.locator(".case-header")).to_contain_text("Hugo Bernard")
    assert page.evaluate("window.stillHere") is True
    _shot(page, "3-handover")

    page.click("form[action='/agent/deconnexion/'] button")
    page.wait_for_url(f"{base}/agent/connexion/")
    _log_in(page, base, "hugo@test.example")
    expect(page.locator("table.cases")).to_contain_text(case.reference)
    _shot(page, "4-new-owner-queue")

    case = Case.objects.get(pk=case.pk)
    assert case.owner == hugo
    promise = Promise.objects.get(case=case)
    assert promise.made_by == awa
    assert timezone.localtime(promise.due_at).strftime("%d %H:%M") == due.strftime("%d %H:%M")


def test_a_handover_without_note_is_refused_in_the_browser_and_nothing_changes(
    browser_page, live_server
):
    from playwright.sync_api import expect

    page, base = browser_page, live_server.url
    awa = AgentFactory(email="awa@test.example")
    hugo = AgentFactory(email="hugo@test.example")
    case = make_case(owner=awa)
    _log_in(page, base, "awa@test.example")
    page.goto(f"{base}/agent/dossiers/{case.reference}/")
    page.click("details.action-transfert summary")
    page.fill("#id_handover-to", hugo.email)
    # Skip the browser's own "required" check to exercise the server's refusal.
    page.eval_on_selector("#id_handover-note", "el => el.removeAttribute('required')")
    page.click("details.action-transfert button[type=submit]")
    expect(page.locator("details.action-transfert .errorlist")).to_be_visible()
    _shot(page, "5-refused-handover")
    assert Case.objects.get(pk=case.pk).owner == awa


def test_an_advisor_attaches_an_unidentified_sender_to_the_customer(browser_page, live_server):
    from playwright.sync_api import expect

    from filrouge.channels.identity import create_prospect
    from filrouge.channels.message import Sender
    from filrouge.customers.models import CustomerMerge
    from filrouge.customers.tests.factories import CustomerFactory, PhoneFactory

    page, base = browser_page, live_server.url
    awa = AgentFactory(email="awa@test.example", first_name="Awa", last_name="Diallo")
    durand = CustomerFactory(first_name="Paul", last_name="Durand")
    PhoneFactory(customer=durand, value="+33612345678")
    prospect = create_prospect(Sender(email="paul.d@exemple.fr", name="Paul D"))
    case = make_case(customer=prospect, subject="Plus de fibre depuis lundi")

    _log_in(page, base, "awa@test.example")
    page.goto(f"{base}/agent/clients/{prospect.pk}/")
    page.evaluate("window.stillHere = true")
    page.fill("section.attach input[name=q]", "06 12 34 56 78")
    page.click("section.attach button[type=submit]")
    expect(page.locator("#attach-results")).to_contain_text("Paul Durand")
    assert page.evaluate("window.stillHere") is True  # htmx filled the results in place
    _shot(page, "6-attach-search")
    page.click("#attach-results a:has-text('Rattacher à ce client')")
    page.wait_for_url(f"{base}/agent/clients/{prospect.pk}/rattacher/{durand.pk}/")
    expect(page.locator("#attach-confirm")).to_contain_text(case.reference)
    page.fill("#id_note", "Reconnu au téléphone")
    _shot(page, "7-attach-confirm")
    page.click("#attach-confirm button[type=submit]")
    page.wait_for_url(f"{base}/agent/clients/{durand.pk}/")
    expect(page.locator("table.cases")).to_contain_text(case.reference)
    _shot(page, "8-attached")

    merge = CustomerMerge.objects.get()
    assert (merge.prospect_id, merge.into_id, merge.merged_by, merge.note) == (
        prospect.pk,
        durand.pk,
        awa,
        "Reconnu au téléphone",
    )
    assert Case.objects.get(pk=case.pk).customer_id == durand.pk
