import json

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

PATHS = {
    "/api/v1/cases": {"get", "post"},
    "/api/v1/cases/{reference}": {"get"},
    "/api/v1/cases/{reference}/status": {"post"},
    "/api/v1/cases/{reference}/notes": {"post"},
    "/api/v1/cases/{reference}/replies": {"post"},
    "/api/v1/cases/{reference}/handover": {"post"},
    "/api/v1/cases/{reference}/promises": {"post"},
    "/api/v1/cases/{reference}/promises/{promise_id}/keep": {"post"},
    "/api/v1/cases/{reference}/promises/{promise_id}/break": {"post"},
    "/api/v1/customers": {"get"},
    "/api/v1/customers/{customer_id}": {"get"},
    "/api/v1/customers/{customer_id}/merge": {"post"},
    "/api/v1/partner/technician-reports": {"post"},
    # The TMF621 Trouble Ticket API, merged into the same document (filrouge/tmf).
    "/tmf-api/troubleTicket/v5/troubleTicket": {"get", "post"},
    "/tmf-api/troubleTicket/v5/troubleTicket/{id}": {"get", "patch", "delete"},
    "/tmf-api/troubleTicket/v5/hub": {"post"},
    "/tmf-api/troubleTicket/v5/hub/{id}": {"delete"},
}


def test_openapi_json_is_served_at_its_documented_path_and_lists_every_endpoint():
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = json.loads(response.content)
    assert spec["openapi"].startswith("3.")
    assert {path: set(ops) for path, ops in spec["paths"].items()} == PATHS


def test_openapi_declares_both_ways_to_authenticate():
    spec = Client().get("/api/v1/openapi.json").json()
    schemes = spec["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} == {"http", "apiKey"}
    operation = spec["paths"]["/api/v1/cases"]["get"]
    assert len(operation["security"]) == 2


def test_input_schemas_refuse_unknown_fields():
    schemas = Client().get("/api/v1/openapi.json").json()["components"]["schemas"]
    for name in ["CaseIn", "StatusIn", "NoteIn", "ReplyIn", "HandoverIn", "PromiseIn"]:
        assert schemas[name]["additionalProperties"] is False, name


def test_the_docs_page_is_served():
    assert Client().get("/api/v1/docs").status_code == 200
