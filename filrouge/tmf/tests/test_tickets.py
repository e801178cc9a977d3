"""The TMF621 server: tickets are cases, partners see only theirs, every refusal is a TMF error."""

import pytest
from django.test import Client

from filrouge.accounts.tests.factories import AgentFactory
from filrouge.api.tests.helpers import db_state
from filrouge.cases.models import Case, Event, Status
from filrouge.cases.services import change_status
from filrouge.cases.tests.factories import make_case
from filrouge.partners.models import PartnerCase
from filrouge.tmf.models import PartnerCall
from filrouge.tmf.tests.helpers import (
    TICKET,
    V5,
    agent_client,
    entrusted,
    is_tmf_error,
    partner_client,
    patch,
    post,
)

pytestmark = pytest.mark.django_db


def test_a_partner_posts_a_ticket_and_gets_it_back_as_tmf621():
    partner, client, _raw = partner_client()
    body = {**TICKET, "externalIdentifier": [{"id": "OW-77", "owner": "Orange Wholesale"}]}
    response = post(client, "/troubleTicket", body)
    assert response.status_code == 201
    ticket = response.json()
    case = Case.objects.get(reference=ticket["id"])
    assert ticket["href"].endswith(f"{V5}/troubleTicket/{case.reference}")
    assert response["Location"] == ticket["href"]
    assert (ticket["@type"], ticket["status"], ticket["severity"]) == (
        "TroubleTicket",
        "acknowledged",
        "Major",
    )
    assert (ticket["ticketType"], ticket["description"]) == ("outage", TICKET["description"])
    assert ticket["externalIdentifier"][0]["id"] == "OW-77"
    assert "name" not in ticket["relatedParty"][0]["partyOrPartyRole"]
    assert PartnerCase.objects.get(case=case).partner == partner


@pytest.mark.parametrize("missing", ["description", "severity", "ticketType"])
def test_a_ticket_without_a_mandatory_field_is_a_400_and_opens_nothing(missing):
    _partner, client, _raw = partner_client()
    before = db_state()
    response = post(client, "/troubleTicket", {k: v for k, v in TICKET.items() if k != missing})
    assert is_tmf_error(response, 400)
    assert response.json()["code"] == "missingProperty"
    assert missing in response.json()["message"]
    assert db_state() == before


@pytest.mark.parametrize(
    "bad",
    [
        {"severity": "Apocalyptic"},
        {"ticketType": "weather"},
        {"id": "FR-2026-000001"},
        {"description": "   "},
    ],
)
def test_a_bad_value_or_a_read_only_field_is_a_400(bad):
    _partner, client, _raw = partner_client()
    before = db_state()
    assert is_tmf_error(post(client, "/troubleTicket", {**TICKET, **bad}), 400)
    assert db_state() == before


def test_unreadable_json_is_a_400():
    _partner, client, _raw = partner_client()
    response = client.post(f"{V5}/troubleTicket", "{nope", content_type="application/json")
    assert is_tmf_error(response, 400)


def test_no_key_a_wrong_key_or_another_scheme_is_a_401():
    assert is_tmf_error(Client().get(f"{V5}/troubleTicket"), 401)
    wrong = Client(headers={"Authorization": "Bearer fp_not-a-key"})
    assert is_tmf_error(wrong.get(f"{V5}/troubleTicket"), 401)
    basic = Client(headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert is_tmf_error(basic.get(f"{V5}/troubleTicket"), 401)


def test_a_deactivated_partner_gets_a_403_and_the_call_is_audited():
    partner, client, _raw = partner_client()
    partner.is_active = False
    partner.save()
    assert is_tmf_error(client.get(f"{V5}/troubleTicket"), 403)
    call = PartnerCall.objects.get()
    assert (call.partner, call.method, call.status) == (partner, "GET", 403)


def test_an_operator_system_must_name_the_customer():
    agent = AgentFactory()
    client = agent_client(agent)
    assert is_tmf_error(post(client, "/troubleTicket", TICKET), 422)
    case = make_case()
    party = {"role": "customer", "partyOrPartyRole": {"id": case.customer.account_number}}
    response = post(client, "/troubleTicket", {**TICKET, "relatedParty": [party]})
    assert response.status_code == 201
    assert Case.objects.get(reference=response.json()["id"]).customer == case.customer
    assert response.json()["relatedParty"][0]["partyOrPartyRole"]["name"]


def test_a_partner_never_sees_nor_changes_another_partners_or_an_unshared_case():
    mine, client, _raw = partner_client("Installateur A")
    other, _other_client, _ = partner_client("Installateur B")
    own = entrusted(make_case(), mine)
    theirs = entrusted(make_case(), other)
    unshared = make_case()
    listed = client.get(f"{V5}/troubleTicket").json()
    assert [t["id"] for t in listed] == [own.reference]
    before = db_state()
    for case in (theirs, unshared):
        path = f"/troubleTicket/{case.reference}"
        assert is_tmf_error(client.get(f"{V5}{path}"), 404)
        assert is_tmf_error(patch(client, path, {"status": "inProgress"}), 404)
        assert is_tmf_error(client.delete(f"{V5}{path}"), 404)
    assert is_tmf_error(client.get(f"{V5}/troubleTicket/FR-2099-999999"), 404)
    assert db_state() == before
    assert PartnerCall.objects.filter(partner=mine, status=404).count() == 7


def test_filters_projection_and_paging_with_the_counts_in_headers():
    partner, client, _raw = partner_client()
    held = [entrusted(make_case(), partner) for _ in range(3)]
    for case in held:
        change_status(case, to=Status.IN_PROGRESS, by=None)
        change_status(
            Case.objects.get(pk=case.pk), to=Status.HELD, by=None, reason="waiting_partner"
        )
    entrusted(make_case(), partner)  # acknowledged
    response = client.get(
        f"{V5}/troubleTicket",
        {"status": "held", "limit": 2, "fields": "status,statusChangeHistory"},
    )
    assert response.status_code == 200
    assert (response["X-Total-Count"], response["X-Result-Count"]) == ("3", "2")
    first = response.json()[0]
    assert set(first) == {"id", "href", "@type", "status", "statusChangeHistory"}
    assert [c["status"] for c in first["statusChangeHistory"]] == ["inProgress", "held"]
    assert first["statusChangeHistory"][1]["statusChangeReason"] == "waiting_partner"
    rest = client.get(f"{V5}/troubleTicket", {"status": "held", "offset": 2}).json()
    assert len(rest) == 1
    everything = {t["id"] for t in response.json()} | {rest[0]["id"]}
    assert everything == {c.reference for c in held}
    severity = client.get(f"{V5}/troubleTicket", {"severity": "minor"})
    assert severity["X-Total-Count"] == "4"
    assert client.get(f"{V5}/troubleTicket", {"severity": "critical"}).json() == []


@pytest.mark.parametrize(
    "query", [{"fields": "status,colour"}, {"owner": "x"}, {"limit": 0}, {"status": "lost"}]
)
def test_an_unknown_field_filter_or_a_bad_page_is_a_400(query):
    _partner, client, _raw = partner_client()
    assert is_tmf_error(client.get(f"{V5}/troubleTicket", query), 400)


def test_patch_follows_the_lifecycle_and_adds_the_partners_note():
    partner, client, _raw = partner_client()
    case = entrusted(make_case(), partner)
    path = f"/troubleTicket/{case.reference}"
    before = db_state()
    refused = patch(client, path, {"status": "resolved"})
    assert is_tmf_error(refused, 409)
    assert refused.json()["code"] == "invalidTransition"
    assert db_state() == before
    assert patch(client, path, {"status": "inProgress"}).status_code == 200
    done = patch(
        client,
        path,
        {
            "status": "resolved",
            "statusChangeReason": "fixed",
            "note": [{"text": "Soudure refaite au PM 12"}],
        },
    )
    assert done.status_code == 200
    ticket = done.json()
    assert (ticket["status"], ticket["statusChangeReason"]) == ("resolved", "fixed")
    assert ticket["resolutionDate"]
    assert [n["text"] for n in ticket["note"]] == ["Soudure refaite au PM 12"]
    assert ticket["note"][0]["author"] == partner.name
    change = Event.objects.filter(case=case, kind=Event.Kind.STATUS_CHANGED).last()
    assert (change.actor_label, change.data["to"]) == (partner.name, "resolved")
    again = patch(client, path, {"note": ticket["note"]})  # merge-patch sends the list back
    assert len(again.json()["note"]) == 1


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"status": "lost"}, 400),
        ({"creationDate": "2020-01-01T00:00:00Z"}, 400),
        ({"expectedResolutionDate": "2030-01-01T00:00:00Z"}, 422),
        ({"note": [{"text": ""}]}, 400),
    ],
)
def test_a_bad_patch_changes_nothing(body, status):
    partner, client, _raw = partner_client()
    case = entrusted(make_case(), partner)
    before = db_state()
    assert is_tmf_error(patch(client, f"/troubleTicket/{case.reference}", body), status)
    assert db_state() == before


def test_severity_changes_the_priority_and_the_operator_sets_the_expected_date():
    agent = AgentFactory()
    client = agent_client(agent)
    case = make_case()
    response = patch(
        client,
        f"/troubleTicket/{case.reference}",
        {"severity": "critical", "expectedResolutionDate": "2030-05-01T10:00:00Z"},
    )
    assert response.status_code == 200
    assert (response.json()["severity"], response.json()["priority"]) == ("Critical", "urgent")
    assert response.json()["expectedResolutionDate"] == "2030-05-01T10:00:00Z"


def test_delete_cancels_the_ticket_and_keeps_the_case():
    partner, client, _raw = partner_client()
    case = entrusted(make_case(), partner)
    response = client.delete(f"{V5}/troubleTicket/{case.reference}")
    assert response.status_code == 204
    assert Case.objects.get(pk=case.pk).status == Status.CANCELLED
    assert client.delete(f"{V5}/troubleTicket/{case.reference}").status_code == 204


def test_delete_of_a_resolved_ticket_is_a_409():
    partner, client, _raw = partner_client()
    case = entrusted(make_case(), partner)
    change_status(case, to=Status.IN_PROGRESS, by=None)
    change_status(Case.objects.get(pk=case.pk), to=Status.RESOLVED, by=None)
    assert is_tmf_error(client.delete(f"{V5}/troubleTicket/{case.reference}"), 409)


def test_the_v4_path_is_the_same_api():
    partner, client, _raw = partner_client()
    case = entrusted(make_case(), partner)
    response = client.get(f"/tmf-api/troubleTicket/v4/troubleTicket/{case.reference}")
    assert response.status_code == 200
    assert response.json()["id"] == case.reference


def test_too_many_calls_in_a_minute_get_a_429(settings):
    settings.TMF_RATE_LIMIT_PER_MINUTE = 3
    _partner, client, _raw = partner_client("Pressé")
    answers = [client.get(f"{V5}/troubleTicket").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    refused = client.get(f"{V5}/troubleTicket")
    assert is_tmf_error(refused, 429)
    assert refused["Retry-After"] == "60"


def test_every_partner_call_is_audited():
    partner, client, _raw = partner_client()
    post(client, "/troubleTicket", TICKET)
    client.get(f"{V5}/troubleTicket?status=held")
    calls = list(PartnerCall.objects.order_by("pk").values_list("method", "path", "status"))
    assert calls == [
        ("POST", f"{V5}/troubleTicket", 201),
        ("GET", f"{V5}/troubleTicket?status=held", 200),
    ]
