"""Who may open the console: any logged-in active agent, and nobody else."""

import pytest

from filrouge.accounts.tests.factories import AgentFactory
from filrouge.accounts.tokens import create_api_token
from filrouge.cases.tests.factories import make_case
from filrouge.cases.tokens import make_tracking_token

pytestmark = pytest.mark.django_db

LOGIN = "/agent/connexion/"


def _urls(case):
    ref, customer = case.reference, case.customer_id
    promise = "/agent/dossiers/{}/promesse/1/{}/"
    return [
        ("get", "/agent/"),
        ("get", "/agent/?queue=unassigned"),
        ("get", f"/agent/dossiers/{ref}/"),
        ("get", "/agent/recherche/?q=Dupont"),
        ("get", "/agent/promesses/"),
        ("get", f"/agent/clients/{customer}/"),
        ("post", f"/agent/clients/{customer}/nouveau-dossier/"),
        ("get", "/agent/jetons/"),
        ("get", "/agent/conseillers/?q=hugo"),
        ("post", "/agent/jetons/"),
        ("post", "/agent/jetons/1/revoquer/"),
        ("post", promise.format(ref, "tenue")),
        ("post", promise.format(ref, "rompue")),
        *[
            ("post", f"/agent/dossiers/{ref}/{action}/")
            for action in (
                "statut",
                "note",
                "reponse",
                "transfert",
                "prendre",
                "etape",
                "promesse",
                "intention",
            )
        ],
    ]


def test_every_console_page_and_action_sends_an_anonymous_visitor_to_the_login_page(client):
    case = make_case()
    for method, url in _urls(case):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(LOGIN), url
    assert case.events.count() == 1


def test_a_customer_tracking_token_does_not_open_the_console(client):
    case = make_case()
    token = make_tracking_token(case)
    response = client.get(f"/agent/dossiers/{case.reference}/?t={token}")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_an_api_token_does_not_open_the_console(client):
    _token, raw = create_api_token(AgentFactory(), name="script")
    response = client.get("/agent/", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 302


def test_an_agent_logs_in_with_e_mail_and_password_and_out_by_post(client):
    AgentFactory(email="conseiller@test.example")
    response = client.post(
        LOGIN, {"username": "conseiller@test.example", "password": "motdepasse-test"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/agent/"
    assert client.get("/agent/").status_code == 200
    assert client.get("/agent/deconnexion/").status_code == 405
    client.post("/agent/deconnexion/")
    assert client.get("/agent/").status_code == 302


def test_a_wrong_password_is_refused_with_a_message(client):
    AgentFactory(email="conseiller@test.example")
    response = client.post(LOGIN, {"username": "conseiller@test.example", "password": "non"})
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert client.get("/agent/").status_code == 302


def test_a_deactivated_agent_cannot_log_in(client):
    AgentFactory(email="parti@test.example", is_active=False)
    client.post(LOGIN, {"username": "parti@test.example", "password": "motdepasse-test"})
    assert client.get("/agent/").status_code == 302


def test_the_console_speaks_french_by_default_and_english_on_request(logged_in):
    assert '<html lang="fr">' in logged_in.get("/agent/").content.decode()
    response = logged_in.post("/i18n/setlang/", {"language": "en", "next": "/agent/"})
    assert response.status_code == 302
    page = logged_in.get("/agent/").content.decode()
    assert '<html lang="en">' in page
    assert "My cases" in page
    logged_in.post("/i18n/setlang/", {"language": "fr", "next": "/agent/"})
    assert '<html lang="fr">' in logged_in.get("/agent/").content.decode()
