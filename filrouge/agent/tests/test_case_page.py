"""The case page: a header that answers "who, what, when" and the whole timeline."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from filrouge.accounts.tests.factories import AgentFactory, TeamFactory
from filrouge.cases.services import (
    add_note,
    hand_over,
    keep_promise,
    make_promise,
    receive_message,
    send_reply,
    set_next_step,
)
from filrouge.cases.tests.factories import make_case

pytestmark = pytest.mark.django_db


def _soon(hours=48):
    return timezone.now() + dt.timedelta(hours=hours)


def test_the_header_says_who_owns_the_case_and_how_to_reach_them(logged_in):
    team = TeamFactory(name="Boutique Bastille", slug="boutique-bastille")
    owner = AgentFactory(
        first_name="Léa", last_name="Martin", team=team, phone_extension="+33140001234"
    )
    case = make_case(owner=owner, subject="Déménagement de la ligne pro")
    page = logged_in.get(f"/agent/dossiers/{case.reference}/").content.decode()
    assert "Léa Martin" in page
    assert "Boutique Bastille" in page
    assert 'href="tel:+33140001234"' in page
    assert "Déménagement de la ligne pro" in page


def test_the_header_shows_next_step_promises_and_the_last_three_public_events(logged_in, agent):
    case = make_case(owner=agent, first_message="Toujours pas de fibre")
    set_next_step(case, by=agent, text="Relancer l'opérateur d'infrastructure", due=_soon(24))
    make_promise(case, by=agent, description="Technicien jeudi 8h-13h", due_at=_soon(72))
    kept = make_promise(case, by=agent, description="Rappel vendredi", due_at=_soon(96))
    keep_promise(kept, by=agent)
    send_reply(case, by=agent, channel="sms", body="Un technicien passe jeudi matin.")
    response = logged_in.get(f"/agent/dossiers/{case.reference}/")
    header = response.context["header"]
    assert [p.description for p in header.open_promises] == ["Technicien jeudi 8h-13h"]
    assert [p.description for p in header.settled_promises] == ["Rappel vendredi"]
    assert len(header.last_public_events) == 3
    page = response.content.decode()
    assert "Relancer l&#x27;opérateur d&#x27;infrastructure" in page
    assert "Un technicien passe jeudi matin." in page


def test_the_timeline_shows_bodies_handover_notes_and_visibility(logged_in, agent):
    other = AgentFactory(first_name="Hugo", last_name="Bernard")
    case = make_case(owner=agent, first_message="Box livrée à l'ancienne adresse")
    add_note(case, by=agent, text="Vu avec le transporteur : retour expéditeur")
    hand_over(case, to=other, by=agent, note="Renvoyer la box à la nouvelle adresse")
    receive_message(case, channel="social", body="Alors, cette box ?")
    page = logged_in.get(f"/agent/dossiers/{case.reference}/").content.decode()
    assert "Box livrée à l&#x27;ancienne adresse" in page
    assert "Vu avec le transporteur : retour expéditeur" in page
    assert "Renvoyer la box à la nouvelle adresse" in page
    assert "Alors, cette box ?" in page
    assert 'class="event internal kind-handover"' in page
    assert 'class="event public kind-message_in"' in page
    assert "Hugo Bernard" in page


def test_an_unknown_reference_is_not_found(logged_in):
    assert logged_in.get("/agent/dossiers/FR-2026-999999/").status_code == 404


def _queries_for_case_page(client, agent, events: int) -> int:
    case = make_case(owner=agent, first_message="Bonjour")
    writers = [agent, AgentFactory(), AgentFactory()]
    for i in range(events - 3):
        add_note(case, by=writers[i % 3], text=f"Note {i}")
    make_promise(case, by=agent, description="Rappel", due_at=_soon())
    assert case.events.count() == events + 1
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/agent/dossiers/{case.reference}/")
    assert response.status_code == 200
    return len(queries)


def test_the_case_page_costs_the_same_queries_with_5_or_100_events(
    logged_in, agent, django_assert_max_num_queries
):
    short = _queries_for_case_page(logged_in, agent, 5)
    long = _queries_for_case_page(logged_in, agent, 100)
    assert short == long
    case = make_case(owner=agent)
    # The page's own ten, plus one per panel other apps put on it that must ask the
    # database (the partner ticket; the incident banner asks only for a case with a line).
    with django_assert_max_num_queries(12):
        logged_in.get(f"/agent/dossiers/{case.reference}/")


def test_an_htmx_request_gets_only_the_case_block(logged_in, agent):
    case = make_case(owner=agent)
    response = logged_in.get(f"/agent/dossiers/{case.reference}/", HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="case"')
    assert "<html" not in page


def test_a_very_long_timeline_shows_its_latest_events_and_links_to_all(
    logged_in, agent, monkeypatch
):
    from filrouge.agent import views

    monkeypatch.setattr(views, "TIMELINE_SHOWN", 3)
    case = make_case(owner=agent)
    for i in range(5):
        add_note(case, by=agent, text=f"Note numéro {i}")
    page = logged_in.get(f"/agent/dossiers/{case.reference}/")
    bodies = [e.data.get("body") for e in page.context["events"]]
    assert bodies == ["Note numéro 2", "Note numéro 3", "Note numéro 4"]
    assert page.context["earlier_hidden"]
    assert "?tout=1" in page.content.decode()
    everything = logged_in.get(f"/agent/dossiers/{case.reference}/?tout=1")
    assert len(everything.context["events"]) == case.events.count()
    assert not everything.context["earlier_hidden"]
