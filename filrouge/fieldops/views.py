"""Pages for shipments and moves of house: the customer's (`/suivi/<ref>/demenagement/?t=…`)
and the advisor's (a case's equipment, a customer's move). Both call the same services.

The customer's page opens exactly like the tracking page: the portal's rate limits
first, then `tracked_case` (one neutral 404 for an unknown reference, a wrong token
or an expired link), never cached, never indexed, and `Referrer-Policy:
strict-origin` (a form page: the token never leaves in a Referer header).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from filrouge.cases import selectors as case_selectors
from filrouge.cases.models import Case
from filrouge.cases.services import CaseError
from filrouge.fieldops import selectors, services
from filrouge.fieldops.forms import DispatchForm, MoveForm, PrepareForm
from filrouge.fieldops.moves import declare_move
from filrouge.portal import limits
from filrouge.portal.selectors import normalise_reference, tracked_case

# Moves declared from one address or for one case: a person moves a few times, not more.
MOVE = limits.Limit("move", per_client=5, per_reference=5, seconds=3600)


def _private(response: HttpResponse) -> HttpResponse:
    response["Referrer-Policy"] = "strict-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    add_never_cache_headers(response)
    return response


def _portal_page(request, template, context, *, status=200) -> HttpResponse:
    context = {"path_without_lang": "/suivi/?", **context}
    return _private(render(request, template, context, status=status))


def _limited(request: HttpRequest, limit: limits.Limit) -> HttpResponse:
    response = _portal_page(request, "portal/limited.html", {}, status=429)
    response["Retry-After"] = str(limit.seconds)
    return response


def _open(request: HttpRequest, reference: str, token: str) -> Case | HttpResponse:
    canonical = normalise_reference(reference)
    if limits.exceeded(limits.BAD_LINK, request, reference=canonical):
        return _limited(request, limits.BAD_LINK)
    case = tracked_case(reference, token)
    if case is None:
        limits.count(limits.BAD_LINK, request, reference=canonical)
        return _portal_page(request, "portal/invalid.html", {}, status=404)
    return case


@require_http_methods(["GET", "POST"])
def customer_move(request: HttpRequest, reference: str) -> HttpResponse:
    """The customer declares a move; then sees what follows them (`?fait=<event>`)."""
    token = request.POST.get("t", "") if request.method == "POST" else request.GET.get("t", "")
    case = _open(request, reference, token)
    if isinstance(case, HttpResponse):
        return case
    context = {"case": case, "token": token}
    if request.method == "GET":
        done = selectors.move_summary(case, request.GET.get("fait", ""))
        return _portal_page(request, "fieldops/move.html", {**context, "form": MoveForm(), **done})
    if limits.exceeded(MOVE, request, reference=case.reference):
        return _limited(request, MOVE)
    form = MoveForm(request.POST)
    if form.is_valid():
        try:
            outcome = declare_move(case.customer, case=case, **form.cleaned_data)
        except CaseError as refused:
            form.add_error(None, str(refused))
        else:
            limits.count(MOVE, request, reference=case.reference)
            return redirect(f"{request.path}?t={token}&fait={outcome.event.pk}")
    return _portal_page(request, "fieldops/move.html", {**context, "form": form}, status=400)


# The advisor's pages ------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def agent_move(request: HttpRequest, pk: int) -> HttpResponse:
    """`/agent/clients/<pk>/demenagement/`: the advisor declares the customer's move."""
    customer = selectors.customer_for_move(pk)
    if customer is None:
        raise Http404
    form = MoveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            outcome = declare_move(customer, by=request.user, **form.cleaned_data)
        except CaseError as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _summary(outcome))
            return redirect("agent:customer", pk=customer.pk)
    status = 400 if request.method == "POST" else 200
    context = {"customer": customer, "form": form}
    return render(request, "fieldops/agent_move.html", context, status=status)


def _summary(outcome) -> str:
    return _(
        "Move recorded from %(day)s. Parcels re-routed: %(rerouted)s; redirects to ask the "
        "carrier: %(redirected)s; technician visits re-routed: %(visits)s."
    ) % {
        "day": formats.date_format(outcome.on, "DATE_FORMAT"),
        "rerouted": len(outcome.rerouted),
        "redirected": len(outcome.redirected),
        "visits": len(outcome.appointments),
    }


def _case_or_404(reference: str) -> Case:
    case = case_selectors.case_by_reference(reference)
    if case is None:
        raise Http404
    return case


def _equipment(request, case: Case, *, prepare=None, error="", status=200) -> HttpResponse:
    shipments = selectors.shipments_of(case)
    for shipment in shipments:  # one form per parcel, with its own field ids
        shipment.dispatch_form = DispatchForm(auto_id=f"id_s{shipment.pk}_%s")
    context = {
        "case": case,
        "shipments": shipments,
        "prepare": prepare or PrepareForm(),
        "error": error,
    }
    return render(request, "fieldops/agent_equipment.html", context, status=status)


@login_required
@require_GET
def agent_equipment(request: HttpRequest, reference: str) -> HttpResponse:
    """`/agent/dossiers/<ref>/equipements/`: the case's parcels, and sending a new one."""
    return _equipment(request, _case_or_404(reference))


@login_required
@require_POST
def agent_prepare(request: HttpRequest, reference: str) -> HttpResponse:
    case = _case_or_404(reference)
    form = PrepareForm(request.POST)
    if form.is_valid():
        try:
            services.prepare_shipment(case, by=request.user, **form.cleaned_data)
        except CaseError as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("The shipment is being prepared."))
            return redirect("fieldops:agent_equipment", reference=case.reference)
    return _equipment(request, case, prepare=form, status=400)


@login_required
@require_POST
def agent_shipment_action(request: HttpRequest, reference: str, pk: int, action: str):
    """Hand a parcel to the carrier, or record it delivered or returned."""
    case = _case_or_404(reference)
    shipment = selectors.shipment_of(case, pk)
    if shipment is None or action not in {"expedier", "livre", "retourne"}:
        raise Http404
    try:
        if action == "expedier":
            form = DispatchForm(request.POST)
            if not form.is_valid():
                return _equipment(request, case, error=_form_error(form), status=400)
            services.dispatch(shipment, by=request.user, **form.cleaned_data)
        elif action == "livre":
            services.mark_delivered(shipment, by=request.user)
        else:
            services.mark_returned(shipment, by=request.user)
    except CaseError as refused:
        return _equipment(request, case, error=str(refused), status=400)
    messages.success(request, _("Shipment updated."))
    return redirect("fieldops:agent_equipment", reference=case.reference)


def _form_error(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)
