"""A person on a phone (Debian's Chromium, Playwright): the status page shows the incident in
their commune, the lookup finds it, and they subscribe by SMS with the code they receive."""

import os
import re
from pathlib import Path

from django.core.management import call_command

from filrouge.statuspage.models import Subscription
from filrouge.statuspage.tests.helpers import cut_in_paris11, world
from filrouge.statuspage.tests.test_subscriptions import vonage  # noqa: F401 - the fixture
from filrouge.testing import browser_test

pytestmark = browser_test


def _shot(page, name: str) -> None:
    if folder := os.environ.get("FILROUGE_SCREENSHOTS"):
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{folder}/{name}.png", full_page=True)


def test_a_resident_sees_the_cut_in_their_commune_and_subscribes_by_sms(
    open_page,
    live_server,
    vonage,  # noqa: F811
):
    from playwright.sync_api import expect

    w = world()
    cut_in_paris11(w)
    page = open_page(360, 740)
    page.goto(live_server.url + "/etat-du-reseau/")
    expect(page.get_by_role("heading", name="État du réseau")).to_be_visible()
    touched = page.locator(".places").first
    expect(touched).to_contain_text("Paris 11e Arrondissement")
    expect(touched).to_contain_text("Coupure partielle")
    expect(page.get_by_role("heading", name="Coupure fibre rue Oberkampf")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    _shot(page, "statuspage-phone")

    page.get_by_label("Ma commune est-elle touchée ? Code postal ou commune").fill("99999")
    page.get_by_role("button", name="Vérifier").click()
    expect(page.get_by_role("alert")).to_contain_text("code postal « 99999 »")
    page.get_by_label("Code postal ou commune").fill("75011")
    page.get_by_role("button", name="Vérifier").click()
    expect(page.locator(".result")).to_contain_text("Coupure fibre rue Oberkampf")

    page.get_by_role("link", name=re.compile("Recevoir les nouvelles de Paris 11e")).click()
    expect(page.get_by_label("Code postal ou commune")).to_have_value("Paris 11e Arrondissement")
    page.get_by_label("SMS").check()
    page.get_by_label("Votre adresse e-mail ou votre numéro de mobile").fill("06 12 34 56 78")
    page.get_by_role("button", name="M'abonner").click()
    expect(page.get_by_role("heading", name="Saisissez le code reçu par SMS")).to_be_visible()

    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    code = re.search(r"\b(\d{6})\b", vonage.received[-1].form["text"]).group(1)
    page.get_by_role("textbox", name="Code reçu par SMS").fill(code)
    page.get_by_role("button", name="Confirmer").click()
    expect(page.get_by_role("status")).to_contain_text("Abonnement confirmé")
    _shot(page, "statuspage-confirmed")
    assert Subscription.objects.get().state == "confirmed"
