"""The unsubscribe page linked from every non-essential notification. No account needed:
the signed token is the capability. GET only shows; the change needs the form's POST."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from filrouge.notifications import links, services
from filrouge.notifications.models import Preference

ACTIONS = {"unsubscribe": services.unsubscribe, "resubscribe": services.resubscribe}


@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    customer = links.customer_for(token)
    if customer is None:
        return render(request, "notifications/invalid_link.html", status=404)
    status, done = 200, ""
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action in ACTIONS:
            ACTIONS[action](customer)
            done = action
        else:
            status = 400
    preference = Preference.objects.filter(customer=customer).first()
    context = {
        "unsubscribed_at": preference.unsubscribed_at if preference else None,
        "done": done,
        "refused": status == 400,
    }
    return render(request, "notifications/unsubscribe.html", context, status=status)
