from django.urls import path

from filrouge.triage import views

app_name = "triage"
urlpatterns = [
    path(
        "agent/dossiers/<str:reference>/triage/<int:event_id>/corriger/",
        views.correct,
        name="correct",
    ),
    path("agent/dossiers/<str:reference>/reponse-suggeree/", views.suggestion, name="suggestion"),
    path("agent/dossiers/<str:reference>/lecture/", views.card, name="card"),
]
