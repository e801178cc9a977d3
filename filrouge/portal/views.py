"""The customer's pages: thin function views over the portal's selectors and services.

Every page is private to whoever holds the link: never stored by a shared cache,
never indexed. The tracking page sends `Referrer-Policy: no-referrer`, so the
token in its address never leaves in a Referer header. The pages with a form
send `strict-origin` instead: under `no-referrer` browsers post forms with
`Origin: null` (Fetch standard), which Django's CSRF check rightly refuses;
`strict-origin` still never sends the path, hence never the token.

A link that does not open — unknown reference, wrong token, expired — always
gets the same page with the same status (404), after the same work.
"""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from filrouge.cases.models import OPEN_STATUSES, Case
from filrouge.cases.services import CaseError
from filrouge.portal import limits, tasks
from filrouge.portal.forms import NewLinkForm, ReplyForm
from filrouge.portal.links import tracking_path
from filrouge.portal.selectors import normalise_reference, tracked_case, tracking_page
from filrouge.portal.services import post_message

# A body larger than this is refused before the form looks at it (the file limit plus the
# form). Django has already received it by then (the CSRF check reads the POST data).
MAX_BODY = settings.FILROUGE_UPLOAD_MAX_BYTES + 64 * 1024


def _private(response: HttpResponse, *, referrer: str = "no-referrer") -> HttpResponse:
    response["Referrer-Policy"] = referrer
    response["X-Robots-Tag"] = "noindex, nofollow"
    add_never_cache_headers(response)  # Cache-Control: ..., no-store, private
    return response


def _page(request, template, context, *, status=200, referrer="no-referrer") -> HttpResponse:
    context = {"path_without_lang": _without_lang(request), **context}
    return _private(render(request, template, context, status=status), referrer=referrer)


def _language_from_query(view):
    """`?lang=en` (or `fr`) renders the page in that language and remembers it in Django's
    language cookie; otherwise LocaleMiddleware's choice stands (cookie, Accept-Language).
    A link, not a form: under `no-referrer` a form post would fail the CSRF check."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        chosen = request.GET.get("lang", "")
        if chosen not in dict(settings.LANGUAGES):
            return view(request, *args, **kwargs)
        with translation.override(chosen):
            request.LANGUAGE_CODE = chosen
            response = view(request, *args, **kwargs)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME, chosen, max_age=365 * 86400, samesite="Lax"
        )
        return response

    return wrapper


def _without_lang(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("lang", None)
    encoded = query.urlencode()
    return f"{request.path}?{encoded}&" if encoded else f"{request.path}?"


# The neutral pages echo nothing of the link asked for: their language switch leads
# to the page for asking a new link.
_NEUTRAL = {"path_without_lang": "/suivi/?"}


def _invalid(request: HttpRequest) -> HttpResponse:
    return _page(request, "portal/invalid.html", _NEUTRAL, status=404)


def _limited(request: HttpRequest, limit: limits.Limit) -> HttpResponse:
    response = _page(request, "portal/limited.html", _NEUTRAL, status=429)
    response["Retry-After"] = str(limit.seconds)
    return response


def _open(request: HttpRequest, reference: str, token: str) -> Case | HttpResponse:
    """The case of a tracking link, or the page to answer instead (invalid or limited)."""
    canonical = normalise_reference(reference)
    if limits.exceeded(limits.BAD_LINK, request, reference=canonical):
        return _limited(request, limits.BAD_LINK)
    case = tracked_case(reference, token)
    if case is None:
        limits.count(limits.BAD_LINK, request, reference=canonical)
        return _invalid(request)
    return case


@require_GET
@_language_from_query
def track(request: HttpRequest, reference: str) -> HttpResponse:
    """`/suivi/<reference>/?t=<token>`: the case as its customer follows it."""
    token = request.GET.get("t", "")
    case = _open(request, reference, token)
    if isinstance(case, HttpResponse):
        return case
    context = {"page": tracking_page(case), "case": case, "token": token}
    context["can_write"] = case.status in OPEN_STATUSES
    return _page(request, "portal/track.html", context)


@require_http_methods(["GET", "POST"])
@_language_from_query
def reply(request: HttpRequest, reference: str) -> HttpResponse:
    """`/suivi/<reference>/message/`: the customer writes on their case (text, one file)."""
    token = request.POST.get("t", "") if request.method == "POST" else request.GET.get("t", "")
    case = _open(request, reference, token)
    if isinstance(case, HttpResponse):
        return case
    if request.method == "GET":
        form = ReplyForm(initial={"submission": get_random_string(32)})
        return _reply_page(request, case, token, form)
    if limits.exceeded(limits.MESSAGE, request, reference=case.reference):
        return _limited(request, limits.MESSAGE)
    if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BODY:
        form = ReplyForm(initial={"submission": get_random_string(32)})
        form.add_error(None, ReplyForm.too_large_error())
        return _reply_page(request, case, token, form, status=400)
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            post_message(
                case, text=data["text"], upload=data["file"], submission=data["submission"]
            )
        except CaseError as refused:
            form.add_error(None, str(refused))
        else:
            limits.count(limits.MESSAGE, request, reference=case.reference)
            messages.success(request, _("Your message has been added to your case."))
            return redirect(tracking_path(case) + "#messages", permanent=False)
    return _reply_page(request, case, token, form, status=400)


def _reply_page(request, case, token, form, *, status=200) -> HttpResponse:
    context = {
        "case": case,
        "token": token,
        "form": form,
        "can_write": case.is_open,
        "upload_limit": settings.FILROUGE_UPLOAD_MAX_BYTES,
    }
    return _page(request, "portal/reply.html", context, status=status, referrer="strict-origin")


@require_http_methods(["GET", "POST"])
@_language_from_query
def new_link(request: HttpRequest) -> HttpResponse:
    """`/suivi/`: ask for the tracking link again; it goes to the contact point on file only."""
    form = NewLinkForm(request.POST or None)
    sent, status = False, 200
    if request.method == "POST":
        if form.is_valid():
            reference = form.cleaned_data["reference"]
            if limits.exceeded(limits.NEW_LINK, request, reference=reference):
                return _limited(request, limits.NEW_LINK)
            limits.count(limits.NEW_LINK, request, reference=reference)
            tasks.send_tracking_link.enqueue(
                reference, form.cleaned_data["contact"], translation.get_language()
            )
            sent, form = True, NewLinkForm()
        else:
            status = 400
    context = {"form": form, "sent": sent}
    return _page(request, "portal/new_link.html", context, status=status, referrer="strict-origin")
