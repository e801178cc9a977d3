"""The triage card on the agent's case page.

The `case.side` slot holds a placeholder that htmx replaces with the card as
soon as the page has loaded (`slot_context` costs no query, so the case page's
query budget is untouched); the card itself (`card_context`) is one query: the
latest `triaged` event of the case, and a second one for the advisor's correction
of it, if any. The card's correction form posts with htmx and gets the card back
(`views.correct`): only the card changes, never the rest of the case page.
"""

from filrouge.cases.models import Event, Intent
from filrouge.triage.timeline import intent_label


def slot_context(case) -> dict:
    return {"case": case}


def card_context(case) -> dict | None:
    event = (
        Event.objects.filter(case_id=case.pk, kind=Event.Kind.TRIAGED)
        .order_by("-created_at", "-pk")
        .only("pk", "data", "created_at")
        .first()
    )
    if event is None:
        return None
    d = event.data
    from filrouge.triage.models import TriageCorrection

    corrected = (
        TriageCorrection.objects.filter(case_id=case.pk, event_id=d.get("message"))
        .select_related("by")
        .order_by("-pk")
        .first()
        if d.get("message")
        else None
    )
    intents = sorted(d.get("intents", {}).items(), key=lambda kv: kv[1], reverse=True)
    return {
        "case": case,
        "triage": d,
        "triage_event": event,
        "intent_label": intent_label(d.get("intent", "")),
        "top_intents": [
            {"value": k, "label": intent_label(k), "percent": round(100 * p)}
            for k, p in intents[:3]
            if p >= 0.05
        ],
        "choices": Intent.choices,
        "corrected": corrected,
        "selected": corrected.intent if corrected else d.get("intent", ""),
        "triggers": d.get("triggers", {}),
        "why": d.get("why", []),
    }
