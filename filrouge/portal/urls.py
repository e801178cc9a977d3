"""The customer's pages under `/suivi/` (DESIGN.md): no account, a link per case."""

from django.urls import path

from filrouge.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.new_link, name="new_link"),
    path("<str:reference>/", views.track, name="track"),
    path("<str:reference>/message/", views.reply, name="reply"),
]
