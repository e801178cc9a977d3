"""The screen pop of a phone call, `/agent/appel/<call id>/`, and the agent's letters and photos.

The PBX (or the advisor's softphone) opens the screen pop when a call is
answered: who calls, their file, their open cases with what is pending, and
one click to log the call on one of them or to open a new case, so the
customer does not tell their story again. An unknown number says so and offers
the customer search; the call can then be logged on a case by its reference.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from filrouge.agent import forms
from filrouge.cases.selectors import case_by_reference
from filrouge.cases.services import CaseError
from filrouge.channels.models import Document
from filrouge.channels.phone import selectors
from filrouge.channels.phone.models import Call
from filrouge.channels.phone.services import log_call, open_case_for_call

# Stored only after their first bytes proved them (channels.offline.files, email.parse).
INLINE_TYPES = frozenset({"application/pdf", "image/jpeg", "image/png"})


def _call_or_404(call_id: str) -> Call:
    call = selectors.call_by_id(call_id)
    if call is None:
        raise Http404
    return call


def _render_call(
    request: HttpRequest,
    call: Call,
    *,
    log_form: forms.LogCallForm | None = None,
    case_form: forms.CallCaseForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "call": call,
        "cases": selectors.open_cases_for(call),
        "log_form": log_form or forms.LogCallForm(),
        "case_form": case_form or forms.CallCaseForm(),
        "search_form": forms.SearchForm(initial={"q": call.caller}),
    }
    return render(request, "agent/call.html", context, status=status)


@never_cache
@login_required
@require_GET
def call_page(request: HttpRequest, call_id: str) -> HttpResponse:
    return _render_call(request, _call_or_404(call_id))


@login_required
@require_POST
def log_call_on_case(request: HttpRequest, call_id: str) -> HttpResponse:
    call = _call_or_404(call_id)
    form = forms.LogCallForm(request.POST)
    if form.is_valid():
        case = case_by_reference(form.cleaned_data["reference"].strip().upper())
        if case is None:
            form.add_error("reference", _("No case with this reference."))
        else:
            try:
                log_call(call, case=case, by=request.user, summary=form.cleaned_data["summary"])
            except CaseError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _logged_message(call_id))
                return redirect("agent:case", reference=case.reference)
    return _render_call(request, call, log_form=form, status=400)


@login_required
@require_POST
def new_case_for_call(request: HttpRequest, call_id: str) -> HttpResponse:
    call = _call_or_404(call_id)
    form = forms.CallCaseForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            case = open_case_for_call(
                call,
                by=request.user,
                subject=d["subject"],
                intent=d["intent"],
                summary=d["summary"],
            )
        except CaseError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _logged_message(call_id))
            return redirect("agent:case", reference=case.reference)
    return _render_call(request, call, case_form=form, status=400)


def _logged_message(call_id: str) -> str:
    call = selectors.call_by_id(call_id)
    if call is not None and call.event_id:
        return _("Call logged on the case.")
    return _("Call linked to the case: it appears on the timeline when it ends.")


@never_cache
@login_required
@require_GET
def document(request: HttpRequest, pk: int) -> FileResponse:
    """A scanned letter, a photo or an e-mail attachment, for logged-in agents only
    (MEDIA_ROOT is never served). Only a PDF or an image whose first bytes were checked
    opens in the browser; anything else is a download of opaque bytes, never rendered."""
    doc = get_object_or_404(Document, pk=pk)
    inline = doc.content_type in INLINE_TYPES
    return FileResponse(
        doc.file.open("rb"),
        as_attachment=not inline,
        content_type=doc.content_type if inline else "application/octet-stream",
        filename=doc.original_name or None,
    )
