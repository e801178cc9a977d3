"""The agent console's URLs. Paths are French (what advisors read); names are English."""

from django.contrib.auth import views as auth_views
from django.urls import path

from filrouge.agent import calls, merging, supervision, views

app_name = "agent"
urlpatterns = [
    path("", views.home, name="home"),
    path(
        "connexion/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("recherche/", views.search, name="search"),
    path("promesses/", views.promises, name="promises"),
    path("jetons/", views.tokens, name="tokens"),
    path("jetons/<int:pk>/revoquer/", views.revoke_token, name="revoke_token"),
    path("conseillers/", views.advisors, name="advisors"),
    path("clients/<int:pk>/", views.customer_page, name="customer"),
    path("clients/<int:pk>/nouveau-dossier/", views.new_case, name="new_case"),
    path("clients/<int:pk>/rattacher/", merging.attach, name="attach"),
    path(
        "clients/<int:pk>/rattacher/<int:target>/",
        merging.attach_confirm,
        name="attach_confirm",
    ),
    path("dossiers/<str:reference>/", views.case_page, name="case"),
    path(
        "dossiers/<str:reference>/promesse/<int:pk>/tenue/",
        views.promise_action,
        {"outcome": "tenue"},
        name="promise_kept",
    ),
    path(
        "dossiers/<str:reference>/promesse/<int:pk>/rompue/",
        views.promise_action,
        {"outcome": "rompue"},
        name="promise_broken",
    ),
    path("dossiers/<str:reference>/<slug:action>/", views.case_action, name="case_action"),
    path("appel/<str:call_id>/", calls.call_page, name="call"),
    path("appel/<str:call_id>/consigner/", calls.log_call_on_case, name="log_call"),
    path("appel/<str:call_id>/nouveau-dossier/", calls.new_case_for_call, name="call_new_case"),
    path("pieces/<int:pk>/", calls.document, name="document"),
    path("supervision/", supervision.channels, name="supervision"),
    path(
        "supervision/relancer/messages/",
        supervision.retry,
        {"kind": "inbound"},
        name="retry_inbound",
    ),
    path(
        "supervision/relancer/reponses/",
        supervision.retry,
        {"kind": "outbound"},
        name="retry_outbound",
    ),
]
