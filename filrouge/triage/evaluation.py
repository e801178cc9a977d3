"""Scores on the held-out set: per-intent precision/recall/F1, confusion matrix, threats, speed.

The held-out set (`data/heldout.jsonl`) was written by hand, apart from the
training templates, and is never trained or tuned on: it only measures.
"""

import time
from collections.abc import Sequence

from filrouge.triage import classifier, store
from filrouge.triage.analysis import Item, analyse_many


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return round(p, 3), round(r, 3), round(f, 3)


def evaluate(rows: Sequence[dict] | None = None, *, speed_messages: int = 2_000) -> dict:
    rows = list(rows) if rows is not None else store.heldout_rows()
    items = [Item(r["text"], r.get("channel", "")) for r in rows]
    analyses = analyse_many(items)
    intents = list(classifier.INTENTS)
    gold = [r["intent"] for r in rows]
    pred = [a.intent for a in analyses]
    matrix = {g: dict.fromkeys(intents, 0) for g in intents}
    for g, p in zip(gold, pred, strict=True):
        matrix[g][p] += 1
    per_intent = {}
    for intent in intents:
        tp = matrix[intent][intent]
        fp = sum(matrix[g][intent] for g in intents if g != intent)
        fn = sum(matrix[intent][p] for p in intents if p != intent)
        p, r, f = _prf(tp, fp, fn)
        per_intent[intent] = {"precision": p, "recall": r, "f1": f, "support": tp + fn}
    present = [i for i in intents if per_intent[i]["support"]]
    figures = {
        "examples": len(rows),
        "accuracy": round(sum(g == p for g, p in zip(gold, pred, strict=True)) / len(rows), 3)
        if rows
        else 0.0,
        "macro_f1": round(sum(per_intent[i]["f1"] for i in present) / len(present), 3)
        if present
        else 0.0,
        "per_intent": per_intent,
        "confusion": matrix,
        "model_version": analyses[0].model_version if analyses else 0,
    }
    for flag, attr in (("churn", "churn_threat"), ("escalation", "escalation_threat")):
        labelled = [
            (r[flag], getattr(a, attr)) for r, a in zip(rows, analyses, strict=True) if flag in r
        ]
        if labelled:
            tp = sum(g and p for g, p in labelled)
            fp = sum(p and not g for g, p in labelled)
            fn = sum(g and not p for g, p in labelled)
            p, r, f = _prf(tp, fp, fn)
            figures[flag] = {"precision": p, "recall": r, "f1": f, "positives": tp + fn}
    if speed_messages > 0:
        figures["speed"] = speed(items, speed_messages)
    return figures


def speed(items: Sequence[Item], messages: int) -> dict:
    """Messages analysed per CPU-second (this process, one core), in batches of 256."""
    if not items:
        return {}
    pool = (list(items) * (messages // len(items) + 1))[:messages]
    started = time.process_time()
    for i in range(0, len(pool), 256):
        analyse_many(pool[i : i + 256])
    cpu = time.process_time() - started
    return {
        "messages": len(pool),
        "cpu_seconds": round(cpu, 3),
        "per_cpu_second": round(len(pool) / cpu) if cpu else None,
    }


def report(figures: dict) -> str:
    out = [
        f"Held-out: {figures['examples']} messages, model version {figures['model_version']}",
        f"{'intent':<14}{'precision':>10}{'recall':>8}{'F1':>7}{'n':>5}",
    ]
    for intent, s in figures["per_intent"].items():
        out.append(
            f"{intent:<14}{s['precision']:>10.3f}{s['recall']:>8.3f}{s['f1']:>7.3f}{s['support']:>5}"
        )
    out.append(f"macro-F1 {figures['macro_f1']:.3f} · accuracy {figures['accuracy']:.3f}")
    for flag in ("churn", "escalation"):
        if flag in figures:
            s = figures[flag]
            out.append(
                f"{flag}: precision {s['precision']:.3f} recall {s['recall']:.3f} "
                f"({s['positives']} positives)"
            )
    intents = list(figures["confusion"])
    out.append("")
    out.append("confusion (rows: true, columns: read as)")
    out.append(" " * 14 + "".join(f"{i[:5]:>6}" for i in intents))
    for g in intents:
        out.append(f"{g:<14}" + "".join(f"{figures['confusion'][g][p]:>6}" for p in intents))
    if s := figures.get("speed"):
        out.append("")
        out.append(
            f"speed: {s['messages']} messages in {s['cpu_seconds']} CPU-s = "
            f"{s['per_cpu_second']} messages per CPU-second (one core)"
        )
    return "\n".join(out)
