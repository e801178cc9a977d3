"""The three clicks: "Résilier votre contrat" opens the form (1), "Continue" shows the
summary (2), "Confirm the cancellation" records it (3) and shows the receipt.

No login (D215-1: no customer account may be required). Between the steps the
details travel in a signed field, so nothing is stored before the confirmation
and the confirmation re-checks everything. The form's key makes a second
confirmation of the same request (double click, back button) show the first.
"""

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from filrouge.core.clock import today
from filrouge.selfcare.cancellation import services
from filrouge.selfcare.cancellation.forms import CancellationForm, new_key
from filrouge.selfcare.limits import IDENTIFICATION_FAILURES
from filrouge.selfcare.models import CancellationRequest

_SALT = "filrouge.selfcare.cancellation"
_RECEIPT_SALT = "filrouge.selfcare.cancellation.receipt"
SUMMARY_MAX_AGE = 3600  # seconds between the summary and the confirmation


@require_http_methods(["GET", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    """Step 1 (the form); posted, step 2 (the summary)."""
    if request.method == "GET":
        return _form_page(request, CancellationForm(initial={"key": new_key()}))
    if "change" in request.POST:  # "Change" on the summary: the form again, filled in
        data = _unsign(request.POST.get("payload", ""))
        return _form_page(request, CancellationForm(initial=data or {"key": new_key()}))
    if (done := _already_confirmed(request.POST.get("key"))) is not None:
        return _to_receipt(done)  # back to step 1 after confirming, and "Continue" again
    if IDENTIFICATION_FAILURES.exceeded(request):
        return _limited(request)
    form = CancellationForm(request.POST)
    if not form.is_valid():
        return _refused(request, form)
    return render(request, "selfcare/cancellation/summary.html", _summary(form))


@require_POST
def confirm(request: HttpRequest) -> HttpResponse:
    """Step 3: the confirmation. Records the request once, then shows its receipt."""
    data = _unsign(request.POST.get("payload", ""))
    if data is None:
        messages.error(request, _("This summary has expired. Fill in the form again, please."))
        return _form_page(request, CancellationForm(initial={"key": new_key()}), status=400)
    if (done := _already_confirmed(data.get("key"))) is not None:
        return _to_receipt(done)
    if IDENTIFICATION_FAILURES.exceeded(request):
        return _limited(request)
    form = CancellationForm(data)
    if not form.is_valid():
        return _refused(request, form)
    try:
        cancellation, _new = services.request_cancellation(
            form.line, key=form.cleaned_data["key"], details=form.details(), site_url=_site(request)
        )
    except IntegrityError:  # the same key confirmed at the very same moment: show that one
        cancellation = CancellationRequest.objects.get(idempotency_key=form.cleaned_data["key"])
    except services.CancellationError as exc:
        form.add_error(None, str(exc))
        return _form_page(request, form, status=400)
    return _to_receipt(cancellation)


def done(request: HttpRequest, receipt: str) -> HttpResponse:
    """The receipt page; its address is signed, so only who confirmed it has it."""
    try:
        pk = signing.loads(receipt, salt=_RECEIPT_SALT)
    except signing.BadSignature as exc:
        raise Http404 from exc
    cancellation = (
        CancellationRequest.objects.select_related("case", "line", "customer").filter(pk=pk).first()
    )
    if cancellation is None:
        raise Http404
    return render(
        request,
        "selfcare/cancellation/done.html",
        {
            "r": cancellation,
            "tracking_path": services.tracking_path(cancellation.case),
            "return_address": services.RETURN_ADDRESS,
            "received_at": timezone.localtime(cancellation.received_at),
        },
    )


def _form_page(request: HttpRequest, form: CancellationForm, *, status: int = 200) -> HttpResponse:
    context = {"form": form, "end_within_days": services.END_WITHIN_DAYS}
    return render(request, "selfcare/cancellation/form.html", context, status=status)


def _refused(request: HttpRequest, form: CancellationForm) -> HttpResponse:
    if form.identity_failed:
        IDENTIFICATION_FAILURES.hit(request)
    return _form_page(request, form, status=400)


def _limited(request: HttpRequest) -> HttpResponse:
    return render(request, "selfcare/limited.html", status=429)


def _summary(form: CancellationForm) -> dict:
    line, details = form.line, form.details()
    end = services.end_date_for(today(), details.requested_end_date)
    equipment = services.has_equipment(line)
    return {
        "d": details,
        "line": line,
        "reason": dict(form.fields["reason"].choices).get(details.reason, ""),
        "end_date": end,
        "end_within_days": services.END_WITHIN_DAYS,
        "equipment": equipment,
        "return_days": services.EQUIPMENT_RETURN_DAYS,
        "payload": signing.dumps(
            {k: form.data.get(k, "") for k in form.fields}, salt=_SALT, compress=True
        ),
    }


def _unsign(payload: str) -> dict | None:
    try:
        data = signing.loads(payload, salt=_SALT, max_age=SUMMARY_MAX_AGE)
    except signing.BadSignature:
        return None
    return data if isinstance(data, dict) else None


def _already_confirmed(key: object) -> CancellationRequest | None:
    """The request this form's key already recorded: the key is a random 128-bit value
    handed to one browser, so holding it means having made that request."""
    if not isinstance(key, str) or not key:
        return None
    return CancellationRequest.objects.filter(idempotency_key=key).first()


def _to_receipt(cancellation: CancellationRequest) -> HttpResponse:
    receipt = signing.dumps(cancellation.pk, salt=_RECEIPT_SALT)
    return redirect(reverse("selfcare:cancellation_done", args=[receipt]), permanent=False)


def _site(request: HttpRequest) -> str:
    """Where the tracking link points: the configured public address, else this request's."""
    return getattr(settings, "FILROUGE_PUBLIC_URL", "") or request.build_absolute_uri("/")
