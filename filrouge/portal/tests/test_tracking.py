"""The tracking page: what the customer sees, what never shows, and links that do not open."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from filrouge.accounts.tests.factories import AgentFactory, TeamFactory
from filrouge.cases.models import Case, Event, Status
from filrouge.cases.services import (
    add_note,
    break_promise,
    change_status,
    hand_over,
    keep_promise,
    make_promise,
    record_contact,
    send_reply,
    set_next_step,
    withdraw_promise,
)
from filrouge.cases.tests.factories import make_case
from filrouge.cases.tokens import make_tracking_token
from filrouge.channels.message import find_case_reference, find_tracking_link
from filrouge.customers.models import Channel
from filrouge.portal import limits
from filrouge.portal.links import tracking_path

pytestmark = pytest.mark.django_db


@pytest.fixture
def awa():
    team = TeamFactory(name="Support fibre Île-de-France", slug="fibre-idf")
    return AgentFactory(first_name="Awa", last_name="Diallo-Kessler", team=team)


def _page(case, client=None, **extra):
    return (client or Client()).get(tracking_path(case), **extra)


def test_the_page_shows_milestones_next_step_owner_and_public_events(awa):
    case = make_case(owner=awa, first_message="Plus de connexion depuis lundi soir.")
    change_status(case, to=Status.IN_PROGRESS, by=awa)
    due = timezone.now() + timedelta(days=2)
    set_next_step(case, by=awa, text="Passage d’un technicien", due=due)
    send_reply(case, by=awa, channel=Channel.EMAIL, body="Un technicien passe jeudi.")

    response = _page(case)

    assert response.status_code == 200
    html = response.content.decode()
    assert case.reference in html
    assert 'data-step="in_progress"' in html
    assert 'aria-current="step"' in html
    assert "En cours de traitement" in html
    assert "Passage d’un technicien" in html
    assert "Awa, Support fibre Île-de-France" in html
    assert "Plus de connexion depuis lundi soir." in html
    assert "Un technicien passe jeudi." in html
    assert "Réponse envoyée par E-mail" in html


def test_internal_notes_events_and_surnames_never_show(awa):
    case = make_case(owner=awa)
    add_note(case, by=awa, text="NOTE-SECRETE client agressif au téléphone")
    colleague = AgentFactory(first_name="Hugo", last_name="Bernardin-Zola")
    hand_over(case, to=colleague, by=awa, note="PASSATION-SECRETE voir facture")
    hand_over(case, to=awa, by=colleague, note="retour")
    record_contact(
        case,
        kind=Event.Kind.CALL,
        channel=Channel.PHONE,
        by=awa,
        data={"outcome": "answered", "duration": 125, "agent_name": "Awa Diallo-Kessler"},
    )
    change_status(case, to=Status.IN_PROGRESS, by=awa, reason="RAISON-TAPEE interne")

    html = _page(case).content.decode()

    for secret in ("NOTE-SECRETE", "PASSATION-SECRETE", "RAISON-TAPEE", "Diallo-Kessler"):
        assert secret not in html
    assert "Bernardin" not in html
    assert "Hugo" not in html
    assert "Appel téléphonique : Décroché, 2 min 05 s" in html
    assert "Note interne" not in html


def test_promises_show_open_kept_and_broken_with_their_dates(awa):
    case = make_case(owner=awa)
    soon = timezone.now() + timedelta(days=1)
    make_promise(case, by=awa, description="Rappel du technicien", due_at=soon)
    kept = make_promise(case, by=awa, description="Avoir sur la facture", due_at=soon)
    keep_promise(kept, by=awa)
    broken = make_promise(case, by=awa, description="Box de secours expédiée", due_at=soon)
    break_promise(broken, by=None)

    html = _page(case).content.decode()

    assert "Rappel du technicien" in html
    assert "d’ici le" in html
    assert "Tenue (prévue d’ici le" in html
    assert "Non tenue (prévue d’ici le" in html


def test_a_withdrawn_promise_is_not_shown_as_broken(awa):
    case = make_case(owner=awa)
    visit = make_promise(
        case, by=awa, description="Visite du technicien", due_at=timezone.now() + timedelta(days=2)
    )
    withdraw_promise(visit, by=awa)

    html = _page(case).content.decode()

    assert "Retirée (plus nécessaire)" in html
    assert "Non tenue" not in html


def test_an_open_case_links_to_booking_a_technician_visit_with_its_token(awa):
    case = make_case(owner=awa)
    html = _page(case).content.decode()
    assert f"/suivi/{case.reference}/rendez-vous/?t={make_tracking_token(case)}" in html


@pytest.mark.parametrize(
    ("reason", "label"),
    [
        ("waiting_partner", "En attente d’un partenaire"),
        ("waiting_customer", "En attente de votre réponse"),
        ("", "En attente de notre côté"),
    ],
)
def test_a_case_on_hold_says_who_it_waits_on(awa, reason, label):
    case = make_case(owner=awa)
    change_status(case, to=Status.IN_PROGRESS, by=awa)
    change_status(case, to=Status.HELD, by=awa, reason=reason)
    html = _page(case).content.decode()
    assert '<li class="milestone current" aria-current="step" data-step="waiting">' in html
    assert label in html


def test_a_pending_case_waits_on_the_customer_and_a_resolved_one_is_at_the_last_step(awa):
    case = make_case(owner=awa)
    change_status(case, to=Status.IN_PROGRESS, by=awa)
    change_status(case, to=Status.PENDING, by=awa)
    assert "En attente de votre réponse" in _page(case).content.decode()
    change_status(case, to=Status.IN_PROGRESS, by=awa)
    change_status(case, to=Status.RESOLVED, by=awa, reason="fixed")
    html = _page(case).content.decode()
    assert 'class="milestone current" aria-current="step" data-step="resolved"' in html
    assert 'class="milestone done" data-step="waiting"' in html
    assert "(réparé)" in html  # the coded reason, in words


def test_the_page_is_private_unindexed_and_sends_no_referrer(awa):
    response = _page(make_case(owner=awa))
    assert response["Referrer-Policy"] == "no-referrer"
    assert "noindex" in response["X-Robots-Tag"]
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    assert '<meta name="robots" content="noindex, nofollow">' in response.content.decode()


def test_english_by_accept_language_or_by_the_switch_which_is_remembered(awa):
    case = make_case(owner=awa)
    assert "Request received" in _page(case, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    client = Client()
    response = client.get(tracking_path(case) + "&lang=en")
    assert "Request received" in response.content.decode()
    assert response.cookies["django_language"].value == "en"
    assert "Request received" in client.get(tracking_path(case)).content.decode()
    assert "Demande reçue" in client.get(tracking_path(case) + "&lang=fr").content.decode()


def test_wrong_token_unknown_reference_and_malformed_links_get_the_same_neutral_page(awa):
    case = make_case(owner=awa)
    other = make_case()
    attempts = [
        f"/suivi/{case.reference}/?t={'0' * 32}",  # wrong token
        f"/suivi/{case.reference}/?t={make_tracking_token(other)}",  # another case's token
        f"/suivi/{case.reference}/",  # no token
        f"/suivi/FR-2099-999999/?t={make_tracking_token(case)}",  # unknown reference
        "/suivi/pas-une-reference/?t=abc",
    ]
    pages = set()
    for url in attempts:
        response = Client().get(url)
        assert response.status_code == 404
        assert response["Referrer-Policy"] == "no-referrer"
        assert "no-store" in response["Cache-Control"]
        pages.add(response.content)
        assert case.subject not in response.content.decode()
    assert len(pages) == 1
    assert "Ce lien n’est pas valide" in pages.pop().decode()


def test_a_finished_case_link_expires_after_ninety_days(awa):
    case = make_case(owner=awa)
    change_status(case, to=Status.CANCELLED, by=awa)
    path = tracking_path(case)
    assert Client().get(path).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=91)):
        assert Client().get(path).status_code == 404


def test_a_renewed_nonce_kills_the_old_link(awa):
    case = make_case(owner=awa)
    old = tracking_path(case)
    case.tracking_nonce = "f" * 32
    case.save(update_fields=["tracking_nonce"])
    assert Client().get(old).status_code == 404
    assert Client().get(tracking_path(case)).status_code == 200


def test_guessing_from_one_address_is_limited_then_answered_429(awa):
    case = make_case(owner=awa)
    client = Client(REMOTE_ADDR="203.0.113.7")
    for n in range(limits.BAD_LINK.per_client):
        assert client.get(f"/suivi/FR-2026-{n:06d}/?t=bad").status_code == 404
    limited = client.get(tracking_path(case))  # even the right link, from this address
    assert limited.status_code == 429
    assert "Trop de tentatives" in limited.content.decode()
    assert limited["Retry-After"]
    assert Client(REMOTE_ADDR="198.51.100.1").get(tracking_path(case)).status_code == 200


def test_guessing_one_reference_from_many_addresses_is_limited(awa):
    case = make_case(owner=awa)
    for n in range(limits.BAD_LINK.per_reference):
        response = Client(REMOTE_ADDR=f"10.0.{n // 250}.{n % 250}").get(
            f"/suivi/{case.reference}/?t={n:032x}"
        )
        assert response.status_code == 404
    assert Client(REMOTE_ADDR="10.9.9.9").get(f"/suivi/{case.reference}/?t=x").status_code == 429


def test_the_page_reads_in_a_constant_number_of_queries(awa, django_assert_max_num_queries):
    case = make_case(owner=awa)
    for n in range(30):
        send_reply(case, by=awa, channel=Channel.EMAIL, body=f"Réponse {n}")
    with django_assert_max_num_queries(6):
        assert _page(case).status_code == 200


def test_the_advisor_case_page_shows_the_customer_link_to_copy(awa):
    case = make_case(owner=awa)
    client = Client()
    client.force_login(awa)
    html = client.get(f"/agent/dossiers/{case.reference}/").content.decode()
    assert "Lien de suivi client" in html
    assert f"http://127.0.0.1:8000{tracking_path(case)}" in html


def test_every_portal_page_offers_the_online_cancellation_in_its_footer(client):
    page = client.get("/suivi/")
    assert 'href="/resiliation/"' in page.content.decode()
    assert "Résilier votre contrat" in page.content.decode()


def test_a_seven_digit_reference_opens_past_a_million_cases_a_year(awa):
    # An operator with millions of customers opens more than 999,999 cases a year:
    # the sequence then simply grows a digit (FR-2026-1007488).
    case = make_case(owner=awa)
    Case.objects.filter(pk=case.pk).update(reference="FR-2026-1007488")
    case.refresh_from_db()
    assert _page(case).status_code == 200
    assert find_case_reference("Re: dossier FR-2026-1007488") == "FR-2026-1007488"
    assert find_tracking_link(f"voir {tracking_path(case)}")[0] == "FR-2026-1007488"
