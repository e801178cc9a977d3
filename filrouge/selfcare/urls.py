"""Public self-care pages, no login: the online cancellation under /resiliation/."""

from django.urls import path

from filrouge.selfcare.cancellation import views as cancellation

app_name = "selfcare"
urlpatterns = [
    path("resiliation/", cancellation.start, name="cancellation"),
    path("resiliation/confirmer/", cancellation.confirm, name="cancellation_confirm"),
    path("resiliation/demande-recue/<str:receipt>/", cancellation.done, name="cancellation_done"),
]
