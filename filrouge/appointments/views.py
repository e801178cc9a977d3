"""Pages to book, move or cancel a technician's visit: the advisor's (in the console, from
the case page) and the customer's (`/suivi/<reference>/rendez-vous/?t=<token>`).

Both show only slots with a place left in the area of the case's line, and
post to the same services. A refused action changes nothing and says why.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from filrouge.appointments import selectors, services
from filrouge.appointments.forms import CancelForm, SlotForm
from filrouge.appointments.models import cutoff_for
from filrouge.cases import selectors as case_selectors
from filrouge.cases.models import Case, Promise
from filrouge.cases.services import CaseError
from filrouge.cases.tokens import check_tracking_token
from filrouge.core.clock import now


def _diary(case: Case) -> dict:
    """What both pages show: the live visit, the free slots of the area, a callback promised."""
    line = selectors.service_line(case)
    area = selectors.area_for(line, selectors.visit_address(case, line))
    live = selectors.live_appointment(case)
    # Full slots are shown too, greyed out: "full" is an answer, an empty list is not.
    shown = [s for s in selectors.open_slots(area) if live is None or s.pk != live.slot_id]
    slots = shown if any(s.free for s in shown) else []
    callback = case.promises.filter(
        state=Promise.State.OPEN, description=services.callback_description()
    ).first()
    return {
        "case": case,
        "area": area,
        "live": live,
        "live_changeable": live is not None and cutoff_for(live.slot.date) > now(),
        "slots": slots,
        "until": selectors.last_search_day(),
        "callback": callback,
        "history": [a for a in selectors.appointments_of(case) if a != live],
    }


def _act(request: HttpRequest, case: Case, action: str, *, by) -> str | None:
    """Run one posted action; returns the error to show, or None when done."""
    live = selectors.live_appointment(case)
    try:
        if action in {"reserver", "deplacer"}:
            form = SlotForm(request.POST)
            if not form.is_valid():
                return " ".join(form.errors["slot"])
            slot = form.cleaned_data["slot"]
            if action == "reserver":
                services.book(case, slot=slot, by=by)
                messages.success(request, _("The visit is booked."))
            elif live is None:
                return _("There is no booked visit to move.")
            else:
                services.move(live, to=slot, by=by)
                messages.success(request, _("The visit is moved."))
        elif action == "annuler":
            form = CancelForm(request.POST)
            if live is None or not form.is_valid():
                return _("There is no booked visit to cancel.")
            services.cancel(live, by=by, reason=form.cleaned_data["reason"])
            messages.success(request, _("The visit is cancelled."))
        elif action == "rappel":
            services.offer_callback(case, by=by)
            messages.success(request, _("A callback is promised."))
        elif action == "fait" and by is not None and live is not None:
            services.complete(live, by=by)
            messages.success(request, _("The visit is marked as done."))
        else:
            raise Http404
    except CaseError as exc:
        return str(exc)
    return None


# The advisor's page -----------------------------------------------------------------


def _case_or_404(reference: str) -> Case:
    case = case_selectors.case_by_reference(reference)
    if case is None:
        raise Http404
    return case


@login_required
@require_GET
def agent_page(request: HttpRequest, reference: str) -> HttpResponse:
    return render(request, "appointments/agent.html", _diary(_case_or_404(reference)))


@login_required
@require_POST
def agent_action(request: HttpRequest, reference: str, action: str) -> HttpResponse:
    case = _case_or_404(reference)
    error = _act(request, case, action, by=request.user)
    if error is None:
        return redirect("appointments:agent", reference=reference)
    context = {**_diary(case), "error": error}
    return render(request, "appointments/agent.html", context, status=400)


# The customer's page ----------------------------------------------------------------


def _case_for_token(reference: str, token: str) -> Case | None:
    """The case only with its link's token; otherwise None, whether or not it exists."""
    case = (
        Case.objects.select_related("customer", "line", "owner", "team")
        .filter(reference=reference)
        .first()
    )
    if case is None or not check_tracking_token(case, token):
        return None
    return case


@never_cache
@require_http_methods(["GET", "POST"])
def customer_page(request: HttpRequest, reference: str) -> HttpResponse:
    token = request.POST.get("t") or request.GET.get("t", "")
    case = _case_for_token(reference, token)
    if case is None:
        return render(request, "appointments/invalid_link.html", status=404)
    context = {"token": token}
    status = 200
    if request.method == "POST":
        error = _act(request, case, request.POST.get("action", ""), by=None)
        if error is None:
            return redirect(f"{request.path}?t={token}")
        context["error"], status = error, 400
    return render(request, "appointments/customer.html", {**_diary(case), **context}, status=status)
