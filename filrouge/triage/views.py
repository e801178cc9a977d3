"""The advisor's two triage actions: correct the intent read (one click), see a suggested answer."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from filrouge.cases import selectors as case_selectors
from filrouge.cases.models import Case, Event, Intent
from filrouge.cases.services import correct_intent
from filrouge.core.clock import now
from filrouge.triage.models import TriageCorrection
from filrouge.triage.panel import card_context
from filrouge.triage.suggest import facts, suggested_answer


def _case_or_404(reference: str) -> Case:
    case = case_selectors.case_by_reference(reference)
    if case is None:
        raise Http404
    return case


@login_required
@require_POST
def correct(request: HttpRequest, reference: str, event_id: int) -> HttpResponse:
    case = _case_or_404(reference)
    reading = Event.objects.filter(pk=event_id, case=case, kind=Event.Kind.TRIAGED).first()
    if reading is None:
        raise Http404
    intent = request.POST.get("intent", "")
    if intent not in Intent.values:
        note, level = _("Unknown intent: nothing was changed."), "error"
    else:
        record_correction(case, reading, intent=intent, by=request.user)
        note, level = _("Intent corrected; the example will be used at the next training."), "ok"
    if request.htmx:  # the card's form: the card comes back, the rest of the page stays
        context = card_context(case) or {}
        return render(
            request, "triage/case_card.html", {**context, "note": note, "note_level": level}
        )
    (messages.success if level == "ok" else messages.error)(request, note)
    return redirect("agent:case", reference=reference)


@transaction.atomic
def record_correction(case: Case, reading: Event, *, intent: str, by) -> TriageCorrection:
    """The case's intent corrected and the message kept as a labelled example."""
    message = (
        Event.objects.filter(pk=reading.data.get("message"), case=case)
        .only("data", "channel")
        .first()
    )
    text = (message.data.get("body", "") if message else "") or ""
    correction = TriageCorrection.objects.create(
        case=case,
        event=message,
        text=text,
        channel=message.channel if message else "",
        predicted=reading.data.get("intent", Intent.OTHER),
        intent=intent,
        by=by,
        created_at=now(),
    )
    correct_intent(case, to=intent, by=by)
    return correction


@login_required
@require_GET
def card(request: HttpRequest, reference: str) -> HttpResponse:
    """The triage card (fetched by the case page once loaded), or nothing before any reading."""
    case = _case_or_404(reference)
    context = card_context(case)
    if context is None:
        return HttpResponse(status=204)  # htmx keeps the page as it is
    return render(request, "triage/case_card.html", context)


@login_required
@require_GET
def suggestion(request: HttpRequest, reference: str) -> HttpResponse:
    case = _case_or_404(reference)
    state = facts(case)
    return render(
        request,
        "triage/suggestion.html",
        {"case": case, "answer": suggested_answer(case, state), "state": state},
    )
