import datetime as dt

import pytest
from django.utils import timezone

from filrouge.accounts.tests.factories import AgentFactory, TeamFactory
from filrouge.api.tests.helpers import client_for, get
from filrouge.cases.models import Event, Intent, Status
from filrouge.cases.services import add_note, change_status, make_promise, send_reply
from filrouge.cases.tests.factories import make_case
from filrouge.customers.models import Channel
from filrouge.customers.tests.factories import CustomerFactory, EmailFactory, PhoneFactory

pytestmark = pytest.mark.django_db


def references(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["reference"] for item in response.json()["items"]]


def test_case_list_shows_the_summary_of_each_case_newest_activity_first():
    agent = AgentFactory()
    older = make_case(owner=agent, subject="Box livrée à l'ancienne adresse")
    newer = make_case(subject="Facture en double", intent=Intent.BILLING)
    response = get(client_for(agent), "/cases")
    assert references(response) == [newer.reference, older.reference]
    item = response.json()["items"][1]
    assert item["subject"] == "Box livrée à l'ancienne adresse"
    assert item["status"] == "acknowledged"
    assert item["owner"] == {"id": agent.pk, "name": agent.display_name}
    assert item["team"]["id"] == agent.team_id
    assert item["customer"]["name"] == older.customer.full_name
    assert item["version"] == 1
    assert {"priority", "intent", "updated_at"} <= set(item)


def test_case_list_filters_by_status_owner_team_and_intent():
    agent = AgentFactory()
    other = AgentFactory(team=TeamFactory())
    mine = make_case(owner=agent, intent=Intent.OUTAGE)
    theirs = make_case(owner=other, intent=Intent.BILLING)
    change_status(theirs, to=Status.IN_PROGRESS, by=other)
    client = client_for(agent)
    assert references(get(client, "/cases", owner=agent.pk)) == [mine.reference]
    assert references(get(client, "/cases", team=other.team_id)) == [theirs.reference]
    assert references(get(client, "/cases", status="inProgress")) == [theirs.reference]
    assert references(get(client, "/cases", intent="outage")) == [mine.reference]
    assert references(get(client, "/cases", intent="outage", status="inProgress")) == []


def test_case_search_finds_a_case_by_reference_name_phone_email_and_message_words():
    customer = CustomerFactory(first_name="Hélène", last_name="Marchand")
    PhoneFactory(customer=customer, value="+33612345678")
    EmailFactory(customer=customer, value="helene.marchand@exemple.fr")
    case = make_case(customer=customer, first_message="Le boîtier 4G est reparti chez l'expéditeur")
    make_case(subject="Autre chose")
    client = client_for(AgentFactory())
    for q in [
        case.reference.lower(),
        "marchand",
        "06 12 34 56 78",
        "Helene.Marchand@exemple.fr",
        "expéditeur",
    ]:
        assert references(get(client, "/cases", q=q)) == [case.reference], q


def test_case_search_finds_words_of_an_answer_sent_later():
    agent = AgentFactory()
    case = make_case(owner=agent)
    send_reply(case, by=agent, channel=Channel.SMS, body="Technicien confirmé jeudi 8h-13h")
    make_case()
    assert references(get(client_for(agent), "/cases", q="technicien")) == [case.reference]


def test_case_search_does_not_read_internal_notes():
    agent = AgentFactory()
    case = make_case(owner=agent)
    add_note(case, by=agent, text="Client très remonté, menace de partir")
    assert references(get(client_for(agent), "/cases", q="remonté")) == []


@pytest.mark.parametrize("q", ["jean@", "pas un mail@exemple.fr", "00 00 00 00 00"])
def test_case_search_with_an_invalid_email_or_phone_says_so(q):
    client = client_for(AgentFactory(), language="en")
    response = get(client, "/cases", q=q)
    assert response.status_code == 422
    assert "not a" in response.json()["detail"]


def test_case_list_pages_with_a_cursor_without_gaps_or_repeats():
    agent = AgentFactory()
    cases = [make_case(owner=agent) for _ in range(5)]
    client = client_for(agent)
    seen, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        response = get(client, "/cases", **params)
        page = references(response)
        assert len(page) <= 2
        seen += page
        cursor = response.json()["next_cursor"]
        if cursor is None:
            break
    assert seen == [c.reference for c in reversed(cases)]


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 101},
        {"limit": "beaucoup"},
        {"status": "lost"},
        {"intent": "gossip"},
        {"owner": "moi"},
        {"owner": 2**64},
        {"cursor": "pas-un-curseur"},
        {"cursor": "MjAyNi0wMS0wMXwx"},  # a naive date: not one of ours
        {"q": "x" * 201},
        {"q": "fibre\x00"},
    ],
)
def test_case_list_refuses_bad_parameters_with_a_422(params):
    make_case()
    response = get(client_for(AgentFactory(), language="en"), "/cases", **params)
    assert response.status_code == 422, response.content
    assert isinstance(response.json()["detail"], str)


def test_case_detail_has_the_header_and_the_timeline_as_sentences():
    agent = AgentFactory(phone_extension="+33140001234")
    case = make_case(owner=agent, first_message="Plus de fibre", channel=Channel.SHOP)
    due = timezone.now() + dt.timedelta(days=2)
    promise = make_promise(case, by=agent, description="Rappel avant vendredi", due_at=due)
    add_note(case, by=agent, text="Voir avec l'infra")
    response = get(client_for(agent, language="en"), f"/cases/{case.reference}")
    assert response.status_code == 200
    body = response.json()
    owner = body["header"]["owner"]
    assert owner["id"] == agent.pk
    assert owner["contact"] == "+33140001234"
    assert owner["team"]["id"] == agent.team_id
    assert [p["id"] for p in body["header"]["open_promises"]] == [promise.pk]
    assert body["allowed_statuses"] == ["inProgress", "rejected", "cancelled"]
    kinds = [e["kind"] for e in body["timeline"]]
    assert kinds == ["case_opened", "message_in", "assigned", "promise_made", "note"]
    opened = body["timeline"][0]
    assert opened["text"] == "Case opened via Shop: “Plus d'internet depuis lundi”"
    assert opened["actor"] == agent.display_name
    assert opened["channel"] == "shop"
    assert opened["visibility"] == "public"
    note = body["timeline"][-1]
    assert note["visibility"] == "internal"
    assert note["data"] == {"body": "Voir avec l'infra"}
    assert body["timeline"][1]["actor"] == "The customer"


def test_case_detail_speaks_the_requests_language():
    case = make_case()
    agent = AgentFactory()
    english = get(client_for(agent, language="en"), f"/cases/{case.reference}").json()
    assert english["timeline"][0]["text"].startswith("Case opened via")


def test_case_detail_costs_the_same_queries_whatever_the_timeline_length(
    django_assert_max_num_queries,
):
    agent = AgentFactory()
    case = make_case(owner=agent)
    client = client_for(agent)
    for i in range(30):
        send_reply(case, by=agent, channel=Channel.SMS, body=f"Message {i}")
    with django_assert_max_num_queries(12):
        assert get(client, f"/cases/{case.reference}").status_code == 200


@pytest.mark.parametrize("reference", ["FR-2026-999999", "nimporte-quoi", "FR-2026-00%00001"])
def test_unknown_case_is_a_404_with_a_json_error(reference):
    response = get(client_for(AgentFactory(), language="en"), f"/cases/{reference}")
    assert response.status_code == 404
    assert "No case" in response.json()["detail"]


def test_events_without_a_formatter_still_read_as_something():
    agent = AgentFactory()
    case = make_case(owner=agent)
    Event.objects.create(
        case=case,
        customer=case.customer,
        kind="made_up_kind",
        visibility=Event.Visibility.INTERNAL,
        created_at=timezone.now(),
    )
    body = get(client_for(agent, language="en"), f"/cases/{case.reference}").json()
    assert body["timeline"][-1]["text"] == "Event: made_up_kind"
