from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from filrouge.api.api import api
from filrouge.core import views as core_views

urlpatterns = [
    path("", RedirectView.as_view(url="/agent/", permanent=False)),
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    # Before the console's own `dossiers/<reference>/<action>/`: the appointment pages.
    path("", include("filrouge.appointments.urls")),
    path("", include("filrouge.fieldops.urls")),  # equipment sent, moves of house
    path("", include("filrouge.surveys.urls")),  # /suivi/<reference>/avis/ (survey)
    path("", include("filrouge.triage.urls")),  # triage card: intent correction, suggestion
    path("", include("filrouge.tmf.urls")),  # /tmf-api/… (TMF621), partner tickets
    path("agent/incidents/", include("filrouge.incidents.urls")),
    path("agent/detection/", include("filrouge.detection.urls")),  # suspected incidents
    path("agent/", include("filrouge.agent.urls")),
    path("api/v1/", api.urls),
    path("hooks/", include("filrouge.channels.urls")),
    path("suivi/", include("filrouge.portal.urls")),
    path("", include("filrouge.selfcare.urls")),  # /resiliation/ (online cancellation)
    path("notifications/", include("filrouge.notifications.urls")),
    path("", include("filrouge.statuspage.urls")),  # /etat-du-reseau/ (alias /status/)
    path("i18n/", include("django.conf.urls.i18n")),
]
