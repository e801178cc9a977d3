"""The TMF621 API (v5, and v4 as an alias of the same views), our listener for partners'
events, and the advisor's page to open a ticket at a partner."""

from django.urls import include, path

from filrouge.tmf import views
from filrouge.tmf.api import api

patterns, _app, _namespace = api.urls
urlpatterns = [
    path("tmf-api/troubleTicket/v5/", include((patterns, "tmf"), namespace="tmf")),
    path("tmf-api/troubleTicket/v4/", include((patterns, "tmf"), namespace="tmf_v4")),
    path("tmf-api/listener/<int:partner_id>/", views.listener, name="tmf_listener"),
    path(
        "agent/dossiers/<str:reference>/partenaire/ticket/",
        views.open_ticket,
        name="tmf_open_ticket",
    ),
]
