"""The public status page `/etat-du-reseau/` (DESIGN.md), with its English alias `/status/`."""

from django.urls import include, path

from filrouge.statuspage import views

pages = [
    path("", views.page, name="page"),
    path("summary.json", views.summary, name="summary"),
    path("recherche/", views.search, name="search"),
    path("abonnement/", views.subscribe, name="subscribe"),
    path("abonnement/<str:token>/code/", views.code, name="code"),
    path("abonnement/<str:token>/confirmer/", views.confirm, name="confirm"),
    path("abonnement/<str:token>/desabonner/", views.unsubscribe, name="unsubscribe"),
]

urlpatterns = [
    path("etat-du-reseau/", include((pages, "statuspage"))),
    path("status/", include((pages, "statuspage"), namespace="statuspage-en")),
]
