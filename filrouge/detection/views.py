"""The supervisors' page of suspected incidents: confirm (an incident is declared) or dismiss.

Team leads and supervisors only, like the channels' supervision page. Each
suspicion is a card; its two buttons post with htmx and the card is replaced by
the outcome (without JavaScript the page reloads with a message).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from filrouge.agent.supervision import can_supervise
from filrouge.detection import selectors
from filrouge.detection.forms import ConfirmForm
from filrouge.detection.models import Suspicion
from filrouge.detection.services import DetectionError, confirm_suspicion, dismiss_suspicion
from filrouge.incidents.services import IncidentError

PAGE = "detection/suspicions.html"


def _supervisor(request: HttpRequest) -> None:
    if not can_supervise(request.user):
        raise PermissionDenied(_("This page is for team leads and supervisors."))


def _form(suspicion: Suspicion, data=None) -> ConfirmForm:
    return ConfirmForm(data, initial=selectors.proposal(suspicion), prefix=f"s{suspicion.pk}")


@never_cache
@login_required
@require_GET
def suspicions(request: HttpRequest) -> HttpResponse:
    _supervisor(request)
    context = {
        "items": [(s, _form(s)) for s in selectors.open_suspicions()],
        "decided": selectors.recently_decided(),
    }
    return render(request, PAGE, context)


def _outcome(request: HttpRequest, suspicion: Suspicion, note: str) -> HttpResponse:
    if request.htmx:
        return render(request, f"{PAGE}#outcome", {"s": suspicion, "note": note})
    messages.success(request, note)
    return redirect("detection:suspicions")


def _refused(request: HttpRequest, suspicion: Suspicion, form: ConfirmForm, error: str):
    if request.htmx:
        context = {"s": suspicion, "form": form, "error": error}
        return render(request, f"{PAGE}#suspicion", context, status=409)
    messages.error(request, error)
    return redirect("detection:suspicions")


@login_required
@require_POST
def confirm(request: HttpRequest, pk: int) -> HttpResponse:
    _supervisor(request)
    suspicion = selectors.suspicion(pk) or _missing()
    form = _form(suspicion, request.POST)
    if not form.is_valid():
        return _refused(request, suspicion, form, _("Check the incident's title and text."))
    try:
        incident = confirm_suspicion(suspicion, by=request.user, **form.cleaned_data)
    except (DetectionError, IncidentError) as exc:
        return _refused(request, suspicion, form, str(exc))
    suspicion.refresh_from_db()
    note = _("Incident %(reference)s declared.") % {"reference": incident.reference}
    return _outcome(request, suspicion, note)


@login_required
@require_POST
def dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    _supervisor(request)
    suspicion = selectors.suspicion(pk) or _missing()
    try:
        dismiss_suspicion(suspicion, by=request.user)
    except DetectionError as exc:
        return _refused(request, suspicion, _form(suspicion), str(exc))
    suspicion.refresh_from_db()
    return _outcome(
        request, suspicion, _("Dismissed: these reports now count as the ordinary background.")
    )


def _missing():
    raise Http404
