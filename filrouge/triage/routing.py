"""What an analysis changes on a case: intent, team, priority, owner. Documented, testable rules.

1. **Intent** — a *new* case takes the intent read on its first message when
   the model is at least `INTENT_CONFIDENCE` sure (an existing case keeps its
   intent: an advisor may have set it; they correct it in one click).
2. **Team** — a case without a team gets the first existing team of its
   intent's list (`TEAMS`, overridable by `FILROUGE_TRIAGE_TEAMS`); a churn
   threat sends it to retention (`fidelisation`) first.
3. **Priority** (only ever raised, never lowered by a machine):
   - churn threat, frustration 3 or a threat to go public → at least High;
   - the customer's 3rd message on the same case → at least High, 5th → Urgent;
   - "needs a new intervention" on a case already linked to an incident → at least
     High (story C4: it must not be absorbed by the incident).
4. **Owner** — churn threat or frustration 3 on a case nobody owns → the
   team's lead, a named senior person, rather than the shared queue. An owned
   case keeps its owner (the priority tells them).

`decide` is pure (the case as read, the analysis, the message count); `apply`
writes a whole batch's decisions in a few queries.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Count

from filrouge.accounts.models import Team
from filrouge.cases.models import Case, Event, Intent, Priority
from filrouge.core.bulk import bulk_insert, bulk_set

if TYPE_CHECKING:
    from filrouge.triage.analysis import Analysis

INTENT_CONFIDENCE = 0.45
TEAMS: dict[str, tuple[str, ...]] = {
    "outage": ("support-fibre", "service-clients"),
    "equipment": ("support-fibre", "service-clients"),
    "appointment": ("support-fibre", "service-clients"),
    "billing": ("litiges", "service-clients"),
    "complaint": ("service-clients",),
    "cancellation": ("fidelisation", "service-clients"),
    "move": ("service-clients",),
    "delivery": ("service-clients",),
    "sales": ("service-clients",),
    "followup": ("service-clients",),
    "other": ("service-clients",),
}
CHURN_TEAMS = ("fidelisation", "service-clients")
REPEATED_HIGH, REPEATED_URGENT = 3, 5

# What `apply` may change on a case, written together for the batch.
CHANGED_FIELDS = ["intent", "team", "owner", "priority", "version", "updated_at"]


@dataclass
class Decision:
    intent: str | None = None
    team_slugs: tuple[str, ...] = ()
    priority: int | None = None
    senior_owner: bool = False
    why: list[str] = field(default_factory=list)


def teams_for(intent: str) -> tuple[str, ...]:
    table = {**TEAMS, **getattr(settings, "FILROUGE_TRIAGE_TEAMS", {})}
    return tuple(table.get(intent, table["other"]))


def decide(
    case: Case, analysis: "Analysis", *, new_case: bool, messages: int, linked: bool = False
) -> Decision:
    d = Decision()
    intent = case.intent
    if new_case and analysis.confidence >= INTENT_CONFIDENCE and analysis.intent != case.intent:
        d.intent = intent = analysis.intent
        d.why.append("intent")
    if case.team_id is None:
        d.team_slugs = CHURN_TEAMS if analysis.churn_threat else teams_for(intent)
        d.why.append("team_churn" if analysis.churn_threat else "team_intent")
    floor = case.priority
    if analysis.churn_threat:
        floor = max(floor, Priority.HIGH)
        d.why.append("churn")
    if analysis.frustration >= 3:
        floor = max(floor, Priority.HIGH)
        d.why.append("frustration")
    if analysis.escalation_threat:
        floor = max(floor, Priority.HIGH)
        d.why.append("escalation")
    if messages >= REPEATED_URGENT:
        floor = max(floor, Priority.URGENT)
        d.why.append("repeated")
    elif messages >= REPEATED_HIGH:
        floor = max(floor, Priority.HIGH)
        d.why.append("repeated")
    if analysis.new_intervention and linked:
        floor = max(floor, Priority.HIGH)
        d.why.append("new_intervention")
    if floor > case.priority:
        d.priority = floor
    if (analysis.churn_threat or analysis.frustration >= 3) and case.owner_id is None:
        d.senior_owner = True
        d.why.append("senior_owner")
    return d


def message_counts(case_ids: Sequence[int]) -> dict[int, int]:
    """Customer messages on each case (this one included): one grouped query."""
    rows = (
        Event.objects.filter(case_id__in=case_ids, kind=Event.Kind.MESSAGE_IN)
        .values("case_id")
        .annotate(n=Count("pk"))
    )
    return {r["case_id"]: r["n"] for r in rows}


def linked_case_ids(case_ids: Sequence[int]) -> set[int]:
    from filrouge.incidents.models import CLOSED_STATUSES, IncidentCase

    return set(
        IncidentCase.objects.filter(case_id__in=case_ids, unlinked_at__isnull=True)
        .exclude(incident__status__in=CLOSED_STATUSES)
        .values_list("case_id", flat=True)
    )


def apply(decisions: dict[int, Decision], *, at) -> dict[int, dict]:
    """Write every case's decision (a handful of queries for the batch); returns what changed
    per case id, for the TRIAGED event."""
    if not decisions:
        return {}
    slugs = {s for d in decisions.values() for s in d.team_slugs}
    teams = {t.slug: t for t in Team.objects.filter(slug__in=slugs).select_related("lead")}
    cases = {
        c.pk: c
        for c in Case.objects.select_for_update(no_key=True)
        .filter(pk__in=decisions)
        .only("pk", "customer_id", "intent", "team_id", "owner_id", "priority", "version")
    }
    changed: dict[int, dict] = {}
    events: list[Event] = []
    for pk, d in decisions.items():
        case = cases.get(pk)
        if case is None:
            continue
        fields: dict = {}
        if d.intent and d.intent in Intent.values and case.intent != d.intent:
            fields["intent"] = d.intent
        team = next((teams[s] for s in d.team_slugs if s in teams), None)
        if team is not None and case.team_id is None:
            fields["team_id"] = team.pk
        if d.priority and d.priority > case.priority:
            fields["priority"] = d.priority
            events.append(
                _event(
                    case,
                    Event.Kind.PRIORITY_CHANGED,
                    at,
                    {"from": case.priority, "to": d.priority, "why": "triage"},
                )
            )
        if d.senior_owner and case.owner_id is None:
            lead_team = team or (
                Team.objects.select_related("lead").filter(pk=case.team_id).first()
                if case.team_id
                else None
            )
            lead = lead_team.lead if lead_team else None
            if lead is not None:
                fields["owner_id"] = lead.pk
                events.append(
                    _event(
                        case,
                        Event.Kind.ASSIGNED,
                        at,
                        {"to": lead.pk, "to_name": lead.display_name, "why": "triage_senior"},
                    )
                )
        if fields:
            changed[pk] = fields
    # Set-based: one UPDATE for the batch (`bulk_set`), each changed case's new values
    # over those read under the lock above, its version one up.
    for pk, fields in changed.items():
        case = cases[pk]
        for name, value in fields.items():
            setattr(case, name, value)
        case.version += 1
        case.updated_at = at
    bulk_set([cases[pk] for pk in changed], CHANGED_FIELDS)
    if events:
        bulk_insert(events)
    return {pk: {k.removesuffix("_id"): v for k, v in f.items()} for pk, f in changed.items()}


def _event(case: Case, kind: str, at, data: dict) -> Event:
    return Event(
        case_id=case.pk,
        customer_id=case.customer_id,
        kind=kind,
        visibility=Event.Visibility.INTERNAL,
        actor_label="system",
        data=data,
        created_at=at,
    )
