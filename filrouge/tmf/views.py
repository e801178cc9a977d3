"""Our listener for partners' events, and the advisor's page to open a ticket at a partner."""

import hashlib
import json

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from filrouge.cases.selectors import case_by_reference
from filrouge.tmf import client
from filrouge.tmf.events import SIGNATURE_HEADER, verify
from filrouge.tmf.models import PartnerEndpoint
from filrouge.tmf.resource import SEVERITY_OF

MAX_EVENT = 256 * 1024


def _refuse(status: int, message: str) -> JsonResponse:
    return JsonResponse(
        {
            "code": "refused",
            "reason": message,
            "message": message,
            "status": str(status),
            "@type": "Error",
        },
        status=status,
    )


@csrf_exempt
@require_POST
def listener(request: HttpRequest, partner_id: int) -> HttpResponse:
    """`/tmf-api/listener/<partner>/`: a partner's TMF621 event about a ticket we opened there.

    Signed with HMAC-SHA256 keyed by the SHA-256 of our key at the partner (the
    hub was registered with it). 2xx once applied; a bad signature is a 401 and
    changes nothing; an event about a ticket we do not know is taken and ignored.
    """
    endpoint = (
        PartnerEndpoint.objects.select_related("partner")
        .filter(partner_id=partner_id, partner__is_active=True)
        .first()
    )
    body = request.body[: MAX_EVENT + 1]
    if endpoint is None or len(body) > MAX_EVENT:
        return _refuse(404, "unknown listener")
    secret = hashlib.sha256(endpoint.their_key.encode()).hexdigest()
    if not verify(body, secret, request.headers.get(SIGNATURE_HEADER, "")):
        return _refuse(401, "bad signature")
    try:
        event = json.loads(body)
        ticket = event["event"]["troubleTicket"]
        assert isinstance(ticket, dict)
    except (ValueError, KeyError, TypeError, AssertionError):
        return _refuse(400, "not a TMF621 trouble ticket event")
    client.apply_partner_ticket(endpoint.partner, ticket)
    return HttpResponse(status=204)


class OpenTicketForm(forms.Form):
    partner = forms.ModelChoiceField(
        queryset=client.partners_with_endpoint(), label=gettext_lazy("Partner")
    )
    description = forms.CharField(
        label=gettext_lazy("What the partner must do"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    severity = forms.ChoiceField(
        label=gettext_lazy("Severity"),
        choices=[(v, v) for v in SEVERITY_OF.values()],
        initial="Major",
    )


@login_required
@require_http_methods(["GET", "POST"])
def open_ticket(request: HttpRequest, reference: str) -> HttpResponse:
    """`/agent/dossiers/<ref>/partenaire/ticket/`: hand the case to a partner over TMF621."""
    case = case_by_reference(reference.strip().upper())
    if case is None:
        raise Http404
    form = OpenTicketForm(request.POST or None, initial={"description": case.subject})
    form.fields["partner"].queryset = client.partners_with_endpoint()
    if request.method == "POST" and form.is_valid():
        try:
            ticket = client.open_partner_ticket(case, by=request.user, **form.cleaned_data)
        except client.PartnerRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(
                request,
                _("Ticket %(ref)s opened at %(partner)s: the case waits on it.")
                % {"ref": ticket.their_id, "partner": ticket.partner.name},
            )
            return redirect("agent:case", reference=case.reference)
    status = 400 if request.method == "POST" else 200
    context = {"case": case, "form": form, "partner_tickets": client.tickets_of(case)}
    return render(request, "tmf/open_ticket.html", context, status=status)
