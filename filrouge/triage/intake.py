"""Every filed inbound message is read, its case routed, and the reading kept on the timeline.

`triage_filed` is registered with `channels.filing` (see apps.py). For a batch
of filed messages it: analyses them all at once (`analyse_many`), reads the
message counts and incident links of their cases in two grouped queries,
decides and writes the routing (`routing.apply`), records one internal
`triaged` event per message with the reading and the phrases behind it, and
acknowledges automatically a customer who writes on an existing case during
a known incident on their line — once per incident update (`acknowledge`).

A failure of the reading is logged and the filing goes on: a message must
never be lost, or retried for ever, because triage could not read it.
"""

import logging
from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from filrouge.cases.models import Event
from filrouge.cases.services import CaseError, record_contact
from filrouge.channels.filing import Filed
from filrouge.core.clock import now
from filrouge.triage import routing
from filrouge.triage.models import AutoAcknowledgement

if TYPE_CHECKING:
    from filrouge.triage.analysis import Analysis

logger = logging.getLogger(__name__)
AUTO_ACK = "triage_incident_ack"  # `data["auto"]` of the automatic acknowledgement
ACK_INTENTS = frozenset({"outage", "followup", "complaint"})


def triage_filed(items: Sequence[Filed]) -> None:
    if not items:
        return
    # Imported here: NumPy and scikit-learn load with the first message, not with every command.
    from filrouge.triage.analysis import Item, analyse_many

    try:
        analyses = analyse_many(
            [
                Item(
                    f.text, f.channel, f.message.is_public, f.event.created_at if f.event else None
                )
                for f in items
            ]
        )
    except Exception:  # the message is filed all the same; the log says why it was not read
        logger.exception("Triage could not read %d filed message(s)", len(items))
        return
    record(items, analyses)
    acknowledge(items, analyses)


def record(items: Sequence[Filed], analyses: "Sequence[Analysis]") -> list[Event]:
    case_ids = list({f.case.pk for f in items})
    counts = routing.message_counts(case_ids)
    linked = routing.linked_case_ids(case_ids)
    decisions: dict[int, routing.Decision] = {}
    for filed, analysis in zip(items, analyses, strict=True):
        decisions[filed.case.pk] = routing.decide(
            filed.case,
            analysis,
            new_case=filed.new_case,
            messages=counts.get(filed.case.pk, 1),
            linked=filed.case.pk in linked,
        )
    at = now()
    changed = routing.apply(decisions, at=at)
    for filed in items:  # hooks after ours (the detector) read the case as it now is
        for name, value in changed.get(filed.case.pk, {}).items():
            setattr(filed.case, f"{name}_id" if name in ("team", "owner") else name, value)
    for pk, decision in decisions.items():  # say only what was done (a team may not exist)
        done = changed.get(pk, {})
        needs = {
            "intent": "intent",
            "team_churn": "team",
            "team_intent": "team",
            "senior_owner": "owner",
        }
        decision.why = [w for w in decision.why if w not in needs or needs[w] in done]
    events = [
        Event(
            case_id=filed.case.pk,
            customer_id=filed.case.customer_id,
            kind=Event.Kind.TRIAGED,
            visibility=Event.Visibility.INTERNAL,
            actor_label="system",
            channel=filed.channel,
            data=event_data(filed, analysis, decisions[filed.case.pk], changed.get(filed.case.pk)),
            created_at=at,
        )
        for filed, analysis in zip(items, analyses, strict=True)
    ]
    return Event.objects.bulk_create(events)


def event_data(
    filed: Filed, a: "Analysis", decision: routing.Decision, changed: dict | None
) -> dict:
    return {
        "message": filed.event.pk if filed.event else None,
        **_reading(a),
        "why": decision.why,
        "changed": changed or {},
    }


def acknowledge(items: Sequence[Filed], analyses: "Sequence[Analysis]") -> list[Event]:
    """Messages on existing cases during a known incident on the line: one automatic answer per
    case and incident update. New cases are told by the incidents app when they open; a message
    saying the fix did not work or that it is another fault ("new intervention") goes to a person.
    """
    from filrouge.channels.services import SENDERS
    from filrouge.incidents.models import IncidentCase
    from filrouge.incidents.selectors import open_incident_for_line

    sent = []
    for filed, analysis in zip(items, analyses, strict=True):
        case = filed.case
        if filed.new_case or analysis.new_intervention or case.line_id is None:
            continue
        if analysis.intent not in ACK_INTENTS and "outage" not in analysis.secondary:
            continue
        if filed.channel not in SENDERS:
            continue
        incident = open_incident_for_line(case.line)
        if incident is None:
            continue
        if IncidentCase.objects.filter(
            incident=incident, case=case, unlinked_at__isnull=False
        ).exists():  # an advisor said this case is another problem
            continue
        update = incident.updates.first()
        key = f"{incident.pk}:{update.pk if update else 0}"
        if AutoAcknowledgement.objects.filter(case=case, key=key).exists():
            continue
        event = _send(case, filed.channel, incident, update, key, SENDERS)
        if event is not None:
            sent.append(event)
    return sent


def _send(case, channel, incident, update, key, senders) -> Event | None:
    from filrouge.channels.tasks import deliver_outbound

    with translation.override(settings.LANGUAGE_CODE):
        body = acknowledgement_text(incident, update)
    prepare, _deliver = senders[channel]
    try:
        with transaction.atomic():
            event = record_contact(
                case,
                kind=Event.Kind.MESSAGE_OUT,
                channel=channel,
                data={
                    "body": body,
                    "auto": AUTO_ACK,
                    "incident": incident.pk,
                    "update": update.pk if update else None,
                },
                actor_label="system",
                reopen=False,
            )
            AutoAcknowledgement.objects.create(
                case=case, incident=incident, update=update, key=key, event=event, created_at=now()
            )
            outbound = prepare(case, event)
    except (CaseError, IntegrityError) as exc:  # no address, STOP, or sent meanwhile
        logger.info("No automatic acknowledgement on %s: %s", case.reference, exc)
        return None
    transaction.on_commit(partial(deliver_outbound.enqueue, outbound.pk))
    return event


def acknowledgement_text(incident, update) -> str:
    lines = [
        _(
            "Hello, we have your message. Your line is affected by a network incident we know "
            "of (%(reference)s: %(title)s) and our teams are on it."
        )
        % {"reference": incident.reference, "title": incident.title}
    ]
    if update is not None:
        lines.append(_("Latest news: %(text)s") % {"text": update.text})
        if update.eta:
            eta = formats.date_format(timezone.localtime(update.eta), "DATETIME_FORMAT")
            lines.append(_("Service expected back by %(eta)s.") % {"eta": eta})
    lines.append(
        _(
            "An advisor reads your message too: if it is about something else, or the problem "
            "came back after a repair, they will answer you."
        )
    )
    return "\n".join(lines)


def backfill(*, batch: int = 1_000, limit: int | None = None) -> int:
    """Read the customer messages no triage has read yet (the demo writes its timelines in bulk,
    without the channels): one `triaged` event each, the reading only — old cases keep their
    team, owner and priority. Returns how many were read."""
    from filrouge.triage.analysis import Item, analyse_many

    done, last = 0, 0
    while limit is None or done < limit:
        rows = list(
            Event.objects.filter(kind=Event.Kind.MESSAGE_IN, case__isnull=False, pk__gt=last)
            .order_by("pk")
            .values("pk", "case_id", "customer_id", "channel", "data", "created_at")[:batch]
        )
        if not rows:
            break
        last = rows[-1]["pk"]
        read = set(
            Event.objects.filter(
                kind=Event.Kind.TRIAGED, case_id__in={r["case_id"] for r in rows}
            ).values_list("data__message", flat=True)
        )
        rows = [r for r in rows if r["pk"] not in read]
        if limit is not None:
            rows = rows[: limit - done]
        if not rows:
            continue
        analyses = analyse_many(
            [
                Item(str(r["data"].get("body", "")), r["channel"], None, r["created_at"])
                for r in rows
            ]
        )
        Event.objects.bulk_create(
            Event(
                case_id=r["case_id"],
                customer_id=r["customer_id"],
                kind=Event.Kind.TRIAGED,
                visibility=Event.Visibility.INTERNAL,
                actor_label="system",
                channel=r["channel"],
                data={**_reading(a), "message": r["pk"], "why": [], "changed": {}},
                created_at=r["created_at"],
            )
            for r, a in zip(rows, analyses, strict=True)
        )
        done += len(rows)
    return done


def _reading(a: "Analysis") -> dict:
    return {
        "intent": a.intent,
        "confidence": a.confidence,
        "intents": a.intents,
        "secondary": a.secondary,
        "frustration": a.frustration,
        "churn": a.churn_threat,
        "escalation": a.escalation_threat,
        "new_intervention": a.new_intervention,
        "triggers": a.triggers,
        "entities": a.entities,
        "public_pii": a.public_pii,
        "model": a.model_version,
    }
