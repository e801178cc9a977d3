"""The advisors' incident pages: list, declare, follow (updates, linked cases), resolve.

Thin views: the form validates its fields, the services decide and say why in
French; a refused change re-renders the form with the error (400) and writes nothing.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from filrouge.cases import selectors as case_selectors
from filrouge.cases.services import CaseError
from filrouge.incidents import compensation, linking, selectors, services
from filrouge.incidents.forms import DeclareForm, UpdateForm
from filrouge.incidents.models import Incident


def _incident_or_404(reference: str) -> Incident:
    incident = selectors.incident_by_reference(reference)
    if incident is None:
        raise Http404
    return incident


@login_required
@require_GET
def incident_list(request: HttpRequest) -> HttpResponse:
    over = request.GET.get("termines") == "1"
    return render(
        request,
        "incidents/list.html",
        {"incidents": selectors.incidents_for_agents(over=over)[:100], "over": over},
    )


@login_required
@require_http_methods(["GET", "POST"])
def declare(request: HttpRequest) -> HttpResponse:
    form = DeclareForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            incident = services.declare_incident(
                title=data["title"],
                kind=data["kind"],
                elements=services.elements_from_codes(data["elements"]),
                impact=data["impact"],
                text=data["text"],
                eta=data["eta"],
                by=request.user,
                partner=data["partner"],
                partner_reference=data["partner_reference"],
                partner_promised_at=data["partner_promised_at"],
            )
        except services.IncidentError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Incident %(ref)s declared.") % {"ref": incident.reference})
            return redirect("incidents:detail", reference=incident.reference)
    status = 400 if request.method == "POST" else 200
    return render(request, "incidents/declare.html", {"form": form}, status=status)


def _detail(request: HttpRequest, incident: Incident, form: UpdateForm, status: int = 200):
    context = {
        "incident": incident,
        "updates": incident.updates.select_related("by"),
        "links": selectors.linked_cases(incident),
        "form": form,
        "told": selectors.told(incident),
        "owed": selectors.owed(incident) if incident.is_over else None,
    }
    template = "incidents/detail.html"
    if request.htmx:
        template += "#incident"
    return render(request, template, context, status=status)


@login_required
@require_GET
def detail(request: HttpRequest, reference: str) -> HttpResponse:
    incident = _incident_or_404(reference)
    return _detail(request, incident, UpdateForm(initial={"status": incident.status}))


@login_required
@require_POST
def update(request: HttpRequest, reference: str) -> HttpResponse:
    incident = _incident_or_404(reference)
    form = UpdateForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.post_update(
                incident, text=data["text"], status=data["status"], eta=data["eta"], by=request.user
            )
        except services.IncidentError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Update published."))
            incident = _incident_or_404(reference)
            return _detail(request, incident, UpdateForm(initial={"status": incident.status}))
    return _detail(request, incident, form, status=400)


@login_required
@require_POST
def unlink(request: HttpRequest, reference: str, case_reference: str) -> HttpResponse:
    case = case_selectors.case_by_reference(case_reference)
    if case is None:
        raise Http404
    try:
        linking.unlink_case(case, by=request.user)
    except CaseError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The case is unlinked and back in its queue."))
    return redirect("agent:case", reference=case.reference)


@login_required
@require_GET
def compensations_csv(request: HttpRequest, reference: str) -> HttpResponse:
    incident = _incident_or_404(reference)
    response = HttpResponse(
        compensation.csv_export(incident), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{incident.reference}-compensations.csv"'
    )
    return response
