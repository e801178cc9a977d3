"""The survey page, beside the tracking page: `/suivi/<reference>/avis/?t=<token>`."""

from django.urls import path

from filrouge.surveys import views

app_name = "surveys"
urlpatterns = [
    path("suivi/<str:reference>/avis/", views.answer, name="answer"),
]
