from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from filrouge.accounts.models import ApiToken
from filrouge.accounts.tests.factories import AgentFactory
from filrouge.api.tests.helpers import API, client_for, db_state, get, post
from filrouge.cases.models import Event, Status
from filrouge.cases.tests.factories import make_case

pytestmark = pytest.mark.django_db


def test_anonymous_caller_gets_a_401_with_a_json_error():
    make_case()
    response = Client(headers={"Accept-Language": "en"}).get(f"{API}/cases")
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert "Authorization: Bearer" in response.json()["detail"]


def test_anonymous_post_is_a_401_not_a_csrf_error_and_changes_nothing():
    case = make_case()
    before = db_state()
    response = post(Client(), f"/cases/{case.reference}/notes", {"text": "Bonjour"})
    assert response.status_code == 401
    assert db_state() == before


def test_unknown_token_is_refused():
    response = Client(headers={"Authorization": "Bearer fr_not-a-real-token"}).get(f"{API}/cases")
    assert response.status_code == 401


@pytest.mark.parametrize("header", ["Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "fr_abc", "Token x"])
def test_malformed_authorization_header_is_refused(header):
    response = Client(headers={"Authorization": header}).get(f"{API}/cases")
    assert response.status_code == 401


def test_revoked_token_is_refused():
    agent = AgentFactory()
    client = client_for(agent)
    assert get(client, "/cases").status_code == 200
    ApiToken.objects.filter(agent=agent).update(revoked_at=timezone.now())
    assert get(client, "/cases").status_code == 401


def test_token_of_a_deactivated_agent_is_refused():
    agent = AgentFactory()
    client = client_for(agent)
    agent.is_active = False
    agent.save(update_fields=["is_active"])
    assert get(client, "/cases").status_code == 401


def test_a_bad_token_is_refused_even_alongside_a_valid_session():
    client = Client(headers={"Authorization": "Bearer fr_wrong"})
    client.force_login(AgentFactory())
    assert client.get(f"{API}/cases").status_code == 401


def test_token_use_is_recorded_on_the_token():
    agent = AgentFactory()
    client = client_for(agent)
    get(client, "/cases")
    assert ApiToken.objects.get(agent=agent).last_used_at is not None


def test_the_agents_session_reads_the_api():
    case = make_case()
    client = Client()
    client.force_login(AgentFactory())
    response = client.get(f"{API}/cases/{case.reference}")
    assert response.status_code == 200
    assert response.json()["reference"] == case.reference


def test_a_session_post_without_csrf_token_is_refused_and_changes_nothing():
    case = make_case()
    client = Client(enforce_csrf_checks=True)
    client.force_login(AgentFactory())
    before = db_state()
    response = post(client, f"/cases/{case.reference}/notes", {"text": "Rappeler demain"})
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert db_state() == before


def test_a_session_post_with_the_csrf_token_acts_as_the_logged_in_agent():
    case = make_case()
    agent = AgentFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    secret = "k" * 32  # what Django keeps in the csrftoken cookie
    client.cookies["csrftoken"] = secret
    response = post(
        client,
        f"/cases/{case.reference}/notes",
        {"text": "Rappeler demain"},
        headers={"X-CSRFToken": secret},
    )
    assert response.status_code == 201, response.content
    assert case.events.get(kind=Event.Kind.NOTE).actor == agent


def test_a_token_from_the_cli_command_works_end_to_end():
    agent = AgentFactory(email="conseillere@boutique.example")
    case = make_case()
    out = StringIO()
    call_command("token", "create", "Conseillere@Boutique.example", stdout=out)
    raw = out.getvalue().strip()
    assert raw.startswith("fr_")
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    response = post(
        client,
        f"/cases/{case.reference}/status",
        {"to": Status.IN_PROGRESS, "version": case.version},
    )
    assert response.status_code == 200, response.content
    event = case.events.get(kind=Event.Kind.STATUS_CHANGED)
    assert event.actor == agent


def test_any_active_agent_may_act_on_a_case_owned_by_another_team():
    owner = AgentFactory()
    shop_advisor = AgentFactory()  # another team: "no hand on it" must never happen
    case = make_case(owner=owner)
    response = post(
        client_for(shop_advisor), f"/cases/{case.reference}/notes", {"text": "Vu en boutique"}
    )
    assert response.status_code == 201
    assert response.json()["event"]["actor_id"] == shop_advisor.pk
