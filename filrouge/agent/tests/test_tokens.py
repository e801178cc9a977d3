"""Personal API tokens: created in the console, shown once, revocable."""

import pytest

from filrouge.accounts.models import ApiToken
from filrouge.accounts.tests.factories import AgentFactory
from filrouge.accounts.tokens import agent_for_token, create_api_token

pytestmark = pytest.mark.django_db


def test_a_new_token_is_shown_once_and_works(logged_in, agent):
    response = logged_in.post("/agent/jetons/", {"name": "Synchro CRM"})
    assert response.status_code == 200
    raw = response.context["raw"]
    assert raw.startswith("fr_")
    assert raw in response.content.decode()
    assert agent_for_token(raw) == agent
    assert "no-store" in response["Cache-Control"]
    again = logged_in.get("/agent/jetons/")
    assert raw not in again.content.decode()
    assert "Synchro CRM" in again.content.decode()


def test_a_token_needs_a_name(logged_in):
    response = logged_in.post("/agent/jetons/", {"name": ""})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_a_revoked_token_stops_working(logged_in, agent):
    token, raw = create_api_token(agent, name="script")
    response = logged_in.post(f"/agent/jetons/{token.pk}/revoquer/")
    assert response.status_code == 302
    assert agent_for_token(raw) is None


def test_an_agent_cannot_see_or_revoke_a_colleagues_token(logged_in):
    token, raw = create_api_token(AgentFactory(), name="le sien")
    assert "le sien" not in logged_in.get("/agent/jetons/").content.decode()
    assert logged_in.post(f"/agent/jetons/{token.pk}/revoquer/").status_code == 404
    assert agent_for_token(raw) is not None
