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

On resolution the held cases go back to **in progress**, not resolved: the repair
of the network ends the wait, not necessarily the customer's problem (a box to
restart, a second fault on the same line — story C4), so an advisor checks with
the customer and resolves the case with them.
"""

import logging
from collections.abc import Sequence
from datetime import datetime
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from filrouge.accounts.models import Agent
from filrouge.cases.models import ACTIVE_STATUSES, Case, Event, Status
from filrouge.cases.services import CaseError, change_status, record_contact, record_event
from filrouge.core.clock import now
from filrouge.customers.models import Line
from filrouge.incidents import selectors
from filrouge.incidents.models import Incident, IncidentCase, IncidentUpdate

logger = logging.getLogger(__name__)
PUBLIC = Event.Visibility.PUBLIC
INTERNAL = Event.Visibility.INTERNAL
HELD_REASON = "waiting_network"
AUTO_NOTICE = "incident_known"  # `data["auto"]` of the message telling a new case


def link_affected_cases(incident: Incident, *, by: Agent | None = None) -> int:
    """Link every active case on an affected line not linked yet (nor unlinked by an advisor)."""
    cases = list(
        Case.objects.select_for_update()
        .filter(
            status__in=ACTIVE_STATUSES,
            line__network_element__in=selectors.affected_elements(incident),
        )
        .exclude(incident_links__incident=incident)
        .only("pk", "customer_id", "status", "version")
        .order_by("pk")
    )
    _link(incident, cases, by=by, at=now())
    return len(cases)


def _link(incident: Incident, cases: Sequence[Case], *, by: Agent | None, at: datetime) -> None:
    if not cases:
        return
    IncidentCase.objects.bulk_create(
        [IncidentCase(incident=incident, case=c, linked_at=at) for c in cases],
        ignore_conflicts=True,
    )
    events: list[Event] = []
    for case in cases:
        events.append(
            _event(
                case,
                Event.Kind.INCIDENT_LINKED,
                by,
                at,
                {"incident": incident.pk, "reference": incident.reference, "title": incident.title},
            )
        )
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
        return []  # already waiting (on a partner, say): linked, left as it is
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


def release_held_cases(incident: Incident, *, by: Agent | None = None) -> int:
    """On resolution: the linked cases held for the network go back to in progress."""
    at = now()
    held = list(
        Case.objects.select_for_update()
        .filter(
            status=Status.HELD,
            incident_links__incident=incident,
            incident_links__unlinked_at__isnull=True,
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
    """The case is another problem (story C4): unlinked, and back in its queue if it was held."""
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
    if case.status == Status.HELD:
        change_status(case, to=Status.IN_PROGRESS, by=by, reason=reason)
    return link


def link_new_cases(cases: Sequence[Case]) -> None:
    """`cases.hooks.on_case_opened`: a case opened on an affected line is linked and told."""
    line_ids = {c.line_id for c in cases if c.line_id and c.status in ACTIVE_STATUSES}
    if not line_ids:
        return
    lines = Line.objects.filter(pk__in=line_ids).select_related("network_element")
    found = selectors.open_incidents_for_lines(list(lines))
    if not found:
        return
    at = now()
    for case in cases:
        incident = found.get(case.line_id)
        if incident is None:
            continue
        fresh = Case.objects.select_for_update().only("pk", "customer_id", "status", "version")
        case_row = fresh.get(pk=case.pk)
        _link(incident, [case_row], by=None, at=at)
        case.refresh_from_db()
        tell_new_case(case, incident)


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
