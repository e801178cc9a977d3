"""The JSON API under /api/v1/ (django-ninja), over the same services and selectors.

The routers live here, in one package, rather than as `api.py` in each app:
the API is a versioned public contract, and keeping its shapes (`schemas.py`),
its refusals (`errors.py`) and its credentials (`auth.py`) side by side makes a
change to the contract visible in one place. The behaviour stays in the apps'
services and selectors; these modules only translate HTTP to calls.

OpenAPI: /api/v1/openapi.json; interactive docs: /api/v1/docs.
"""

from ninja import NinjaAPI

from filrouge.api import errors
from filrouge.api.auth import AgentSession, PersonalToken
from filrouge.api.cases import router as cases_router
from filrouge.api.customers import router as customers_router
from filrouge.api.partners import router as partners_router


class FilRougeAPI(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        """This API's document, with the TMF621 Trouble Ticket API merged in (its paths
        under /tmf-api/troubleTicket/v5; it also serves its own document there)."""
        from filrouge.tmf.api import merge_into  # the TMF API builds on this package's apps

        return merge_into(super().get_openapi_schema(*args, **kwargs))


api = FilRougeAPI(
    title="Fil Rouge API",
    version="1",
    description=(
        "Cases and customers of Fil Rouge. Authenticate with a personal token "
        "(`Authorization: Bearer fr_…`, from `filrouge token create <email>`) or the "
        'agent\'s session (with the CSRF token on POST). Errors are `{"detail": "…"}` '
        "in the request's language: 400 unreadable JSON, 401 no or bad credentials, "
        "403 missing CSRF token, 404 unknown case/customer/promise, 409 stale `version`, "
        "422 invalid input or refused action (including an illegal status transition). "
        "The TM Forum TMF621 Trouble Ticket API (`/tmf-api/troubleTicket/v5/…`, its own "
        "TMF630 error bodies) is merged into this document; it also has its own at "
        "/tmf-api/troubleTicket/v5/openapi.json."
    ),
    urls_namespace="api",
    openapi_url="/openapi.json",
    auth=[PersonalToken(), AgentSession()],
)
errors.install(api)
api.add_router("/cases", cases_router)
api.add_router("/customers", customers_router)
api.add_router("/partner", partners_router)
