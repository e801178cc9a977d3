import pytest

from filrouge.accounts.tests.factories import AgentFactory


@pytest.fixture
def agent(db):
    return AgentFactory(first_name="Awa", last_name="Diallo")


@pytest.fixture
def logged_in(client, agent):
    client.force_login(agent)
    return client
