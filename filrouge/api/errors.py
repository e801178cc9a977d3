"""Every refusal as a JSON body `{"detail": "…"}`, in the caller's language.

| what went wrong                                  | status |
|--------------------------------------------------|--------|
| body is not JSON                                 | 400    |
| no or bad credentials                            | 401    |
| session without its CSRF token                   | 403    |
| unknown case, customer or promise in the URL     | 404    |
| stale `version` (someone changed the case)       | 409    |
| invalid fields, unknown fields, refused action   | 422    |
| (illegal status transition, unknown agent, …)    |        |

An illegal transition is a 422 like every other refused action (the services
raise one `CaseError` for all of them); only a stale version is a 409, because
the same request may succeed once the caller has reloaded the case.
"""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError

from filrouge.cases.services import CaseError, StaleCase
from filrouge.customers.normalise import InvalidContact
from filrouge.customers.services import CustomerError


class NotFound(HttpError):
    def __init__(self, message: str) -> None:
        super().__init__(404, message)


class Invalid(HttpError):
    """A refused input the schemas cannot see (an unknown agent, a bad cursor)."""

    def __init__(self, message: str) -> None:
        super().__init__(422, message)


def _http_error(request: HttpRequest, exc: HttpError) -> dict[str, Any]:
    # ninja raises these with fixed English texts; say them in the caller's language.
    fixed = {
        400: _("The request body is not valid JSON."),
        401: _("Authentication required: log in, or send “Authorization: Bearer <token>”."),
        403: _("CSRF check failed: send the X-CSRFToken header with a session."),
    }
    if isinstance(exc, NotFound | Invalid):
        return {"detail": exc.message}
    return {"detail": fixed.get(exc.status_code, exc.message)}


def _loc(loc: Any) -> list:
    # Every body parameter is called `payload` in the routers: not the client's business.
    parts = list(loc)
    if parts[:2] == ["body", "payload"]:
        del parts[1]
    return parts


def _where(loc: list) -> str:
    return ".".join(str(part) for part in loc)


def _validation_error(request: HttpRequest, exc: ValidationError) -> dict[str, Any]:
    # Only plain fields: pydantic's `ctx` may hold exception objects.
    errors = [
        {"loc": _loc(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": e.get("type", "")}
        for e in exc.errors
    ]
    summary = "; ".join(f"{_where(e['loc'])}: {e['msg']}" for e in errors)
    return {"detail": _("Invalid request: %(errors)s") % {"errors": summary}, "errors": errors}


def install(api: NinjaAPI) -> None:
    def respond(status: int, body):
        def handler(request: HttpRequest, exc: Exception) -> HttpResponse:
            return api.create_response(request, body(request, exc), status=status)

        return handler

    def message(request: HttpRequest, exc: Exception) -> dict[str, Any]:
        return {"detail": str(exc)}

    api.add_exception_handler(
        HttpError,
        lambda request, exc: api.create_response(
            request, _http_error(request, exc), status=exc.status_code
        ),
    )
    api.add_exception_handler(ValidationError, respond(422, _validation_error))
    api.add_exception_handler(CaseError, respond(422, message))
    api.add_exception_handler(StaleCase, respond(409, message))
    api.add_exception_handler(InvalidContact, respond(422, message))
    api.add_exception_handler(CustomerError, respond(422, message))
