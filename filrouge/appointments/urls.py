"""Two entry points: the advisor's page in the console, the customer's beside the tracking page."""

from django.urls import path

from filrouge.appointments import views

app_name = "appointments"
urlpatterns = [
    path("agent/dossiers/<str:reference>/rendez-vous/", views.agent_page, name="agent"),
    path(
        "agent/dossiers/<str:reference>/rendez-vous/<slug:action>/",
        views.agent_action,
        name="agent_action",
    ),
    path("suivi/<str:reference>/rendez-vous/", views.customer_page, name="customer"),
]
