"""The partner command's TMF options, the advisor's page, the listener's refusals, query counts."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from filrouge.accounts.models import ApiToken
from filrouge.accounts.tests.factories import AgentFactory
from filrouge.cases.models import Case, Status
from filrouge.cases.services import change_status
from filrouge.cases.tests.factories import make_case
from filrouge.partners.keys import partner_for_key
from filrouge.partners.models import Partner
from filrouge.tmf.models import PartnerEndpoint
from filrouge.tmf.tests.helpers import TICKET, V5, agent_client, entrusted, partner_client, post

pytestmark = pytest.mark.django_db


def test_partner_add_with_its_tmf_address_prints_its_key_and_keeps_ours(capsys):
    call_command(
        "partner",
        "add",
        "Axione",
        "--tmf-url",
        "https://tmf.axione.example/tmf-api/v5/",
        "--their-key",
        "theirs-123",
    )
    raw = capsys.readouterr().out.strip()
    partner = partner_for_key(raw)
    assert partner.name == "Axione"
    endpoint = PartnerEndpoint.objects.get(partner=partner)
    assert (endpoint.base_url, endpoint.their_key) == (
        "https://tmf.axione.example/tmf-api/v5",
        "theirs-123",
    )


@pytest.mark.parametrize(
    "options",
    [
        ["--tmf-url", "https://x.example"],
        ["--their-key", "k"],
        ["--tmf-url", "ftp://x.example", "--their-key", "k"],
    ],
)
def test_partner_add_refuses_half_or_bad_tmf_options_and_adds_nothing(options):
    with pytest.raises(CommandError):
        call_command("partner", "add", "Covage", *options)
    assert not Partner.objects.exists()


def test_the_advisors_page_needs_a_login_and_says_when_no_partner_is_configured():
    case = make_case()
    page = f"/agent/dossiers/{case.reference}/partenaire/ticket/"
    assert Client().get(page).status_code == 302  # to the login page
    console = Client()
    console.force_login(AgentFactory())
    answer = console.get(page)
    assert answer.status_code == 200
    assert "filrouge partner add" in answer.content.decode()
    assert console.get("/agent/dossiers/FR-2099-999999/partenaire/ticket/").status_code == 404


def test_an_unreachable_partner_is_said_to_the_advisor_and_nothing_changes():
    partner = Partner.objects.create(
        name="Injoignable",
        key_digest="d" * 64,
        key_prefix="fp_x",
        created_at=make_case().created_at,
    )
    PartnerEndpoint.objects.create(
        partner=partner, base_url="http://127.0.0.1:9/tmf", their_key="k"
    )
    advisor = AgentFactory()
    case = make_case(owner=advisor)
    change_status(case, to=Status.IN_PROGRESS, by=advisor)
    console = Client()
    console.force_login(advisor)
    answer = console.post(
        f"/agent/dossiers/{case.reference}/partenaire/ticket/",
        {"partner": partner.pk, "description": "PM", "severity": "Major"},
    )
    assert answer.status_code == 400
    assert "injoignable" in answer.content.decode()
    assert Case.objects.get(pk=case.pk).status == Status.IN_PROGRESS


def test_the_listener_refuses_an_unknown_partner_and_a_body_that_is_not_an_event():
    assert (
        Client().post("/tmf-api/listener/999/", "{}", content_type="application/json").status_code
        == 404
    )
    assert Client().get("/tmf-api/listener/999/").status_code == 405


def test_a_list_page_costs_the_same_queries_for_1_or_30_tickets():
    agent = AgentFactory()
    client = agent_client(agent)
    partner, _pc, _raw = partner_client()
    for _ in range(3):
        entrusted(make_case(), partner, external_id="X")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"{V5}/troubleTicket").status_code == 200
        return len(captured)

    queries()  # the token's first use is written down
    few = queries()
    for _ in range(27):
        change_status(entrusted(make_case(), partner), to=Status.IN_PROGRESS, by=None)
    # token, the page and its count (one statement), events, references, attachments
    assert queries() == few <= 5


def test_a_tokens_last_use_is_written_at_most_once_a_minute():
    agent = AgentFactory()
    client = agent_client(agent)
    token = ApiToken.objects.get(agent=agent)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        assert client.get(f"{V5}/troubleTicket").status_code == 200
        first = ApiToken.objects.get(pk=token.pk).last_used_at
        assert first is not None
        clock.shift(timedelta(seconds=50))
        client.get(f"{V5}/troubleTicket")
        assert ApiToken.objects.get(pk=token.pk).last_used_at == first
        clock.shift(timedelta(seconds=20))
        client.get(f"{V5}/troubleTicket")
        assert ApiToken.objects.get(pk=token.pk).last_used_at > first


def test_posting_a_ticket_takes_a_bounded_number_of_queries():
    _partner, client, _raw = partner_client()
    post(client, "/troubleTicket", TICKET)  # the partner's own file is made once
    with CaptureQueriesContext(connection) as captured:
        assert post(client, "/troubleTicket", TICKET).status_code == 201
    # The key, the partner's file, the reference, the case, its create event, the grant,
    # the listeners, the audit row, and the transaction's two statements: 10. Other apps'
    # case-opened hooks add none for a partner's own ticket (no line to look up).
    assert len(captured) <= 10, "\n".join(q["sql"][:120] for q in captured)
    assert json.loads(post(client, "/troubleTicket", TICKET).content)["status"] == "acknowledged"


def test_a_partners_outage_ticket_looks_up_no_line():
    """Its case is on the partner's file, which has no line: the incident linker has
    nothing to look up."""
    _partner, client, _raw = partner_client()
    post(client, "/troubleTicket", TICKET)  # the partner's own file is made once
    with CaptureQueriesContext(connection) as captured:
        assert post(client, "/troubleTicket", TICKET).status_code == 201
    assert not [q["sql"] for q in captured if '"customers_line"' in q["sql"]]


def test_an_operators_token_gives_its_agent_as_the_orm_loads_it():
    from filrouge.accounts.tokens import agent_for_token, create_api_token

    agent = AgentFactory()
    _token, raw = create_api_token(agent, name="t")
    found = agent_for_token(raw)
    loaded = type(agent).objects.get(pk=agent.pk)
    assert found is not None
    assert found.pk == agent.pk
    assert found._state.adding is False
    for field in type(agent)._meta.concrete_fields:
        assert getattr(found, field.attname) == getattr(loaded, field.attname), field.name
    assert agent_for_token(raw + "x") is None


def test_a_partners_ticket_about_an_outage_is_no_customer_report_for_the_detector(monkeypatch):
    from filrouge.detection import intake
    from filrouge.detection.models import ElementLoad

    reported = []
    counted = intake.record_reports
    monkeypatch.setattr(intake, "record_reports", lambda r: reported.extend(r) or counted(r))
    _partner, client, _raw = partner_client()
    post(client, "/troubleTicket", TICKET)  # the partner's own file is made once
    assert post(client, "/troubleTicket", TICKET).status_code == 201
    assert reported == [], "the detector counted a partner's ticket"
    assert not ElementLoad.objects.exists()
