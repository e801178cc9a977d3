"""Case search over message words: French full text on PostgreSQL, `icontains` on SQLite."""

import pytest
from django.db import connection

from filrouge.accounts.tests.factories import AgentFactory
from filrouge.api.tests.helpers import client_for, get
from filrouge.cases.selectors import search_cases
from filrouge.cases.services import send_reply
from filrouge.cases.tests.factories import make_case
from filrouge.customers.models import Channel

pytestmark = pytest.mark.django_db
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="full-text search is PostgreSQL's"
)


def references(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["reference"] for item in response.json()["items"]]


def test_search_combines_words_with_the_filters():
    agent = AgentFactory()
    mine = make_case(owner=agent, first_message="La fibre est coupée depuis lundi")
    make_case(first_message="La fibre est coupée aussi chez moi")
    client = client_for(agent)
    assert references(get(client, "/cases", q="coupée", owner=agent.pk)) == [mine.reference]


@postgresql_only
def test_search_on_postgresql_understands_french_word_forms():
    agent = AgentFactory()
    case = make_case(owner=agent, first_message="Les techniciens sont venus, la fibre reste coupée")
    send_reply(
        case, by=agent, channel=Channel.SMS, body="Nous relançons l'opérateur d'infrastructure"
    )
    client = client_for(agent)
    for q in ["technicien", "fibres coupées", "opérateurs"]:
        assert references(get(client, "/cases", q=q)) == [case.reference], q


@postgresql_only
def test_search_on_postgresql_uses_the_message_index():
    """The GIN index of migration cases 0002 must match the selector's expression."""
    make_case(first_message="Box livrée à l'ancienne adresse")
    sql, params = search_cases("ancienne adresse").values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "event_message_fts_idx" in plan, plan
