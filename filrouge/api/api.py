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

api = NinjaAPI(
    title="Fil Rouge API",
    version="1",
    description=(
        "Cases and customers of Fil Rouge. Authenticate with a personal token "
        "(`Authorization: Bearer fr_…`, from `filrouge token create <email>`) or the "
        'agent\'s session (with the CSRF token on POST). Errors are `{"detail": "…"}` '
        "in the request's language: 400 unreadable JSON, 401 no or bad credentials, "
        "403 missing CSRF token, 404 unknown case/customer/promise, 409 stale `version`, "
        "422 invalid input or refused action (including an illegal status transition)."
    ),
    urls_namespace="api",
    openapi_url="/openapi.json",
    auth=[PersonalToken(), AgentSession()],
)
errors.install(api)
api.add_router("/cases", cases_router)
api.add_router("/customers", customers_router)
api.add_router("/partner", partners_router)
