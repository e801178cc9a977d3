"""Answering the survey on a phone (Debian's Chromium, Playwright, 320 px wide): from the
tracking page's invitation, a forgotten question caught, then the thanks."""

import os
from pathlib import Path

import pytest

from filrouge.portal.links import tracking_path
from filrouge.surveys.models import SurveyAnswer
from filrouge.surveys.tests.helpers import resolved_case
from filrouge.testing import browser_test

pytestmark = browser_test


@pytest.fixture
def phone(open_page):
    return open_page(320, 640)


def _shot(page, name: str) -> None:
    if folder := os.environ.get("FILROUGE_SCREENSHOTS"):
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{folder}/{name}.png", full_page=True)


def _no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_customer_answers_the_survey_on_a_phone(phone, live_server):
    from playwright.sync_api import expect

    page = phone
    case = resolved_case()
    page.goto(live_server.url + tracking_path(case))
    page.get_by_role("link", name="Donnez votre avis").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Votre avis sur le traitement de votre dossier"
    )
    satisfaction = page.get_by_role(
        "group", name="Êtes-vous satisfait de la résolution de votre problème ?"
    )
    ease = page.get_by_role("group", name="Avez-vous pu faire résoudre votre problème facilement ?")
    recommend = page.get_by_role("group", name="Recommanderiez-vous notre service à un proche ?")
    assert _no_horizontal_scroll(page)
    _shot(page, "survey-form")

    satisfaction.get_by_label("4 – satisfait").check()
    recommend.get_by_label("9", exact=True).check()
    page.get_by_role("button", name="Envoyer mon avis").click()  # the ease forgotten

    expect(page.get_by_text("Choisissez une note de facilité de 1 à 7.")).to_be_visible()
    expect(satisfaction.get_by_label("4 – satisfait")).to_be_checked()  # kept for the customer
    assert not SurveyAnswer.objects.exists()
    _shot(page, "survey-error")

    ease.get_by_label("7 – très facile").check()
    page.get_by_label("Un commentaire ? (facultatif)").fill("Merci à Awa, rapide et clair.")
    page.get_by_role("button", name="Envoyer mon avis").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Merci pour votre avis")
    assert _no_horizontal_scroll(page)
    _shot(page, "survey-thanks")
    answer = SurveyAnswer.objects.get(case=case)
    assert (answer.csat, answer.ces, answer.nps) == (4, 7, 9)
    assert answer.comment == "Merci à Awa, rapide et clair."
    assert answer.follow_up is False

    page.get_by_role("link", name="Retour à mon dossier").click()
    expect(page.get_by_role("heading", name="Merci pour votre avis")).to_be_visible()
    expect(page.get_by_role("link", name="Donnez votre avis")).to_have_count(0)
