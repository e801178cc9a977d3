"""/api/v1/partner: what partner companies (installers, infrastructure operators) send us.

Authenticated by the partner's own key (`Authorization: Bearer fp_…`, from
`filrouge partner add "<name>"`), never by an agent's token or session. A
partner reaches only the cases entrusted to it (`filrouge partner entrust`, or
"Entrust to a partner" on the case page): any other reference, existing or
not, is the same 404, so references cannot be probed.
"""

from typing import Annotated

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema
from ninja.errors import AuthenticationError
from ninja.files import UploadedFile
from ninja.responses import Status as Reply
from ninja.security import HttpBearer
from pydantic import ConfigDict, Field

from filrouge.api import schemas as s
from filrouge.api.errors import Invalid, NotFound
from filrouge.channels.offline.models import TechnicianOutcome
from filrouge.channels.offline.services import record_technician_report
from filrouge.partners.keys import partner_for_key
from filrouge.partners.models import Partner
from filrouge.partners.services import case_for_partner


class PartnerKey(HttpBearer):
    """`Authorization: Bearer fp_…`: a partner company's key. Anything else is a 401."""

    def __call__(self, request: HttpRequest) -> Partner:
        header = request.headers.get(self.header, "")
        scheme, _space, raw = header.partition(" ")
        partner = None
        if scheme.lower() == self.openapi_scheme and raw.strip():
            partner = self.authenticate(request, raw.strip())
        if partner is None:
            raise AuthenticationError()
        return partner

    def authenticate(self, request: HttpRequest, token: str) -> Partner | None:
        return partner_for_key(token)


router = Router(tags=["partners"], auth=PartnerKey())


class TechnicianReportIn(Schema):
    model_config = ConfigDict(extra="forbid")

    case: Annotated[str, Field(min_length=1, max_length=20), s.Storable] = Field(
        description="The case reference, e.g. FR-2026-000123."
    )
    report: s.Message = Field(description="What the technician found and did.")
    outcome: TechnicianOutcome


FORM_FIELDS = {"case", "report", "outcome"}


class TechnicianReportOut(Schema):
    id: int = Field(description="The timeline event of the report.")
    case: str
    status: str = Field(description="The case's status after the report.")
    next_step: str
    photos: int
    follow_up_case: str | None = Field(
        None,
        description="Set when the case was closed and a new intervention is needed: "
        "the follow-up case opened for it (entrusted to you too).",
    )


@router.post(
    "/technician-reports",
    response={201: TechnicianReportOut},
    summary="Send a technician's report (multipart: case, report, outcome, photos)",
)
def technician_report(
    request: HttpRequest,
    payload: Form[TechnicianReportIn],
    photos: File[list[UploadedFile]] = None,  # type: ignore[assignment]
):
    partner: Partner = request.auth  # type: ignore[attr-defined]
    unknown = (set(request.POST) - FORM_FIELDS) | (set(request.FILES) - {"photos"})
    if unknown:
        raise Invalid(_("Unknown fields: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    case = case_for_partner(partner, payload.case)
    if case is None:
        raise NotFound(
            _("No case %(reference)s among those entrusted to you.") % {"reference": payload.case}
        )
    report = record_technician_report(
        case,
        report=payload.report,
        outcome=payload.outcome,
        photos=photos or [],
        partner=partner,
    )
    return Reply(
        201,
        {
            "id": report.event.pk,
            "case": report.case.reference,
            "status": report.case.status,
            "next_step": report.case.next_step,
            "photos": len(report.event.data.get("documents", [])),
            "follow_up_case": report.follow_up.reference if report.follow_up else None,
        },
    )
