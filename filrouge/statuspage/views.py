"""The public status page: no account, nothing personal; thin views over the snapshot and services.

The page and its feed are answered from the process's snapshot (`fastpath.respond`),
here and in the WSGI fast path alike. The search answers from the snapshot too.
The subscription pages write through `services`.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from filrouge.statuspage import fastpath, services, snapshot, tokens
from filrouge.statuspage.forms import CodeForm, SubscribeForm
from filrouge.statuspage.models import Subscription


def _from_snapshot(request: HttpRequest, kind: str) -> HttpResponse:
    chosen = request.GET.get("lang", "")
    lang = chosen if chosen in dict(settings.LANGUAGES) else translation.get_language()
    status, headers, body = fastpath.respond(
        kind,
        lang,
        request.headers.get("If-None-Match", ""),
        request.headers.get("Accept-Encoding", ""),
    )
    response = HttpResponse(body, status=status)
    for name, value in headers:
        response[name] = value
    if chosen == lang:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME, lang, max_age=365 * 86400, samesite="Lax"
        )
    return response


@require_GET
def page(request: HttpRequest) -> HttpResponse:
    """`/etat-du-reseau/` (and `/status/`): incidents and planned works by commune."""
    return _from_snapshot(request, "page")


@require_GET
def summary(request: HttpRequest) -> HttpResponse:
    """`/etat-du-reseau/summary.json`: the same, in the shape of Statuspage's summary.json."""
    return _from_snapshot(request, "summary")


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """`/etat-du-reseau/recherche/?q=`: one postcode or commune."""
    query = " ".join(request.GET.get("q", "").split())[:120]
    snap = snapshot.current()
    places = snap.lookup(query) if query else []
    status = 200 if places or not query else 404
    context = {"query": query, "places": places, "snap": snap}
    return render(request, "statuspage/search.html", context, status=status)


@require_http_methods(["GET", "POST"])
def subscribe(request: HttpRequest) -> HttpResponse:
    """`/etat-du-reseau/abonnement/`: the news of a commune or postcode by e-mail or SMS."""
    initial = {"place": request.GET.get("lieu", ""), "channel": Subscription.Channel.EMAIL}
    form = SubscribeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            subscription = services.subscribe(
                channel=data["channel"],
                address=data["address"],
                place=data["place"],
                language=translation.get_language(),
            )
        except services.SubscriptionError as refused:
            form.add_error(None, str(refused))
        else:
            if subscription.channel == Subscription.Channel.SMS and subscription.state == "pending":
                return redirect("statuspage:code", tokens.make(tokens.CODE, subscription))
            return render(request, "statuspage/subscribed.html", {"subscription": subscription})
    status = 400 if request.method == "POST" else 200
    return render(request, "statuspage/subscribe.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
def code(request: HttpRequest, token: str) -> HttpResponse:
    """`/etat-du-reseau/abonnement/<token>/code/`: type back the SMS code."""
    subscription = tokens.subscription_for(tokens.CODE, token)
    if subscription is None:
        return render(request, "statuspage/invalid.html", status=404)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            subscription = services.check_code(subscription, form.cleaned_data["code"])
        except services.SubscriptionError as refused:
            form.add_error("code", str(refused))
        else:
            return render(request, "statuspage/confirmed.html", {"subscription": subscription})
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "subscription": subscription}
    return render(request, "statuspage/code.html", context, status=status)


@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The e-mail's link: the page asks for one click (a link scanner's GET confirms nothing)."""
    subscription = tokens.subscription_for(tokens.CONFIRM, token)
    if subscription is None:
        return render(request, "statuspage/invalid.html", status=404)
    if request.method == "POST":
        try:
            subscription = services.confirm(subscription)
        except services.SubscriptionError as refused:
            return render(request, "statuspage/invalid.html", {"reason": str(refused)}, status=400)
        return render(request, "statuspage/confirmed.html", {"subscription": subscription})
    return render(request, "statuspage/confirm.html", {"subscription": subscription})


@csrf_exempt  # the signed token is the capability; mail clients post here (RFC 8058)
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """One click: the page's button, or the mail client's own (List-Unsubscribe-Post)."""
    subscription = tokens.subscription_for(tokens.UNSUBSCRIBE, token)
    if subscription is None:
        return render(request, "statuspage/invalid.html", status=404)
    done = False
    if request.method == "POST":
        subscription, done = services.unsubscribe(subscription), True
    context = {"subscription": subscription, "done": done}
    return render(request, "statuspage/unsubscribe.html", context)
