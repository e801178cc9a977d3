"""Random input never gets a 500, and a refusal never leaves a trace."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from filrouge.accounts.tests.factories import AgentFactory
from filrouge.api.tests.helpers import API, client_for, db_state
from filrouge.cases.tests.factories import make_case

pytestmark = pytest.mark.django_db

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)
FIELDS = ["to", "version", "text", "body", "channel", "note", "description", "due_at", "reason"]
FIELDS += ["customer", "subject", "intent", "owner", "line", "team", "priority", "first_message"]
bodies = st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=6) | json_values
PATHS = ["", "/status", "/notes", "/replies", "/handover", "/promises", "/promises/1/keep"]
FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture
def setting():
    agent = AgentFactory()
    return client_for(agent), make_case(owner=agent)


@FUZZ
@given(path=st.sampled_from(PATHS), body=bodies)
def test_random_bodies_get_an_answer_and_refusals_change_nothing(setting, path, body):
    client, case = setting
    url = f"{API}/cases" + (f"/{case.reference}{path}" if path else "")
    before = db_state()
    response = client.post(url, json.dumps(body), content_type="application/json")
    assert response.status_code < 500
    if response.status_code >= 400:
        assert isinstance(response.json()["detail"], str)
        assert db_state() == before


@FUZZ
@given(
    params=st.dictionaries(
        st.sampled_from(["q", "status", "owner", "team", "intent", "cursor", "limit"]),
        st.text(max_size=30),
        max_size=4,
    )
)
def test_random_query_parameters_get_an_answer(setting, params):
    client, _case = setting
    assert client.get(f"{API}/cases", params).status_code in {200, 422}
    assert client.get(f"{API}/customers", {"q": params.get("q", "")}).status_code in {200, 422}
