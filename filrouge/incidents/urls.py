"""The advisors' incident pages, under the console (`/agent/incidents/`)."""

from django.urls import path

from filrouge.incidents import views

app_name = "incidents"
urlpatterns = [
    path("", views.incident_list, name="list"),
    path("declarer/", views.declare, name="declare"),
    path("<str:reference>/", views.detail, name="detail"),
    path("<str:reference>/mise-a-jour/", views.update, name="update"),
    path("<str:reference>/compensations.csv", views.compensations_csv, name="compensations_csv"),
    path("<str:reference>/delier/<str:case_reference>/", views.unlink, name="unlink"),
]
