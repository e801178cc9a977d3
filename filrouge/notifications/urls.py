"""Public pages of notifications under `/notifications/` (no login: signed links)."""

from django.urls import path

from filrouge.notifications import views

app_name = "notifications"
urlpatterns = [
    path("desabonnement/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
