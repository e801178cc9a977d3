"""The customer's move page beside the tracking page, and the advisor's pages in the console.

Included before the console's own URLs (its `dossiers/<reference>/<action>/` would
catch `equipements/`)."""

from django.urls import path

from filrouge.fieldops import views

app_name = "fieldops"
urlpatterns = [
    path("suivi/<str:reference>/demenagement/", views.customer_move, name="customer_move"),
    path("agent/clients/<int:pk>/demenagement/", views.agent_move, name="agent_move"),
    path(
        "agent/dossiers/<str:reference>/equipements/",
        views.agent_equipment,
        name="agent_equipment",
    ),
    path(
        "agent/dossiers/<str:reference>/equipements/preparer/",
        views.agent_prepare,
        name="agent_prepare",
    ),
    path(
        "agent/dossiers/<str:reference>/equipements/<int:pk>/<slug:action>/",
        views.agent_shipment_action,
        name="agent_shipment_action",
    ),
]
