"""The detector's two doors: messages filed by the channels, cases opened by anyone.

A message filed on a case whose intent is `outage` (the triage hook, registered
before ours, has set it) is one report; so is a case opened with intent
`outage` by an advisor, the phone system or an API client. A message that opens
a case goes through both doors: the case is marked when counted on opening, and
the filing hook skips it (and counting a customer twice in a window changes
nothing anyway: the window holds distinct customers).
"""

from collections.abc import Sequence

from filrouge.cases.models import Case, Intent
from filrouge.channels.filing import Filed
from filrouge.core.clock import now
from filrouge.detection.services import Report, record_reports
from filrouge.partners.models import on_a_partners_file

_COUNTED = "_detection_counted"


def count_filed(items: Sequence[Filed]) -> None:
    record_reports(
        [
            Report(
                at=item.inbound.received_at or now(),
                customer_id=item.case.customer_id,
                case_id=item.case.pk,
                line_id=item.case.line_id,
            )
            for item in items
            if item.case.intent == Intent.OUTAGE and not getattr(item.case, _COUNTED, False)
        ]
    )


def count_opened(cases: Sequence[Case]) -> None:
    reports = []
    for case in cases:
        if case.intent == Intent.OUTAGE and not on_a_partners_file(case):
            setattr(case, _COUNTED, True)
            reports.append(
                Report(
                    at=case.created_at,
                    customer_id=case.customer_id,
                    case_id=case.pk,
                    line_id=case.line_id,
                )
            )
    record_reports(reports)
