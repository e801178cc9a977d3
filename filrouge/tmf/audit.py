"""Every call a partner makes to the TMF API is written down: who, what, the answer, when."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from filrouge.core.clock import now
from filrouge.core.compiled import insert_one
from filrouge.tmf.models import PartnerCall

PREFIX = "/tmf-api/"


class PartnerCallAudit:
    """A `PartnerCall` row for each request the TMF API authenticated as a partner's,
    whatever the answer (refusals included); calls with a key nobody holds are kept too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith(PREFIX):
            partner = getattr(request, "tmf_partner", None)
            key = request.headers.get("Authorization", "")
            if partner is not None or (response.status_code == 401 and "fp_" in key):
                insert_one(
                    PartnerCall(
                        partner=partner,
                        method=request.method or "",
                        path=request.get_full_path()[:300],
                        status=response.status_code,
                        at=now(),
                    )
                )
        return response
