"""Attaching an unidentified sender's file (a prospect) to the real customer.

From the prospect's page the advisor searches the customer (the same search as
everywhere: name, phone, e-mail, account number), opens a confirmation page
that lists what will move, and confirms: `customers.merge.merge_prospect` does
the rest. A possible match suggested on a case links straight to that page.
The search answers htmx with its results only; the confirmation posts as a
plain form (htmx-boosted or not) and ends on the customer's page.
"""

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from filrouge.agent import forms
from filrouge.cases.models import Case
from filrouge.customers.merge import live_customer, merge_preview, merge_prospect
from filrouge.customers.models import Customer
from filrouge.customers.selectors import search_customers
from filrouge.customers.services import CustomerError


def _prospect_or_redirect(pk: int) -> tuple[Customer | None, HttpResponse | None]:
    """The prospect, or a redirect to its customer's page once it is merged."""
    customer = get_object_or_404(Customer, pk=pk)
    if customer.merged_into_id is not None:
        return None, redirect("agent:customer", pk=live_customer(customer).pk)
    return customer, None


@login_required
@require_GET
def attach(request: HttpRequest, pk: int) -> HttpResponse:
    """Search the customer to attach the prospect to; htmx gets the results only."""
    prospect, gone = _prospect_or_redirect(pk)
    if gone is not None:
        return gone
    form = forms.SearchForm(request.GET if "q" in request.GET else None)
    found: list[Customer] = []
    if form.is_valid():
        matches = search_customers(form.cleaned_data["q"]).prefetch_related("contact_points")
        found = [c for c in matches if not c.is_prospect]  # only a real customer is a target
    context = {"prospect": prospect, "form": form, "found": found}
    template = "agent/attach.html#results" if request.htmx else "agent/attach.html"
    return render(request, template, context, status=400 if form.errors else 200)


def _moves(prospect: Customer) -> list[tuple[str, int]]:
    """What a merge would move, as (what, how many), in words."""
    counts = merge_preview(prospect)
    return [
        (str(apps.get_model(label)._meta.verbose_name_plural), count)
        for label, count in sorted(counts.items())
    ]


@login_required
@require_http_methods(["GET", "POST"])
def attach_confirm(request: HttpRequest, pk: int, target: int) -> HttpResponse:
    """What will move, then the merge itself. A refusal says why and changes nothing."""
    prospect, gone = _prospect_or_redirect(pk)
    if gone is not None:
        messages.info(request, _("This sender was already attached to a customer."))
        return gone
    customer = get_object_or_404(Customer, pk=target)
    form = forms.MergeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                merge_prospect(
                    prospect, into=customer, by=request.user, note=form.cleaned_data["note"]
                )
            except CustomerError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    _("Attached to %(name)s: the cases and messages moved.")
                    % {"name": customer.full_name},
                )
                if request.htmx:  # the whole page changes: htmx is told to load it
                    return HttpResponseClientRedirect(reverse("agent:customer", args=[customer.pk]))
                return redirect("agent:customer", pk=customer.pk)
    context = {
        "prospect": prospect,
        "customer": customer,
        "form": form,
        "moves": _moves(prospect),
        "cases": list(Case.objects.filter(customer=prospect).order_by("-updated_at")[:50]),
        "refused": _refusal(prospect, customer),
    }
    return render(request, "agent/attach_confirm.html", context, status=status)


def _refusal(prospect: Customer, customer: Customer) -> str:
    """Why this merge cannot be made, said before the advisor tries; "" if it can."""
    if not prospect.is_prospect:
        return _("Only an unidentified sender’s file can be attached to a customer.")
    if customer.pk == prospect.pk or customer.is_prospect or customer.merged_into_id:
        return _("Choose a real customer, not an unidentified sender.")
    return ""
