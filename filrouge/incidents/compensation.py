"""What each affected line is owed when an incident is resolved (story C5: billed while cut off).

The outage of a line runs from the incident's start to its resolution. It is
counted in **full calendar days in Europe/Paris**: the days from the first Paris
midnight after the start to the last Paris midnight before the end. Counting dates,
not 24-hour periods, keeps the count right across the changes of time (a Paris day
lasts 23 or 25 hours twice a year) — a cut from Saturday 00:00 to Monday 00:00 is two
days whether or not the clocks moved that weekend.

The offer's rule (`CompensationRule`, per product) gives a thirtieth of the monthly
price per full day beyond `free_days`, at least `minimum` once anything is due, and
lets a line cut more than `termination_days` full days terminate without fees.
"""

import csv
import io
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.db.models import QuerySet

from filrouge.cases.models import Event
from filrouge.core.clock import now
from filrouge.incidents import selectors
from filrouge.incidents.models import (
    CompensationProposal,
    CompensationRule,
    Incident,
    IncidentCase,
)

PARIS = ZoneInfo("Europe/Paris")
DAYS_PER_MONTH = Decimal(30)
CENT = Decimal("0.01")


def full_days(start: datetime, end: datetime) -> int:
    """Whole Paris calendar days inside [start, end]."""
    if end <= start:
        return 0
    first = start.astimezone(PARIS)
    first_day: date = first.date()
    if first.timetz().replace(tzinfo=None) != time(0):
        first_day += timedelta(days=1)  # the day it started on is not a full day
    last_day: date = end.astimezone(PARIS).date()  # midnight starting the end's day
    return max(0, (last_day - first_day).days)


def amount(rule: CompensationRule, days: int) -> Decimal:
    owed = max(0, days - rule.free_days)
    if owed == 0:
        return Decimal("0.00")
    value = (rule.monthly_price * owed / DAYS_PER_MONTH).quantize(CENT, ROUND_HALF_UP)
    return max(value, rule.minimum)


def propose(incident: Incident) -> int:
    """One proposal per affected active line whose offer has a rule (call on resolution)."""
    end = incident.resolved_at or now()
    days = full_days(incident.started_at, end)
    rules = {r.product: r for r in CompensationRule.objects.all()}
    lines = (
        selectors.affected_lines(incident)
        .filter(product__in=list(rules))
        .only("pk", "customer_id", "product")
    )
    at = now()
    proposals = [
        CompensationProposal(
            incident=incident,
            line_id=line.pk,
            customer_id=line.customer_id,
            product=line.product,
            outage_start=incident.started_at,
            outage_end=end,
            full_days=days,
            monthly_price=rules[line.product].monthly_price,
            free_days=rules[line.product].free_days,
            amount=amount(rules[line.product], days),
            may_terminate=days > rules[line.product].termination_days,
            created_at=at,
        )
        for line in lines
    ]
    CompensationProposal.objects.bulk_create(proposals, ignore_conflicts=True, batch_size=2000)
    _record_on_cases(incident, at=at)
    return len(proposals)


def _record_on_cases(incident: Incident, *, at: datetime) -> None:
    """A COMPENSATION_PROPOSED event on each linked case of a line with a proposal."""
    owed = {
        p.line_id: p for p in CompensationProposal.objects.filter(incident=incident, amount__gt=0)
    }
    links = IncidentCase.objects.filter(
        incident=incident, unlinked_at__isnull=True, case__line_id__in=list(owed)
    ).select_related("case")
    events = []
    for link in links:
        p = owed[link.case.line_id]
        events.append(
            Event(
                case_id=link.case_id,
                customer_id=link.case.customer_id,
                kind=Event.Kind.COMPENSATION_PROPOSED,
                visibility=Event.Visibility.PUBLIC,
                actor_label="system",
                data={
                    "incident": incident.pk,
                    "reference": incident.reference,
                    "amount": str(p.amount),
                    "days": p.full_days,
                    "may_terminate": p.may_terminate,
                },
                created_at=at,
            )
        )
    Event.objects.bulk_create(events, batch_size=2000)


def proposals(incident: Incident) -> QuerySet[CompensationProposal]:
    return CompensationProposal.objects.filter(incident=incident).select_related("line", "customer")


CSV_HEADER = [
    "incident",
    "account_number",
    "line_number",
    "offer",
    "without_service_from",
    "without_service_until",
    "full_days",
    "monthly_price_eur",
    "free_days",
    "amount_eur",
    "may_terminate_without_fees",
]


def csv_export(incident: Incident) -> str:
    """For billing: one row per line, amounts with a dot, times in ISO 8601 (UTC)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for p in proposals(incident).order_by("customer__account_number", "line__number"):
        writer.writerow(
            [
                incident.reference,
                p.customer.account_number,
                p.line.number,
                p.product,
                p.outage_start.isoformat(),
                p.outage_end.isoformat(),
                p.full_days,
                f"{p.monthly_price:.2f}",
                p.free_days,
                f"{p.amount:.2f}",
                "yes" if p.may_terminate else "no",
            ]
        )
    return out.getvalue()
