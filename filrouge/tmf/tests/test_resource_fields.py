"""attachment[] (by value, kept as the case's documents), requestedResolutionDate and
troubleTicketRelationship[]: stored, returned, projected and filtered like other fields."""

import base64

import pytest

from filrouge.accounts.tests.factories import AgentFactory
from filrouge.api.tests.helpers import db_state
from filrouge.cases.models import Case, Event
from filrouge.cases.tests.factories import make_case
from filrouge.channels.models import Document
from filrouge.tmf.models import TicketFacts
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

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_an_attachment_by_value_is_kept_as_a_document_of_the_case_and_returned():
    _partner, client, _raw = partner_client("Fibre Install SAS")
    body = {
        **TICKET,
        "attachment": [
            {"name": "releve-PM12.pdf", "content": b64(PDF), "description": "Relevé optique"},
            {"name": "photo.png", "content": b64(PNG), "@type": "Attachment"},
        ],
    }
    response = post(client, "/troubleTicket", body)
    assert response.status_code == 201
    ticket = response.json()
    case = Case.objects.get(reference=ticket["id"])
    documents = list(Document.objects.filter(case=case).order_by("pk"))
    assert [(d.kind, d.original_name, d.content_type, d.size) for d in documents] == [
        ("tmf", "releve-PM12.pdf", "application/pdf", len(PDF)),
        ("tmf", "photo.png", "image/png", len(PNG)),
    ]
    assert documents[0].file.read() == PDF
    assert documents[0].uploaded_by_label == "Fibre Install SAS"
    event = Event.objects.get(case=case, kind=Event.Kind.PARTNER_NOTE)
    assert [d["id"] for d in event.data["documents"]] == [d.pk for d in documents]
    assert documents[0].event == event
    attachment = ticket["attachment"][0]
    assert attachment["id"] == str(documents[0].pk)
    assert (attachment["name"], attachment["mimeType"]) == ("releve-PM12.pdf", "application/pdf")
    assert attachment["size"] == {"amount": len(PDF), "units": "bytes"}
    assert "content" not in attachment
    again = client.get(f"{V5}/troubleTicket/{case.reference}", {"fields": "attachment"}).json()
    assert set(again) == {"id", "href", "@type", "attachment"}
    assert len(again["attachment"]) == 2


def test_a_patch_adds_attachments_and_keeps_those_sent_back_with_their_id():
    partner, client, _raw = partner_client()
    case = entrusted(make_case(), partner)
    first = patch(client, f"/troubleTicket/{case.reference}", {
        "attachment": [{"name": "a.pdf", "content": b64(PDF)}]
    }).json()["attachment"]  # fmt: skip
    assert len(first) == 1
    second = patch(client, f"/troubleTicket/{case.reference}", {
        "attachment": [*first, {"name": "b.png", "content": b64(PNG)}]
    }).json()["attachment"]  # fmt: skip
    assert [a["name"] for a in second] == ["a.pdf", "b.png"]
    assert Document.objects.filter(case=case).count() == 2


def test_a_partner_never_reads_the_customers_own_documents_as_attachments():
    partner, client, _raw = partner_client()
    case = entrusted(make_case(), partner)
    letter = Document(case=case, kind=Document.Kind.LETTER, content_type="application/pdf",
                      size=1, original_name="courrier.pdf", created_at=case.created_at)  # fmt: skip
    letter.file.name = "documents/x.pdf"
    letter.save()
    assert client.get(f"{V5}/troubleTicket/{case.reference}").json()["attachment"] == []
    operator = agent_client(AgentFactory())
    seen = operator.get(f"{V5}/troubleTicket/{case.reference}").json()["attachment"]
    assert [a["name"] for a in seen] == ["courrier.pdf"]


@pytest.mark.parametrize(
    ("attachment", "status", "code"),
    [
        ({"name": "x.pdf", "url": "https://example.org/x.pdf"}, 422, "attachmentByValueOnly"),
        ({"name": "x.pdf", "content": "%%% not base64"}, 400, "invalidAttachment"),
        ({"name": "x.exe", "content": b64(b"MZ\x90\x00program")}, 422, "unsupportedAttachment"),
        ({"name": "big.pdf", "content": b64(PDF + b"0" * 3000)}, 413, "attachmentTooLarge"),
    ],
)
def test_a_refused_attachment_is_a_tmf_error_and_opens_nothing(settings, attachment, status, code):
    settings.TMF_ATTACHMENT_MAX_BYTES = 2000
    _partner, client, _raw = partner_client()
    before = db_state()
    response = post(client, "/troubleTicket", {**TICKET, "attachment": [attachment]})
    assert is_tmf_error(response, status)
    assert response.json()["code"] == code
    assert db_state() == before
    assert not Document.objects.exists()


def test_a_body_beyond_djangos_limit_is_a_413(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 5000
    _partner, client, _raw = partner_client()
    response = post(
        client, "/troubleTicket", {**TICKET, "attachment": [{"content": b64(PDF * 200)}]}
    )
    assert is_tmf_error(response, 413)


def test_requested_date_and_relationships_are_kept_returned_and_projected():
    partner, client, _raw = partner_client()
    first = post(client, "/troubleTicket", TICKET).json()
    body = {
        **TICKET,
        "requestedResolutionDate": "2026-12-20T10:00:00+01:00",
        "troubleTicketRelationship": [{"id": first["id"], "relationshipType": "isDuplicateOf"}],
    }
    ticket = post(client, "/troubleTicket", body).json()
    assert ticket["requestedResolutionDate"] == "2026-12-20T09:00:00Z"
    (link,) = ticket["troubleTicketRelationship"]
    assert (link["id"], link["relationshipType"]) == (first["id"], "isDuplicateOf")
    assert link["href"].endswith(f"{V5}/troubleTicket/{first['id']}")
    facts = TicketFacts.objects.get(case__reference=ticket["id"])
    assert facts.relationships == [{"id": first["id"], "relationshipType": "isDuplicateOf"}]
    only = client.get(
        f"{V5}/troubleTicket/{ticket['id']}", {"fields": "requestedResolutionDate"}
    ).json()
    assert only == {
        "id": ticket["id"],
        "href": ticket["href"],
        "@type": "TroubleTicket",
        "requestedResolutionDate": "2026-12-20T09:00:00Z",
    }
    plain = client.get(f"{V5}/troubleTicket/{first['id']}").json()
    assert (plain["requestedResolutionDate"], plain["troubleTicketRelationship"]) == (None, [])


def test_the_list_filters_on_the_requested_date():
    _partner, client, _raw = partner_client()
    soon = post(
        client, "/troubleTicket", {**TICKET, "requestedResolutionDate": "2026-12-10T00:00:00Z"}
    )
    late = post(
        client, "/troubleTicket", {**TICKET, "requestedResolutionDate": "2027-01-10T00:00:00Z"}
    )
    post(client, "/troubleTicket", TICKET)
    before = client.get(
        f"{V5}/troubleTicket", {"requestedResolutionDate.lt": "2027-01-01T00:00:00Z"}
    )
    assert [t["id"] for t in before.json()] == [soon.json()["id"]]
    assert before["X-Total-Count"] == "1"
    exact = client.get(
        f"{V5}/troubleTicket", {"requestedResolutionDate": "2027-01-10T01:00:00+01:00"}
    )
    assert [t["id"] for t in exact.json()] == [late.json()["id"]]
    bad = client.get(f"{V5}/troubleTicket", {"requestedResolutionDate.gt": "tomorrow"})
    assert is_tmf_error(bad, 400)


def test_a_patch_replaces_the_relationships_and_the_date_and_refuses_an_unseen_ticket():
    partner, client, _raw = partner_client()
    case = entrusted(make_case(), partner)
    other = entrusted(make_case(), partner)
    hidden = make_case()  # not entrusted to this partner
    url = f"/troubleTicket/{case.reference}"
    refused = patch(client, url, {
        "troubleTicketRelationship": [{"id": hidden.reference, "relationshipType": "dependsOn"}]
    })  # fmt: skip
    assert is_tmf_error(refused, 422)
    assert hidden.reference in refused.json()["message"]
    done = patch(client, url, {
        "requestedResolutionDate": "2026-12-24T12:00:00Z",
        "troubleTicketRelationship": [{"id": other.reference, "relationshipType": "dependsOn"}],
    }).json()  # fmt: skip
    assert done["requestedResolutionDate"] == "2026-12-24T12:00:00Z"
    assert [r["id"] for r in done["troubleTicketRelationship"]] == [other.reference]
    cleared = patch(client, url, {"requestedResolutionDate": None, "troubleTicketRelationship": []})
    assert (
        cleared.json()["requestedResolutionDate"],
        cleared.json()["troubleTicketRelationship"],
    ) == (None, [])


def test_a_ticket_writes_its_fields_in_order_and_a_projection_keeps_that_order():
    from filrouge.tmf.resource import ORDER

    agent = AgentFactory()
    client = agent_client(agent)
    _partner, partner_api, _raw = partner_client()
    reference = post(partner_api, "/troubleTicket", TICKET).json()["id"]
    full = client.get(f"{V5}/troubleTicket/{reference}").json()
    assert list(full) == list(ORDER)
    assert list(client.get(f"{V5}/troubleTicket").json()[0]) == list(ORDER)
    some = client.get(f"{V5}/troubleTicket/{reference}", {"fields": "note,status,relatedParty"})
    assert list(some.json()) == ["id", "href", "@type", "status", "note", "relatedParty"]
