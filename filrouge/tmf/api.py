"""TMF621 Trouble Ticket API at /tmf-api/troubleTicket/v5/ (and /v4/, the same views).

Thin views: authorise (auth.py), validate (schemas.py), call the selectors or
services, answer. Every refusal is a TMF630 error body
`{"code", "reason", "message", "status", "@type": "Error"}`:

| what went wrong                                               | status |
|---------------------------------------------------------------|--------|
| unreadable JSON, a mandatory field missing, a bad value,      | 400    |
| an unknown or read-only field, an unknown `fields=` or filter |        |
| no or bad credentials                                         | 401    |
| a deactivated partner or account                              | 403    |
| an unknown ticket, or one not entrusted to this partner       | 404    |
| a status change TRANSITIONS does not allow                    | 409    |
| an attachment larger than TMF_ATTACHMENT_MAX_BYTES, a body   | 413    |
| larger than Django's DATA_UPLOAD_MAX_MEMORY_SIZE              |        |
| a refused action (unknown customer, a field not yours to set, | 422    |
| an attachment by URL only or not PDF/JPEG/PNG, a hub callback |        |
| whose host is not in TMF_CALLBACK_HOSTS)                      |        |
| too many calls this minute                                    | 429    |

OpenAPI: /tmf-api/troubleTicket/v5/openapi.json (also merged into /api/v1/openapi.json).
"""

from typing import Any

import orjson
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Query, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from pydantic import Field

from filrouge.cases.models import Status
from filrouge.cases.services import CaseError, StaleCase
from filrouge.tmf import callbacks, selectors, services
from filrouge.tmf import schemas as s
from filrouge.tmf.auth import TmfBearer
from filrouge.tmf.models import Hub
from filrouge.tmf.resource import (
    ALWAYS,
    FIELDS,
    PRIORITIES,
    SEVERITIES,
    Caller,
    TicketRow,
    ticket,
)
from filrouge.tmf.services import TmfError

BASE = "/tmf-api/troubleTicket/v5"
BASE_V4 = "/tmf-api/troubleTicket/v4"
REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    413: "Payload Too Large",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
}
ERRORS = dict.fromkeys(REASONS, s.TmfErrorBody)

api = NinjaAPI(
    title="Fil Rouge — TMF621 Trouble Ticket API",
    version="5.0.0",
    description=__doc__,
    urls_namespace="tmf",
    openapi_url="/openapi.json",
    docs_url="/docs",
    auth=TmfBearer(),
)


def error(request: HttpRequest, status: int, code: str, message: str) -> HttpResponse:
    body = {
        "code": code,
        "reason": REASONS.get(status, "Error"),
        "message": message,
        "status": str(status),
        "@type": "Error",
    }
    response = JsonResponse(body, status=status)
    if status == 429:
        response["Retry-After"] = "60"
    return response


@api.exception_handler(TmfError)
def _tmf_error(request, exc: TmfError):
    return error(request, exc.status, exc.code, exc.message)


@api.exception_handler(AuthenticationError)
def _unauthorised(request, exc):
    return error(
        request,
        401,
        "unauthorized",
        _("Send “Authorization: Bearer <key>”: a partner's key or an agent's API token."),
    )


@api.exception_handler(ValidationError)
def _invalid(request, exc: ValidationError):
    problems = []
    for e in exc.errors:
        where = ".".join(str(p) for p in e.get("loc", ()) if p not in {"body", "payload", "query"})
        problems.append(f"{where}: {e.get('msg', '')}")
    missing = any(e.get("type") == "missing" for e in exc.errors)
    return error(
        request,
        400,
        "missingProperty" if missing else "invalidBody",
        _("Invalid request: %(errors)s") % {"errors": "; ".join(problems)},
    )


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    if exc.status_code == 400:
        return error(request, 400, "invalidBody", _("The request body is not valid JSON."))
    return error(request, exc.status_code, "error", str(exc.message))


@api.exception_handler(RequestDataTooBig)
def _too_big(request, exc):
    return error(
        request, 413, "payloadTooLarge", _("The request body is too large (attachments?).")
    )


@api.exception_handler(StaleCase)
def _stale(request, exc):
    return error(request, 409, "conflict", str(exc))


@api.exception_handler(CaseError)
def _refused(request, exc):
    return error(request, 422, "refused", str(exc))


def caller_of(request: HttpRequest) -> Caller:
    return request.auth  # type: ignore[attr-defined,no-any-return]


def _fields(raw: str | None) -> frozenset[str] | None:
    if not raw:
        return None
    names = {name.strip() for name in raw.split(",") if name.strip()} - set(ALWAYS)
    unknown = sorted(names - set(FIELDS))
    if unknown:
        raise TmfError(
            400, "invalidFields", _("Unknown fields: %(names)s.") % {"names": ", ".join(unknown)}
        )
    return frozenset(names)


class TicketListQuery(Schema):
    fields: str | None = Field(None, description="Comma-separated attributes to return.")
    offset: int = Field(0, ge=0, le=1_000_000)
    limit: int = Field(100, ge=1, le=1000)
    status: s.StatusName | None = None
    severity: s.Severity | None = None
    priority: s.PriorityName | None = None
    ticketType: s.TicketType | None = None


FILTERS = {"fields", "offset", "limit", "status", "severity", "priority", "ticketType"}
# requestedResolutionDate=… and its .gt/.gte/.lt/.lte forms (TMF630 filtering).
DATE_FILTERS = {
    f"requestedResolutionDate{suffix}": f"tmf_facts__requested_resolution{lookup}"
    for suffix, lookup in [("", ""), (".gt", "__gt"), (".gte", "__gte"), (".lt", "__lt"),
                           (".lte", "__lte")]
}  # fmt: skip


def _date_filters(request: HttpRequest) -> dict[str, Any]:
    found = {}
    for name, lookup in DATE_FILTERS.items():
        if name in request.GET:
            found[lookup] = services.parse_date(request.GET[name], name)
            if found[lookup] is None:
                raise TmfError(400, "invalidDate", _("%(name)s is not a date.") % {"name": name})
    return found


@api.get(
    "/troubleTicket",
    response={200: list[s.TroubleTicket], **ERRORS},
    summary="List trouble tickets (filters by attribute, fields=, offset/limit)",
    tags=["troubleTicket"],
)
def list_tickets(request: HttpRequest, query: Query[TicketListQuery]):
    unknown = sorted(set(request.GET) - FILTERS - set(DATE_FILTERS))
    if unknown:
        raise TmfError(
            400,
            "invalidFilter",
            _("Cannot filter on: %(names)s.") % {"names": ", ".join(unknown)},
        )
    filters: dict[str, Any] = _date_filters(request)
    if query.status:
        filters["status"] = query.status
    if query.ticketType:
        filters["intent"] = query.ticketType
    level = (PRIORITIES.get(query.priority) if query.priority else None) or (
        SEVERITIES.get(query.severity) if query.severity else None
    )
    if level:
        filters["priority"] = level
    items, total = selectors.page(
        caller_of(request),
        filters=filters,
        offset=query.offset,
        limit=query.limit,
        fields=_fields(query.fields),
        base=_base(request),
    )
    response = _json(items)
    response["X-Total-Count"] = str(total)
    response["X-Result-Count"] = str(len(items))
    return response


def _json(body: Any, *, status: int = 200) -> HttpResponse:
    """orjson: a page of 100 full tickets is about 160 kB of JSON."""
    return HttpResponse(orjson.dumps(body), status=status, content_type="application/json")


def _base(request: HttpRequest) -> str:
    """The API's root as the caller reached it (hrefs under /v4/ for a v4 client)."""
    return request.build_absolute_uri(BASE_V4 if request.path.startswith(BASE_V4) else BASE)


# What a new ticket shows only once read back (its events, documents, facts).
READ_BACK = ("note", "attachment", "requestedResolutionDate", "troubleTicketRelationship")


@api.post(
    "/troubleTicket",
    response={201: s.TroubleTicket, **ERRORS},
    summary="Open a trouble ticket (description, severity and ticketType are mandatory)",
    tags=["troubleTicket"],
)
def create_ticket(request: HttpRequest, payload: s.TroubleTicketCreate):
    caller = caller_of(request)
    data = payload.model_dump(exclude_none=True, by_alias=True)
    case = services.open_ticket(caller, data)
    if any(data.get(name) for name in READ_BACK):
        body = selectors.one(caller, case.reference, fields=None, base=_base(request))
    else:  # nothing on its timeline a ticket shows yet: no need to read it back
        theirs = case.their_reference if caller.partner else ""  # type: ignore[attr-defined]
        body = ticket(
            TicketRow.of(case, their_reference=theirs),
            base=_base(request),
            caller=caller,
            external_ids=[(caller.label, theirs)] if theirs else [],
        )
    response = _json(body, status=201)
    response["Location"] = body["href"]
    return response


@api.get(
    "/troubleTicket/{id}",
    response={200: s.TroubleTicket, **ERRORS},
    summary="Read one trouble ticket",
    tags=["troubleTicket"],
)
def read_ticket(request: HttpRequest, id: str, fields: str | None = None):  # noqa: A002
    body = selectors.one(caller_of(request), id, fields=_fields(fields), base=_base(request))
    if body is None:
        raise services.not_found(id)
    return _json(body)


@api.patch(
    "/troubleTicket/{id}",
    response={200: s.TroubleTicket, **ERRORS},
    summary="Change a trouble ticket (JSON merge-patch; the status follows the lifecycle)",
    tags=["troubleTicket"],
)
def patch_ticket(request: HttpRequest, id: str, payload: s.TroubleTicketUpdate):  # noqa: A002
    caller = caller_of(request)
    sent = payload.model_dump(exclude_unset=True, by_alias=True, mode="json")
    if sent.get("status") and sent["status"] not in Status.values:
        raise TmfError(400, "invalidStatus", _("Unknown status."))
    case = services.patch_ticket(caller, id, sent)
    return _json(selectors.one(caller, case.reference, fields=None, base=_base(request)))


@api.delete(
    "/troubleTicket/{id}",
    response={204: None, **ERRORS},
    summary="Cancel a trouble ticket (the case and its timeline are kept)",
    tags=["troubleTicket"],
)
def delete_ticket(request: HttpRequest, id: str):  # noqa: A002
    services.cancel_ticket(caller_of(request), id)
    return HttpResponse(status=204)


@api.post(
    "/hub",
    response={201: s.TmfHubOut, **ERRORS},
    summary="Register a listener for trouble ticket events",
    tags=["events"],
)
def register_hub(request: HttpRequest, payload: s.TmfHubIn):
    caller = caller_of(request)
    if not callbacks.allowed(payload.callback):
        raise TmfError(
            422,
            "callbackNotAllowed",
            _("We do not send events to this address: its host is not among the allowed "
              "ones (TMF_CALLBACK_HOSTS)."),
        )  # fmt: skip
    hub = Hub.objects.create(
        partner=caller.partner,
        callback=payload.callback,
        query=payload.query or "",
        secret=request.tmf_secret,  # type: ignore[attr-defined]
        created_at=timezone.now(),
    )
    body = {"id": str(hub.pk), "callback": hub.callback, "query": hub.query or None}
    response = JsonResponse(body, status=201)
    response["Location"] = f"{_base(request)}/hub/{hub.pk}"
    return response


@api.delete(
    "/hub/{id}", response={204: None, **ERRORS}, summary="Remove a listener", tags=["events"]
)
def delete_hub(request: HttpRequest, id: str):  # noqa: A002
    caller = caller_of(request)
    hubs = Hub.objects.filter(pk=int(id) if id.isdigit() else 0)
    hubs = hubs.filter(partner=caller.partner) if caller.partner else hubs
    if not hubs.delete()[0]:
        raise TmfError(404, "notFound", _("No listener %(id)s of yours.") % {"id": id})
    return HttpResponse(status=204)


def merge_into(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the TMF621 operations (under their real paths) to another OpenAPI document:
    /api/v1/openapi.json publishes both APIs in one file."""
    tmf = api.get_openapi_schema(path_prefix=BASE)
    paths = dict(schema.get("paths", {}))
    paths.update(tmf.get("paths", {}))
    schema["paths"] = paths
    components = schema.setdefault("components", {})
    for part in ("schemas", "securitySchemes"):
        merged = dict(components.get(part, {}))
        for name, value in tmf.get("components", {}).get(part, {}).items():
            if name in merged and merged[name] != value:
                raise ValueError(f"OpenAPI component {name} defined by both APIs")
            merged[name] = value
        components[part] = merged
    return schema
