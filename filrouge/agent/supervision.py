"""The supervisors' view of the channels: what waits, what failed, what died, and a retry.

Team leads and supervisors see it (the dead letters are theirs to act on); a
retry puts failed messages back through processing and dead answers back into
delivery, each through the channels' own services.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from filrouge.accounts.models import Agent
from filrouge.channels import selectors
from filrouge.channels.services import retry_deliveries, retry_inbound

SUPERVISING = {Agent.Role.LEAD, Agent.Role.SUPERVISOR}


def can_supervise(agent: Agent) -> bool:
    return agent.role in SUPERVISING or agent.is_superuser


def _supervisor(request: HttpRequest) -> None:
    if not can_supervise(request.user):
        raise PermissionDenied(_("This page is for team leads and supervisors."))


@never_cache
@login_required
@require_GET
def channels(request: HttpRequest) -> HttpResponse:
    _supervisor(request)
    context = {
        "backlog": selectors.backlog(),
        "failed": selectors.failed_inbound(),
        "dead": selectors.dead_deliveries(),
    }
    return render(request, "agent/supervision.html", context)


def _ids(request: HttpRequest) -> list[int]:
    return [int(v) for v in request.POST.getlist("ids") if v.isdigit()]


@login_required
@require_POST
def retry(request: HttpRequest, kind: str) -> HttpResponse:
    _supervisor(request)
    ids = _ids(request)
    if not ids:
        messages.error(request, _("Tick at least one message to try again."))
    elif kind == "inbound":
        count = retry_inbound(ids)
        messages.success(
            request,
            ngettext(
                "%(count)d message queued for processing.",
                "%(count)d messages queued for processing.",
                count,
            )
            % {"count": count},
        )
    else:
        count = retry_deliveries(ids)
        messages.success(
            request,
            ngettext(
                "%(count)d answer queued for delivery.",
                "%(count)d answers queued for delivery.",
                count,
            )
            % {"count": count},
        )
    return redirect("agent:supervision")
