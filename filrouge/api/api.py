"""The JSON API under /api/v1/ (django-ninja), over the same services and selectors."""

from ninja import NinjaAPI

api = NinjaAPI(title="Fil Rouge API", version="1", urls_namespace="api")
