"""Cases an incident explains: linked, put on hold while the network is repaired, let go.

Linking is set-based — a few queries whatever the number of cases — because one
cut cable can touch thousands of open cases: the cases are locked and read in one
query, their links and timeline events inserted in bulk, and their status, version
and `updated_at` moved in one UPDATE. The events are written as `record_event`
writes them (same fields), but not handed to notifications one by one: the
customer hears of the incident once, by its notice (`fanout`), instead of three
messages (linked, on hold, the update itself).

A case opened later on an affected line is linked by the `cases.hooks` hook and
told at once, on the channel it came from, what we know (the latest update and
the estimated restoration).

A customer who texts "no more internet" often opens a case with no line on it
(an SMS names no line). Such a case is linked through the customer's **active
line** under the incident's elements when its intent is `outage` — set by the
channels' first guess or by triage — and the case takes that line (so its
tracking page shows the incident and, later, the compensation). Three doors,
so that no order of events misses it:

1. declaring or updating an incident (`link_affected_cases`): one locking query
   finds the cases on an affected line *or* line-less outage cases of a
   customer with an affected active line; one UPDATE sets their lines;
2. opening a case with intent `outage` (`link_new_cases`, a `cases.hooks` hook);
3. filing a message whose case triage has just read as `outage`
   (`link_filed`, a `channels.filing` hook registered with `last=True` so it runs
   after triage whatever the order of the apps).

On resolution the held cases go back to **in progress**, not resolved: the repair
of the network ends the wait, not necessarily the customer's problem (a box to
restart, a second fault on the same line — story C4), so an advisor checks with
the customer and resolves the case with them.
"""

import logging
from collections.abc import Collection, Sequence
from datetime import datetime
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from filrouge.accounts.models import Agent
from filrouge.cases.models import ACTIVE_STATUSES, Case, Event, Intent, Status
from filrouge.cases.services import CaseError, change_status, record_contact, record_event
from filrouge.core.clock import now
from filrouge.customers.models import Line
from filrouge.incidents import selectors
from filrouge.incidents.models import Incident, IncidentCase, IncidentUpdate
from filrouge.partners.models import on_a_partners_file

logger = logging.getLogger(__name__)
PUBLIC = Event.Visibility.PUBLIC
INTERNAL = Event.Visibility.INTERNAL
HELD_REASON = "waiting_network"
AUTO_NOTICE = "incident_known"  # `data["auto"]` of the message telling a new case
_CHECKED = "_incidents_checked"  # set on a case `link_new_cases` has looked at


def link_affected_cases(incident: Incident, *, by: Agent | None = None) -> int:
    """Link every active case on an affected line not linked yet (nor unlinked by an advisor),
    and every active outage case without a line whose customer has an affected active line
    (which becomes the case's line)."""
    elements = selectors.affected_elements(incident)
    affected = Line.objects.filter(network_element__in=elements)
    customer_line = Line.objects.filter(
        customer_id=OuterRef("customer_id"), status=Line.Status.ACTIVE, network_element__in=elements
    )
    cases = list(
        Case.objects.select_for_update()
        .filter(status__in=ACTIVE_STATUSES)
        .filter(
            Q(line_id__in=affected.values("pk"))
            | Q(line__isnull=True, intent=Intent.OUTAGE) & Q(Exists(customer_line))
        )
        .exclude(pk__in=IncidentCase.objects.filter(incident=incident).values("case_id"))
        .only("pk", "customer_id", "status", "version", "line_id")
        .order_by("pk")
    )
    lineless = [c.pk for c in cases if c.line_id is None]
    if lineless:  # one UPDATE: each case takes its customer's affected line
        Case.objects.filter(pk__in=lineless).update(
            line_id=Subquery(customer_line.order_by("pk").values("pk")[:1])
        )
    _link(incident, cases, by=by, at=now(), via_customer=set(lineless))
    return len(cases)


def _link(
    incident: Incident,
    cases: Sequence[Case],
    *,
    by: Agent | None,
    at: datetime,
    via_customer: Collection[int] = (),
) -> None:
    if not cases:
        return
    IncidentCase.objects.bulk_create(
        [
            IncidentCase(
                incident=incident, case=c, linked_at=at, held_by_link=c.status != Status.HELD
            )
            for c in cases
        ],
        ignore_conflicts=True,
    )
    events: list[Event] = []
    for case in cases:
        data = {"incident": incident.pk, "reference": incident.reference, "title": incident.title}
        if case.pk in via_customer:
            data["via"] = "customer_line"  # the case had no line: the customer's affected one
        events.append(_event(case, Event.Kind.INCIDENT_LINKED, by, at, data))
        for before, after in _path_to_held(case.status):
            reason = HELD_REASON if after == Status.HELD else "incident_linked"
            data = {"from": before, "to": after, "reason": reason}
            events.append(_event(case, Event.Kind.STATUS_CHANGED, by, at, data))
    Event.objects.bulk_create(events)
    # One change per case (the version moves once, as for any service call).
    Case.objects.filter(pk__in=[c.pk for c in cases]).update(
        status=Status.HELD, version=F("version") + 1, updated_at=at
    )


def _path_to_held(status: str) -> list[tuple[str, str]]:
    """The allowed steps (`cases.models.TRANSITIONS`) from `status` to held, as events."""
    if status == Status.HELD:
        return []  # already waiting (on a partner, say): linked, left held (`held_by_link`)
    if status == Status.IN_PROGRESS:
        return [(Status.IN_PROGRESS, Status.HELD)]
    return [(status, Status.IN_PROGRESS), (Status.IN_PROGRESS, Status.HELD)]


def _event(case: Case, kind: str, by: Agent | None, at: datetime, data: dict[str, Any]) -> Event:
    return Event(
        case_id=case.pk,
        customer_id=case.customer_id,
        kind=kind,
        visibility=PUBLIC,
        actor=by,
        actor_label="" if by else "system",
        data=data,
        created_at=at,
    )


def release_held_cases(
    incident: Incident, *, by: Agent | None = None, at: datetime | None = None
) -> int:
    """On resolution: the linked cases held for the network go back to in progress (a
    case already held when linked, for a partner say, stays held: it still waits)."""
    at = at or now()
    held = list(
        Case.objects.select_for_update()
        .filter(
            status=Status.HELD,
            incident_links__incident=incident,
            incident_links__unlinked_at__isnull=True,
            incident_links__held_by_link=True,
        )
        .only("pk", "customer_id")
        .order_by("pk")
    )
    data = {"from": Status.HELD, "to": Status.IN_PROGRESS, "reason": "incident_resolved"}
    Event.objects.bulk_create([_event(c, Event.Kind.STATUS_CHANGED, by, at, data) for c in held])
    Case.objects.filter(pk__in=[c.pk for c in held]).update(
        status=Status.IN_PROGRESS, version=F("version") + 1, updated_at=at
    )
    return len(held)


@transaction.atomic
def unlink_case(case: Case, *, by: Agent, reason: str = "new_intervention_needed") -> IncidentCase:
    """The case is another problem (story C4): unlinked, and back in its queue if the link
    had put it on hold (held for a partner before, it still waits on the partner)."""
    link = (
        IncidentCase.objects.select_for_update()
        .select_related("incident")
        .filter(case=case, unlinked_at__isnull=True)
        .order_by("-linked_at")
        .first()
    )
    if link is None:
        raise CaseError(_("This case is not linked to a network incident."))
    at = now()
    link.unlinked_at, link.unlinked_by, link.unlink_reason = at, by, reason
    link.save(update_fields=["unlinked_at", "unlinked_by", "unlink_reason"])
    case = Case.objects.get(pk=case.pk)
    record_event(
        case,
        kind=Event.Kind.INCIDENT_UNLINKED,
        visibility=INTERNAL,
        actor=by,
        data={"incident": link.incident_id, "reference": link.incident.reference, "reason": reason},
        at=at,
    )
    if case.status == Status.HELD and link.held_by_link:
        change_status(case, to=Status.IN_PROGRESS, by=by, reason=reason)
    return link


def link_new_cases(cases: Sequence[Case]) -> list[Case]:
    """`cases.hooks.on_case_opened`: a case opened on an affected line is linked and told; so is
    an outage case without a line from a customer whose active line is affected (the case
    takes that line). Returns the cases linked."""
    wanted = [
        c for c in cases if c.status in ACTIVE_STATUSES and (c.line_id or c.intent == Intent.OUTAGE)
    ]
    if not wanted:
        return []
    for case in wanted:  # the filing hook (`link_filed`) need not look at them again
        setattr(case, _CHECKED, True)
    line_ids = {c.line_id for c in wanted if c.line_id}
    # A partner's own ticket (TMF621) is on its file, which has no line: nothing to look up.
    customers = {c.customer_id for c in wanted if not c.line_id and not on_a_partners_file(c)}
    if not line_ids and not customers:
        return []
    lines = list(
        Line.objects.filter(
            Q(pk__in=line_ids)
            | Q(customer_id__in=customers, status=Line.Status.ACTIVE, network_element__isnull=False)
        )
        .select_related("network_element")
        .order_by("pk")
    )
    found = selectors.open_incidents_for_lines(lines)
    if not found:
        return []
    hit_of_customer: dict[int, int] = {}  # customer → their first active line under an incident
    for line in lines:
        if line.customer_id in customers and line.pk in found:
            hit_of_customer.setdefault(line.customer_id, line.pk)
    hits: list[tuple[Case, int]] = []  # (case, the affected line it is linked through)
    for case in wanted:
        line_id = case.line_id or hit_of_customer.get(case.customer_id)
        if line_id is not None and line_id in found:
            hits.append((case, line_id))
    if not hits:
        return []
    known = set(
        IncidentCase.objects.filter(case_id__in=[c.pk for c, _l in hits]).values_list(
            "incident_id", "case_id"
        )
    )  # linked already, or unlinked by an advisor: left alone
    hits = [(c, line_id) for c, line_id in hits if (found[line_id].pk, c.pk) not in known]
    via = {c.pk: line_id for c, line_id in hits if not c.line_id}
    if via:  # the case names the line the incident hits
        Case.objects.bulk_update([Case(pk=pk, line_id=line) for pk, line in via.items()], ["line"])
    incidents = {i.pk: i for i in found.values()}
    by_incident: dict[int, list[Case]] = {}
    for case, line_id in hits:
        by_incident.setdefault(found[line_id].pk, []).append(case)
    at = now()
    linked: list[Case] = []
    for incident_id, opened in by_incident.items():
        rows = list(
            Case.objects.select_for_update(no_key=True)
            .filter(pk__in=[c.pk for c in opened])
            .only("pk", "customer_id", "status", "version")
            .order_by("pk")
        )
        _link(incidents[incident_id], rows, by=None, at=at, via_customer=via.keys())
        for case in opened:
            case.refresh_from_db()
            tell_new_case(case, incidents[incident_id])
            linked.append(case)
    return linked


def link_filed(items: Sequence[Any]) -> None:
    """`channels.filing` hook, run last (after triage has read the message and set the intent):
    a case that became an outage case is linked like a case opened with that intent. Cases
    the opening hook already looked at (opened with a line, or as outage) cost nothing."""
    cases = {
        f.case.pk: f.case
        for f in items
        if f.case.intent == Intent.OUTAGE and not getattr(f.case, _CHECKED, False)
    }
    if cases:
        link_new_cases(list(cases.values()))


def tell_new_case(case: Case, incident: Incident) -> Event | None:
    """Tell the customer, on the channel they used (else their usual one), what we know."""
    from filrouge.channels.services import SENDERS
    from filrouge.channels.tasks import deliver_outbound
    from filrouge.notifications import reach

    channel = case.channel
    if channel not in SENDERS:
        route = reach.route(case.customer)
        if route is None:
            return None
        channel = route.channel
    latest = incident.updates.order_by("-published_at", "-pk").first()
    with translation.override(settings.LANGUAGE_CODE):
        body = known_incident_text(incident, latest)
    prepare, _send = SENDERS[channel]
    try:
        with transaction.atomic():
            event = record_contact(
                case,
                kind=Event.Kind.MESSAGE_OUT,
                channel=channel,
                data={"body": body, "auto": AUTO_NOTICE, "incident": incident.pk},
                actor_label="system",
                reopen=False,
            )
            outbound = prepare(case, event)
    except CaseError as exc:  # no address on that channel, STOP...: the banner says it all
        logger.info("Incident not told on %s: %s", case.reference, exc)
        return None
    transaction.on_commit(partial(deliver_outbound.enqueue, outbound.pk))
    return event


def known_incident_text(incident: Incident, update: IncidentUpdate | None) -> str:
    lines = [
        _(
            "Hello, your line is affected by a network incident we already know of "
            "(%(reference)s): our teams are on it, you have nothing to do."
        )
        % {"reference": incident.reference}
    ]
    if update is not None:
        lines.append(_("Latest news: %(text)s") % {"text": update.text})
        if update.eta:
            eta = formats.date_format(timezone.localtime(update.eta), "DATETIME_FORMAT")
            lines.append(_("Service expected back by %(eta)s.") % {"eta": eta})
    lines.append(_("We will keep you informed on this case."))
    return "\n".join(lines)
