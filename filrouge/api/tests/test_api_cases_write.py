import datetime as dt

import pytest
from django.utils import timezone

from filrouge.accounts.tests.factories import AgentFactory, TeamFactory
from filrouge.api.tests.helpers import API, client_for, db_state, post
from filrouge.cases.models import Case, Event, Priority, Promise, Status
from filrouge.cases.services import change_status, make_promise
from filrouge.cases.tests.factories import make_case
from filrouge.channels.models import OutboundMessage
from filrouge.customers.tests.factories import CustomerFactory, LineFactory, PhoneFactory

pytestmark = pytest.mark.django_db


def later(days: int = 2) -> str:
    return (timezone.now() + dt.timedelta(days=days)).isoformat()


def refused(response, status: int) -> str:
    assert response.status_code == status, response.content
    detail = response.json()["detail"]
    assert isinstance(detail, str)
    assert detail
    return detail


# --- create ---------------------------------------------------------------


def test_opening_a_case_returns_it_owned_by_the_caller_with_its_first_message():
    agent = AgentFactory()
    customer = CustomerFactory()
    line = LineFactory(customer=customer)
    response = post(
        client_for(agent),
        "/cases",
        {
            "customer": customer.pk,
            "subject": "Déménagement de la ligne pro",
            "intent": "move",
            "channel": "shop",
            "line": line.pk,
            "first_message": "Je déménage le 3 mars",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    case = Case.objects.get(reference=body["reference"])
    assert case.owner == agent
    assert case.line == line
    assert case.intent == "move"
    assert body["header"]["owner"]["id"] == agent.pk
    assert [e["kind"] for e in body["timeline"]] == ["case_opened", "message_in", "assigned"]
    assert body["timeline"][0]["actor_id"] == agent.pk


def test_opening_a_case_with_owner_null_leaves_it_in_the_unassigned_queue():
    response = post(
        client_for(AgentFactory()),
        "/cases",
        {"customer": CustomerFactory().pk, "subject": "Box HS", "channel": "phone", "owner": None},
    )
    assert response.status_code == 201
    assert Case.objects.get().owner is None


def test_opening_a_case_for_a_colleague_named_by_email():
    colleague = AgentFactory(email="jules@boutique.example")
    response = post(
        client_for(AgentFactory()),
        "/cases",
        {
            "customer": CustomerFactory().pk,
            "subject": "Box HS",
            "channel": "phone",
            "owner": "Jules@Boutique.example",
            "priority": Priority.HIGH,
        },
    )
    assert response.status_code == 201, response.content
    case = Case.objects.get()
    assert (case.owner, case.team, case.priority) == (colleague, colleague.team, Priority.HIGH)


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"customer": 999_999}, 422),
        ({"customer": 2**70}, 422),
        ({"customer": "abc"}, 422),
        ({"subject": ""}, 422),
        ({"subject": "   "}, 422),
        ({"subject": "x" * 201}, 422),
        ({"subject": "nul\x00"}, 422),
        ({"subject": "\ud800"}, 422),
        ({"channel": "pigeon"}, 422),
        ({"intent": "gossip"}, 422),
        ({"priority": 9}, 422),
        ({"owner": 999_999}, 422),
        ({"owner": "personne@nulle-part.example"}, 422),
        ({"owner": "pas-un-email"}, 422),
        ({"team": 999_999}, 422),
        ({"line": 999_999}, 422),
        ({"reference": "FR-2026-000001"}, 422),  # unknown field
        ({"status": "closed"}, 422),  # unknown field
    ],
)
def test_opening_a_case_with_bad_input_is_refused_and_creates_nothing(change, status):
    body = {"customer": CustomerFactory().pk, "subject": "Box HS", "channel": "phone"} | change
    before = db_state()
    refused(post(client_for(AgentFactory()), "/cases", body), status)
    assert db_state() == before


def test_opening_a_case_on_another_customers_line_is_refused():
    line = LineFactory()
    body = {"customer": CustomerFactory().pk, "subject": "Box HS", "channel": "phone"}
    detail = refused(post(client_for(AgentFactory()), "/cases", body | {"line": line.pk}), 422)
    assert "another customer" in detail
    assert Case.objects.count() == 0


def test_malformed_json_is_a_400_and_changes_nothing():
    case = make_case()
    client = client_for(AgentFactory())
    before = db_state()
    for path in ["/cases", f"/cases/{case.reference}/notes"]:
        response = client.post(f"{API}{path}", "{not json", content_type="application/json")
        assert refused(response, 400) == "The request body is not valid JSON."
    assert db_state() == before


@pytest.mark.parametrize("body", ['["a list"]', '"a string"', "42", "null", ""])
def test_a_body_that_is_not_an_object_is_refused(body):
    case = make_case()
    before = db_state()
    response = client_for(AgentFactory()).post(
        f"{API}/cases/{case.reference}/notes", body, content_type="application/json"
    )
    assert response.status_code in {400, 422}
    assert db_state() == before


# --- status -----------------------------------------------------------------


def test_changing_status_records_who_and_why_and_returns_the_new_version():
    agent = AgentFactory()
    case = make_case()
    response = post(
        client_for(agent),
        f"/cases/{case.reference}/status",
        {"to": "inProgress", "reason": "Pris en charge", "version": 1},
    )
    assert response.status_code == 200, response.content
    assert response.json()["case"]["status"] == "inProgress"
    assert response.json()["case"]["version"] == 2
    event = case.events.get(kind=Event.Kind.STATUS_CHANGED)
    assert (event.actor, event.data["reason"]) == (agent, "Pris en charge")


def test_an_illegal_transition_is_a_422_and_changes_nothing():
    case = make_case()
    before = db_state()
    detail = refused(
        post(
            client_for(AgentFactory(), language="en"),
            f"/cases/{case.reference}/status",
            {"to": "closed", "version": 1},
        ),
        422,
    )
    assert detail == "A case cannot go from “Acknowledged” to “Closed”."
    assert db_state() == before


def test_a_stale_version_is_a_409_and_changes_nothing():
    agent = AgentFactory()
    case = make_case()
    change_status(case, to=Status.IN_PROGRESS, by=agent)  # a colleague, meanwhile
    before = db_state()
    refused(
        post(client_for(agent), f"/cases/{case.reference}/status", {"to": "held", "version": 1}),
        409,
    )
    assert db_state() == before


@pytest.mark.parametrize(
    "body",
    [
        {"to": "inProgress"},  # no version
        {"to": "lost", "version": 1},
        {"to": "inProgress", "version": 0},
        {"to": "inProgress", "version": "un"},
        {"to": "inProgress", "version": 1, "force": True},
        {"to": "inProgress", "version": 1, "reason": "x" * 501},
    ],
)
def test_a_bad_status_request_is_a_422_and_changes_nothing(body):
    case = make_case()
    before = db_state()
    refused(post(client_for(AgentFactory()), f"/cases/{case.reference}/status", body), 422)
    assert db_state() == before


def test_acting_on_an_unknown_case_is_a_404():
    client = client_for(AgentFactory())
    before = db_state()
    refused(post(client, "/cases/FR-2020-000404/status", {"to": "held", "version": 1}), 404)
    refused(post(client, "/cases/FR-2020-000404/notes", {"text": "x"}), 404)
    assert db_state() == before


# --- notes and replies --------------------------------------------------------


def test_a_note_is_internal_and_recorded_with_its_author():
    agent = AgentFactory()
    case = make_case()
    response = post(client_for(agent), f"/cases/{case.reference}/notes", {"text": "Voir l'infra"})
    assert response.status_code == 201
    body = response.json()
    assert body["event"]["kind"] == "note"
    assert body["event"]["visibility"] == "internal"
    assert body["event"]["actor_id"] == agent.pk
    assert body["case"]["version"] == 2


@pytest.mark.parametrize(
    "body",
    [{}, {"text": ""}, {"text": "   "}, {"text": "ok", "visibility": "public"}, {"text": 3}],
)
def test_a_bad_note_is_refused_and_changes_nothing(body):
    case = make_case()
    before = db_state()
    refused(post(client_for(AgentFactory()), f"/cases/{case.reference}/notes", body), 422)
    assert db_state() == before


def test_a_note_with_a_stale_version_is_refused():
    case = make_case()
    post(client_for(AgentFactory()), f"/cases/{case.reference}/notes", {"text": "Premier"})
    before = db_state()
    response = post(
        client_for(AgentFactory()),
        f"/cases/{case.reference}/notes",
        {"text": "Second", "version": 1},
    )
    refused(response, 409)
    assert db_state() == before


def test_a_reply_is_a_public_message_on_the_chosen_channel_and_its_delivery_is_queued():
    agent = AgentFactory()
    case = make_case()
    PhoneFactory(customer=case.customer, value="+33612345678")
    response = post(
        client_for(agent),
        f"/cases/{case.reference}/replies",
        {"channel": "sms", "body": "Technicien jeudi 8h-13h", "version": 1},
    )
    assert response.status_code == 201, response.content
    event = response.json()["event"]
    assert (event["kind"], event["channel"], event["visibility"]) == (
        "message_out",
        "sms",
        "public",
    )
    assert event["data"] == {"body": "Technicien jeudi 8h-13h"}
    outbound = OutboundMessage.objects.get(event_id=event["id"])
    assert (outbound.channel, outbound.recipient) == ("sms", "+33612345678")


def test_a_reply_on_a_channel_the_customer_cannot_receive_is_refused():
    agent = AgentFactory()
    case = make_case()  # no phone on file
    before = db_state()
    response = post(
        client_for(agent),
        f"/cases/{case.reference}/replies",
        {"channel": "sms", "body": "Technicien jeudi 8h-13h", "version": 1},
    )
    refused(response, 422)
    assert db_state() == before


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"channel": "sms", "body": "Bonjour", "version": 7}, 409),
        ({"channel": "sms", "body": "", "version": 1}, 422),
        ({"channel": "sms", "body": "  ", "version": 1}, 422),
        ({"channel": "fax", "body": "Bonjour", "version": 1}, 422),
        ({"channel": "sms", "body": "Bonjour"}, 422),
        ({"channel": "sms", "body": "Bonjour", "version": 1, "to": "+33600000000"}, 422),
    ],
)
def test_a_bad_reply_is_refused_and_changes_nothing(body, status):
    case = make_case()
    before = db_state()
    refused(post(client_for(AgentFactory()), f"/cases/{case.reference}/replies", body), status)
    assert db_state() == before


# --- handover -----------------------------------------------------------------


def test_handover_by_id_or_email_changes_the_owner_and_keeps_the_note():
    first, second = AgentFactory(), AgentFactory(email="relais@support.example")
    third = AgentFactory()
    case = make_case(owner=first)
    client = client_for(first)
    response = post(
        client,
        f"/cases/{case.reference}/handover",
        {"to": second.email.upper(), "note": "RDV technicien à confirmer", "version": 1},
    )
    assert response.status_code == 200, response.content
    assert response.json()["case"]["owner"]["id"] == second.pk
    response = post(
        client,
        f"/cases/{case.reference}/handover",
        {"to": third.pk, "note": "Suite au congé", "version": 2},
    )
    assert response.json()["case"]["owner"]["id"] == third.pk
    notes = [e.data["note"] for e in case.events.filter(kind=Event.Kind.HANDOVER)]
    assert notes == ["RDV technicien à confirmer", "Suite au congé"]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"to": "SELF", "note": "", "version": 1}, 422),
        ({"to": "SELF", "note": "   ", "version": 1}, 422),
        ({"to": "SELF", "note": "Relais", "version": 3}, 409),
        ({"to": 999_999, "note": "Relais", "version": 1}, 422),
        ({"to": "inconnu@nulle-part.example", "note": "Relais", "version": 1}, 422),
        ({"to": "pas-un-email", "note": "Relais", "version": 1}, 422),
        ({"to": "OWNER", "note": "Relais", "version": 1}, 422),  # already owns it
        ({"to": "INACTIVE", "note": "Relais", "version": 1}, 422),
        ({"to": "SELF", "note": "Relais"}, 422),
        ({"to": "SELF", "note": "Relais", "version": 1, "team": 999_999}, 422),
    ],
)
def test_a_bad_handover_is_refused_and_changes_nothing(body, status):
    owner, agent = AgentFactory(), AgentFactory()
    gone = AgentFactory(is_active=False)
    case = make_case(owner=owner)
    body["to"] = {"SELF": agent.pk, "OWNER": owner.pk, "INACTIVE": gone.pk}.get(
        body["to"], body["to"]
    )
    before = db_state()
    refused(post(client_for(agent), f"/cases/{case.reference}/handover", body), status)
    assert db_state() == before


def test_handover_to_another_team_moves_the_case_there():
    first, second = AgentFactory(), AgentFactory()
    disputes = TeamFactory(name="Litiges", slug="litiges")
    case = make_case(owner=first)
    response = post(
        client_for(first),
        f"/cases/{case.reference}/handover",
        {"to": second.pk, "note": "Litige facture", "team": disputes.pk, "version": 1},
    )
    assert response.json()["case"]["team"] == {"id": disputes.pk, "name": "Litiges"}


# --- promises -----------------------------------------------------------------


def test_a_promise_is_recorded_then_kept():
    agent = AgentFactory()
    case = make_case(owner=agent)
    client = client_for(agent)
    response = post(
        client,
        f"/cases/{case.reference}/promises",
        {"description": "Rappel avant vendredi 18h", "due_at": later()},
    )
    assert response.status_code == 201, response.content
    promise = response.json()["promise"]
    assert promise["state"] == "open"
    assert promise["made_by"]["id"] == agent.pk
    response = post(client, f"/cases/{case.reference}/promises/{promise['id']}/keep")
    assert response.status_code == 200
    assert response.json()["promise"]["state"] == "kept"
    assert Promise.objects.get().settled_by == agent


def test_breaking_a_promise_escalates_the_case():
    agent = AgentFactory()
    case = make_case(owner=agent)
    promise = make_promise(
        case, by=agent, description="Technicien jeudi", due_at=timezone.now() + dt.timedelta(days=1)
    )
    response = post(
        client_for(agent),
        f"/cases/{case.reference}/promises/{promise.pk}/break",
        {"reason": "Technicien absent"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["promise"]["state"] == "broken"
    assert response.json()["case"]["priority"] == Priority.HIGH
    assert case.events.get(kind=Event.Kind.PROMISE_BROKEN).data["reason"] == "Technicien absent"


def test_breaking_a_promise_needs_no_body():
    agent = AgentFactory()
    case = make_case(owner=agent)
    promise = make_promise(
        case, by=agent, description="Rappel", due_at=timezone.now() + dt.timedelta(days=1)
    )
    response = post(client_for(agent), f"/cases/{case.reference}/promises/{promise.pk}/break")
    assert response.status_code == 200, response.content


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"description": "Rappel", "due_at": "2000-01-01T10:00:00+01:00"}, 422),
        ({"description": "Rappel", "due_at": "2099-01-01T10:00:00"}, 422),  # no time zone
        ({"description": "Rappel", "due_at": "jeudi"}, 422),
        ({"description": "", "due_at": "2099-01-01T10:00:00+01:00"}, 422),
        ({"description": "x" * 201, "due_at": "2099-01-01T10:00:00+01:00"}, 422),
        ({"description": "Rappel"}, 422),
        ({"description": "Rappel", "due_at": "2099-01-01T10:00:00+01:00", "by": 1}, 422),
        ({"description": "Rappel", "due_at": "2099-01-01T10:00:00+01:00", "version": 9}, 409),
    ],
)
def test_a_bad_promise_is_refused_and_changes_nothing(body, status):
    case = make_case()
    before = db_state()
    refused(post(client_for(AgentFactory()), f"/cases/{case.reference}/promises", body), status)
    assert db_state() == before


def test_a_promise_on_a_closed_case_is_refused():
    agent = AgentFactory()
    case = make_case(owner=agent)
    change_status(case, to=Status.CANCELLED, by=agent)
    before = db_state()
    response = post(
        client_for(agent),
        f"/cases/{case.reference}/promises",
        {"description": "Rappel", "due_at": later()},
    )
    refused(response, 422)
    assert db_state() == before


def test_settling_a_promise_twice_or_through_another_case_is_refused():
    agent = AgentFactory()
    case, other = make_case(owner=agent), make_case(owner=agent)
    promise = make_promise(
        case, by=agent, description="Rappel", due_at=timezone.now() + dt.timedelta(days=1)
    )
    client = client_for(agent)
    assert post(client, f"/cases/{case.reference}/promises/{promise.pk}/keep").status_code == 200
    before = db_state()
    refused(post(client, f"/cases/{case.reference}/promises/{promise.pk}/break"), 422)
    refused(post(client, f"/cases/{other.reference}/promises/{promise.pk}/keep"), 404)
    refused(post(client, f"/cases/{case.reference}/promises/999999/keep"), 404)
    refused(
        post(
            client,
            f"/cases/{case.reference}/promises/{promise.pk}/break",
            {"reason": "x", "extra": 1},
        ),
        422,
    )
    assert db_state() == before


def test_settling_a_promise_with_a_stale_version_is_refused():
    agent = AgentFactory()
    case = make_case(owner=agent)
    promise = make_promise(
        case, by=agent, description="Rappel", due_at=timezone.now() + dt.timedelta(days=1)
    )
    client = client_for(agent)
    before = db_state()
    path = f"/cases/{case.reference}/promises/{promise.pk}"
    refused(post(client, f"{path}/keep", {"version": 1}), 409)
    refused(post(client, f"{path}/break", {"version": 1, "reason": "absent"}), 409)
    assert db_state() == before
    response = post(client, f"{path}/keep", {"version": case.version + 1})
    assert response.status_code == 200, response.content
