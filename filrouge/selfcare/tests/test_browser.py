"""Cancelling on a phone (375 px wide) in a real browser: Debian's Chromium through Playwright.

Set FILROUGE_SCREENSHOTS=<dir> to keep a picture of each step.
"""

import os
from pathlib import Path

import pytest

from filrouge.cases.models import Event
from filrouge.customers.tests.factories import CustomerFactory, EmailFactory, LineFactory
from filrouge.selfcare.models import CancellationRequest
from filrouge.testing import browser_test

pytestmark = browser_test


@pytest.fixture
def phone(open_page):
    return open_page(375, 740, is_mobile=True, has_touch=True)


def _shot(page, name: str) -> None:
    if folder := os.environ.get("FILROUGE_SCREENSHOTS"):
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{folder}/{name}.png", full_page=True)


def _fits_the_screen(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page scrolls sideways ({width} px)"


def test_a_customer_cancels_in_three_clicks_on_a_phone(phone, live_server):
    customer = CustomerFactory(account_number="DEMO0001234", first_name="Lucie", last_name="Martin")
    EmailFactory(customer=customer, value="lucie.martin@exemple.fr")
    LineFactory(customer=customer, number="+33140000001", product="fibre")
    page = phone

    # Click 1: the "Résilier votre contrat" link (the site's and the portal's footers) opens
    # the form; its own footer carries the same link.
    page.goto(f"{live_server.url}/resiliation/")
    page.get_by_role("heading", name="Résilier votre contrat").wait_for()
    footer_link = page.locator("footer").get_by_role("link", name="Résilier votre contrat")
    assert footer_link.get_attribute("href") == "/resiliation/"
    _fits_the_screen(page)
    page.get_by_label("Vos prénom et nom").fill("Lucie Martin")
    page.get_by_label("Votre adresse e-mail").fill("lucie.martin@exemple.fr")
    page.get_by_label("Référence du contrat (numéro de compte client)").fill("DEMO0001234")
    page.get_by_label("Numéro de la ligne à résilier").fill("01 40 00 00 01")
    page.get_by_label("Pourquoi partez-vous ? (facultatif)").select_option("moving")
    page.get_by_label("Avec vos mots (facultatif)").fill("Je pars à l’étranger.")
    _shot(page, "cancel-1-form")

    # Click 2: the summary.
    page.get_by_role("button", name="Continuer").click()
    page.get_by_role("heading", name="Récapitulatif de votre résiliation").wait_for()
    _fits_the_screen(page)
    assert "Je déménage" in page.content()
    _shot(page, "cancel-2-summary")

    # Click 3: confirmed.
    page.get_by_role("button", name="Confirmer la résiliation").click()
    page.get_by_role("heading", name="Demande de résiliation reçue").wait_for()
    _fits_the_screen(page)
    _shot(page, "cancel-3-receipt")

    request = CancellationRequest.objects.select_related("case").get()
    receipt = page.locator(".receipt").inner_text()
    assert request.case.reference in receipt
    assert "Votre contrat prend fin le" in receipt
    assert "lucie.martin@exemple.fr" in receipt
    event = request.case.events.get(kind=Event.Kind.CANCELLATION_REQUESTED)
    assert (event.data["reason_code"], event.data["body"]) == ("moving", "Je pars à l’étranger.")
