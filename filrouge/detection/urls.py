"""The suspected incidents page, under the agent console (`/agent/detection/`)."""

from django.urls import path

from filrouge.detection import views

app_name = "detection"
urlpatterns = [
    path("", views.suspicions, name="suspicions"),
    path("<int:pk>/confirmer/", views.confirm, name="confirm"),
    path("<int:pk>/ecarter/", views.dismiss, name="dismiss"),
]
