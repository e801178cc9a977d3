"""The list's SQL compiled once per shape (`tmf.compiled`, PostgreSQL) answers byte for byte
what the ORM answers: every filter, projection, page and caller kind, both paths compared."""

import base64

import pytest
from django.db import connection

from filrouge.accounts.tests.factories import AgentFactory
from filrouge.cases.models import Status
from filrouge.cases.services import add_note, change_status
from filrouge.cases.tests.factories import make_case
from filrouge.core import compiled
from filrouge.tmf import selectors
from filrouge.tmf.tests.helpers import V5, agent_client, entrusted, partner_client, patch, post

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="compiled statements are PostgreSQL's only"
    ),
]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
QUERIES = [
    "",
    "?status=held",
    "?status=inProgress&limit=3",
    "?status=acknowledged&offset=2&limit=2",
    "?status=held&offset=50",  # past the end: the count comes from its own query
    "?priority=high",
    "?severity=Critical",
    "?ticketType=outage&status=acknowledged",
    "?fields=status,note,externalIdentifier",
    "?fields=attachment,statusChangeHistory&status=held",
    "?fields=relatedParty",
    "?requestedResolutionDate.gt=2026-01-01T00:00:00Z",
    "?requestedResolutionDate.gte=2026-01-01T00:00:00Z&requestedResolutionDate.lt=2030-01-01T00:00:00%2B01:00",
    "?requestedResolutionDate=2026-12-20T09:00:00Z",
]


def _tickets(partner, partner_api, agent):
    """Cases of every kind a page shows: statuses, notes, grants with and without their
    reference, documents, requested dates and relationships."""
    first = post(partner_api, "/troubleTicket", {
        "description": "Fibre coupée", "severity": "Critical", "ticketType": "outage",
        "externalIdentifier": [{"id": "OW-1"}],
        "attachment": [{"name": "releve.pdf", "content": base64.b64encode(PDF).decode()}],
        "note": [{"text": "Relevé joint", "author": "Technicien"}],
        "requestedResolutionDate": "2026-12-20T10:00:00+01:00",
    }).json()  # fmt: skip
    post(partner_api, "/troubleTicket", {
        "description": "Débit faible", "severity": "Minor", "ticketType": "outage",
        "troubleTicketRelationship": [{"id": first["id"], "relationshipType": "isDuplicateOf"}],
        "requestedResolutionDate": "2027-01-05T08:30:00Z",
    })  # fmt: skip
    patch(partner_api, f"/troubleTicket/{first['id']}", {"status": "inProgress"})
    for n in range(6):
        case = make_case()
        if n % 2:
            entrusted(case, partner, external_id=f"REF-{n}")
        elif n == 2:
            entrusted(case, partner)
        change_status(case, to=Status.IN_PROGRESS, by=agent, reason=f"étape {n}")
        if n % 3 == 0:
            change_status(case, to=Status.HELD, by=agent, reason="attente partenaire")
        add_note(case, by=agent, text=f"Note interne {n} « accentuée »")


def test_the_compiled_statements_answer_what_the_orm_answers(monkeypatch):
    agent = AgentFactory()
    operator = agent_client(agent)
    partner, partner_api, _raw = partner_client()
    _tickets(partner, partner_api, agent)
    for client in (operator, partner_api):
        for version in ("v5", "v4"):
            for query in QUERIES:
                path = f"{V5.replace('v5', version)}/troubleTicket{query}"
                fast = client.get(path)
                with monkeypatch.context() as orm_only:
                    orm_only.setattr(compiled, "enabled", lambda: False)
                    slow = client.get(path)
                assert fast.status_code == slow.status_code == 200, (path, fast.content)
                assert fast.content == slow.content, path
                for header in ("X-Total-Count", "X-Result-Count"):
                    assert fast[header] == slow[header], (path, header)
    # Every shape those pages took was compiled, none fell back to the ORM.
    for shapes in (selectors._PAGES, selectors._EVENTS, selectors._REFERENCES):
        assert shapes._known
        assert [key for key, statement in shapes._known.items() if statement is None] == []


def test_a_shape_whose_markers_are_not_found_runs_through_the_orm():
    from filrouge.cases.models import Case

    shapes = compiled.Shapes()
    # The marker never reaches the SQL (the filter ignores it): no compiled statement.
    built = shapes.get("k", {"x": "\x00never\x00"}, lambda marked: Case.objects.values_list("pk"))
    assert built is None
    assert shapes._known == {"k": None}
