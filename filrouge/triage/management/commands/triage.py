"""`filrouge triage train | analyse | eval`.

- `train`: the shipped training set plus every advisor's correction → the next
  versioned model file under `FILROUGE_TRIAGE_MODEL_DIR` (the running processes
  pick it up when they restart).
- `analyse`: JSON lines `{"text": …, "channel": …}` on stdin (optionally
  `"public"`, `"at"` as ISO 8601), one JSON line per input on stdout, in order.
  A line that is not a JSON object gets `{"error": …}` and the rest goes on.
- `backfill`: read the customer messages that no triage has read yet (the
  demo writes its timelines in bulk, not through the channels): the reading
  only, old cases keep their routing. `backfill --check` reads nothing: it counts the
  inbound messages and exits with an error (status 1) if any is still unread.
- `eval`: per-intent precision, recall and F1 on the held-out set (or `--file`),
  the confusion matrix, churn and escalation precision/recall, and the speed.
"""

import json
import sys
import time
from datetime import datetime

from django.core.management.base import BaseCommand, CommandError

from filrouge.triage import store
from filrouge.triage.analysis import Item, analyse_many
from filrouge.triage.evaluation import evaluate, report

BATCH = 256


class Command(BaseCommand):
    help = "Triage: retrain the intent model, analyse JSON lines, evaluate on the held-out set."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="which", required=True)
        sub.add_parser("train", help="Shipped set + advisors' corrections → next model version.")
        sub.add_parser("analyse", help='JSON lines {"text", "channel"} in, one analysis out each.')
        fill = sub.add_parser("backfill", help="Read the messages no triage has read (the demo's).")
        fill.add_argument("--limit", type=int, help="At most this many messages.")
        fill.add_argument(
            "--check",
            action="store_true",
            help="Read nothing; fail if any inbound message is still unread.",
        )
        ev = sub.add_parser("eval", help="Held-out scores, confusion matrix and speed.")
        ev.add_argument("--file", help="JSON lines with text, intent (churn, escalation).")
        ev.add_argument("--json", action="store_true", help="Print the figures as JSON.")

    def handle(self, *args, which: str, **options):
        if which == "train":
            return self._train()
        if which == "analyse":
            return self._analyse()
        if which == "backfill":
            return self._backfill(options)
        return self._eval(options)

    def _backfill(self, options) -> None:
        from filrouge.triage.intake import backfill, unread

        if not options.get("check"):
            started = time.perf_counter()
            read = backfill(limit=options.get("limit"))
            self.stdout.write(f"{read} messages read in {time.perf_counter() - started:.1f} s.")
            return
        total, left, first = unread()
        if left:
            raise CommandError(
                f"{left} message(s) reçu(s) sur {total} pas encore lu(s) par le triage "
                f"(premiers événements : {', '.join(map(str, first))}). "
                "Lancez « filrouge triage backfill »."
            )
        self.stdout.write(f"All {total} inbound messages are read by triage.")

    def _train(self) -> None:
        from filrouge.triage.models import TriageCorrection

        corrections = [c.as_example() for c in TriageCorrection.objects.order_by("pk")]
        started = time.process_time()
        model = store.build(corrections)
        store.forget()
        self.stdout.write(
            f"Model version {model.header['version']}: {model.header['examples']} examples "
            f"({len(corrections)} advisors' corrections), "
            f"{time.process_time() - started:.1f} CPU-s, in {store.model_dir()}."
        )

    def _analyse(self) -> None:
        batch: list[tuple[int, Item | str]] = []
        for n, line in enumerate(sys.stdin):
            if not line.strip():
                continue
            batch.append((n, _item(line)))
            if len(batch) >= BATCH:
                self._flush(batch)
                batch = []
        self._flush(batch)

    def _flush(self, batch: list) -> None:
        items = [item for _n, item in batch if isinstance(item, Item)]
        results = iter(analyse_many(items))
        for _n, item in batch:
            out = next(results).as_dict() if isinstance(item, Item) else {"error": item}
            self.stdout.write(json.dumps(out, ensure_ascii=False))

    def _eval(self, options) -> None:
        path = options.get("file")
        try:
            rows = store.read_jsonl(__import__("pathlib").Path(path)) if path else None
        except (OSError, ValueError) as exc:
            raise CommandError(f"Impossible de lire {path} : {exc}") from exc
        figures = evaluate(rows)
        if options.get("json"):
            self.stdout.write(json.dumps(figures, indent=2))
        else:
            self.stdout.write(report(figures))


def _item(line: str) -> Item | str:
    try:
        row = json.loads(line)
    except ValueError:
        return "ligne illisible : ce n'est pas du JSON"
    if not isinstance(row, dict) or not isinstance(row.get("text", ""), str):
        return 'chaque ligne doit être un objet {"text": …, "channel": …}'
    at = None
    if row.get("at"):
        try:
            at = datetime.fromisoformat(str(row["at"]))
        except ValueError:
            return "date « at » illisible (ISO 8601 attendu)"
        if at.tzinfo is None:
            from django.utils import timezone

            at = timezone.make_aware(at)
    public = row.get("public")
    return Item(
        row.get("text", ""),
        str(row.get("channel", "")),
        bool(public) if public is not None else None,
        at,
    )
