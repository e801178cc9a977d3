"""The agent console: thin function views over the cases and customers selectors and services.

Any logged-in agent may open and act on any case: queues decide what each
agent sees first, never what they may touch ("no hand on it" must not happen).
Action forms post with htmx and get the case block back; without JavaScript
they post normally and are redirected (or shown the page again with errors).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from filrouge.accounts.models import ApiToken
from filrouge.accounts.tokens import create_api_token
from filrouge.agent import forms
from filrouge.agent.actions import ACTIONS, SETTLE, settle_promise
from filrouge.agent.selectors import advisors_matching
from filrouge.cases import selectors
from filrouge.cases.models import Case
from filrouge.cases.services import CaseError, StaleCase, open_case
from filrouge.core.clock import now, today
from filrouge.customers.merge import live_customer
from filrouge.customers.models import Customer, Line
from filrouge.customers.selectors import search_customers

QUEUES = ("mine", "team", "unassigned", "escalated")
# A search shows the most recent cases of the customers found, not all of them.
SEARCH_CASES = 20
# A case page shows at most this many latest events unless asked for all
# (`?tout=1`): rendering cost grows with the timeline, the query count does not.
TIMELINE_SHOWN = 50


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """A queue page ("mine" by default), newest activity first, keyset-paginated."""
    name = request.GET.get("queue", "mine")
    if name not in QUEUES:
        raise Http404
    cases = selectors.queue(request.user, name, cursor=request.GET.get("cursor"))
    more = len(cases) == selectors.PAGE_SIZE
    context = {
        "queue": name,
        "queues": QUEUES,
        "cases": cases,
        "next_cursor": selectors.encode_cursor(cases[-1]) if more else "",
    }
    return render(request, "agent/queue.html", context)


def _case_or_404(reference: str) -> Case:
    case = selectors.case_by_reference(reference)
    if case is None:
        raise Http404
    return case


def _latest_events(request: HttpRequest, case: Case) -> tuple[list, bool]:
    """The last TIMELINE_SHOWN events, oldest first, and whether earlier ones were left out."""
    if request.GET.get("tout") == "1":
        return list(selectors.timeline(case)), False
    latest = list(selectors.timeline(case).reverse()[: TIMELINE_SHOWN + 1])
    return latest[:TIMELINE_SHOWN][::-1], len(latest) > TIMELINE_SHOWN


def _render_case(
    request: HttpRequest, case: Case, *, bound: tuple[str, forms.CaseForm] | None = None, status=200
) -> HttpResponse:
    """The case page, or only its `case` block for htmx; `bound` is a form to show with errors."""
    case_forms = {segment: action.form(case=case) for segment, action in ACTIONS.items()}
    if bound is not None:
        case_forms[bound[0]] = bound[1]
    events, earlier_hidden = _latest_events(request, case)
    context = {
        "case": case,
        "header": selectors.case_header(case),
        "events": events,
        "earlier_hidden": earlier_hidden,
        "shown": TIMELINE_SHOWN,
        "forms": case_forms,
        "now": now(),
    }
    template = "agent/case.html#case" if request.htmx else "agent/case.html"
    return render(request, template, context, status=status)


def _acted(request: HttpRequest, reference: str) -> HttpResponse:
    if request.htmx:
        return _render_case(request, _case_or_404(reference))
    return redirect("agent:case", reference=reference)


@login_required
@require_GET
def case_page(request: HttpRequest, reference: str) -> HttpResponse:
    return _render_case(request, _case_or_404(reference))


@login_required
@require_POST
def case_action(request: HttpRequest, reference: str, action: str) -> HttpResponse:
    """One action on a case; refused actions change nothing and say why next to the form."""
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404
    case = _case_or_404(reference)
    form = spec.form(request.POST, request.FILES, case=case)
    status = 400
    if form.is_valid():
        try:
            spec.run(case, request.user, form.cleaned_data)
        except CaseError as exc:
            form.add_error(None, str(exc))
            status = 409 if isinstance(exc, StaleCase) else 400
        else:
            messages.success(request, spec.done)
            return _acted(request, reference)
    return _render_case(request, case, bound=(action, form), status=status)


@login_required
@require_POST
def promise_action(request: HttpRequest, reference: str, pk: int, outcome: str) -> HttpResponse:
    """Mark one of the case's open promises kept or broken."""
    case = _case_or_404(reference)
    promise = get_object_or_404(case.promises.select_related("case"), pk=pk)
    form = forms.SettleForm(request.POST, case=case)
    if not form.is_valid():
        messages.error(request, _("This form is out of date. Reload the case and try again."))
        return _acted(request, reference)
    try:
        settle_promise(promise, request.user, outcome=outcome, version=form.cleaned_data["version"])
    except CaseError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, SETTLE[outcome][1])
    return _acted(request, reference)


def _customer_or_404(pk: int) -> Customer:
    lines = Line.objects.select_related("network_element", "service_address")
    customers = Customer.objects.prefetch_related(
        "contact_points", "addresses", Prefetch("lines", queryset=lines)
    )
    return get_object_or_404(customers, pk=pk)


def _render_customer(
    request: HttpRequest, customer: Customer, form: forms.NewCaseForm, *, status: int = 200
) -> HttpResponse:
    day = today()
    addresses = list(customer.addresses.all())
    context = {
        "customer": customer,
        "current_addresses": [a for a in addresses if a.valid_to is None or a.valid_to > day],
        "past_addresses": [a for a in addresses if a.valid_to is not None and a.valid_to <= day],
        "open_cases": list(selectors.open_cases_of(customer.pk)[: selectors.PAGE_SIZE]),
        "past_cases": selectors.past_cases_of(customer.pk),
        "form": form,
        "attach_form": forms.SearchForm() if customer.is_prospect else None,
    }
    return render(request, "agent/customer.html", context, status=status)


@login_required
@require_GET
def advisors(request: HttpRequest) -> HttpResponse:
    """Suggestions for the handover field: a few <option>s for its datalist."""
    text = request.GET.get("handover-to") or request.GET.get("q", "")
    context = {"advisors": advisors_matching(text)}
    return render(request, "agent/advisors.html", context)


@login_required
@require_GET
def customer_page(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _customer_or_404(pk)
    if customer.merged_into_id is not None:  # an old link to a merged sender's file
        return redirect("agent:customer", pk=live_customer(customer).pk)
    return _render_customer(request, customer, forms.NewCaseForm(customer=customer))


@login_required
@require_POST
def new_case(request: HttpRequest, pk: int) -> HttpResponse:
    """Open a case for the customer, owned by the advisor unless they untick the box."""
    customer = _customer_or_404(pk)
    form = forms.NewCaseForm(request.POST, customer=customer)
    if form.is_valid():
        d, agent = form.cleaned_data, request.user
        try:
            case = open_case(
                customer,
                subject=d["subject"],
                channel=d["channel"],
                by=agent,
                intent=d["intent"],
                line=d["line"],
                owner=agent if d["assign_to_me"] else None,
                team=agent.team,
                first_message=d["first_message"],
            )
        except CaseError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Case %(reference)s opened.") % {"reference": case})
            return redirect("agent:case", reference=case.reference)
    return _render_customer(request, customer, form, status=400)


@login_required
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """Customers by name, phone, e-mail or account; their cases; a reference opens its case.

    Subjects and message texts are searched only when asked: that scan is
    slower than the indexed lookups the default search makes.
    """
    form = forms.SearchForm(request.GET if "q" in request.GET else None)
    customers: list[Customer] = []
    cases: list[Case] = []
    in_texts = request.GET.get("textes") == "1"
    if form.is_valid():
        q = form.cleaned_data["q"]
        if q.upper().startswith("FR-") and (case := selectors.case_by_reference(q)):
            return redirect("agent:case", reference=case.reference)
        customers = list(search_customers(q).prefetch_related("contact_points"))
        if in_texts:
            cases = list(selectors.search_cases(q)[: selectors.PAGE_SIZE])
        else:
            cases = selectors.cases_of_customers([c.pk for c in customers], limit=SEARCH_CASES)
    context = {"form": form, "customers": customers, "cases": cases, "in_texts": in_texts}
    return render(request, "agent/search.html", context)


@login_required
@require_GET
def promises(request: HttpRequest) -> HttpResponse:
    """Promises due today and broken ones, for the advisor's team (or only their own)."""
    scope = "mine" if request.GET.get("scope") == "mine" else "team"
    due = selectors.promises_due(request.user, scope=scope)
    context = {"scope": scope, "due": due["due"], "broken": due["broken"], "now": now()}
    return render(request, "agent/promises.html", context)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    """Personal API tokens: the raw value is shown once, right after creation."""
    form = forms.TokenForm(request.POST or None)
    raw = ""
    if request.method == "POST" and form.is_valid():
        _token, raw = create_api_token(request.user, name=form.cleaned_data["name"])
        form = forms.TokenForm()
    listing = ApiToken.objects.filter(agent=request.user).order_by("-created_at")
    context = {"form": form, "raw": raw, "tokens": listing}
    return render(request, "agent/tokens.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def revoke_token(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, agent=request.user)
    if token.revoked_at is None:
        # accounts.tokens has no revoke service yet; a one-column update of the
        # agent's own token is the whole write.
        ApiToken.objects.filter(pk=token.pk).update(revoked_at=now())
        messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("agent:tokens")
