"""`filrouge bench triage`: messages per CPU-second on one core, model load, memory, scores.

Everything is CPU time (`time.process_time`), so a busy machine does not
flatter or hurt the figure; the wall time and the load average are printed
beside it. The messages are the held-out set and the training set's
messages (typical customer messages, up to 1,000 characters), analysed by
`analyse_many` in batches of 256 — the whole pipeline: normalisation,
hashing, the model, the sentence split for second topics, the rules, the
entities (with `phonenumbers`) and the personal-data check on public posts.

Load and memory are measured in a fresh Python process (`probe.py`): import,
read the model file, analyse one message; then `ru_maxrss`.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from filrouge.core.management.commands.bench import Bench

TARGET_PER_SECOND = 2_000
TARGET_LOAD_SECONDS = 1.0
TARGET_RSS_MB = 300
TARGET_MACRO_F1 = 0.85
TARGET_CHURN_RECALL = 0.90


def add_arguments(parser) -> None:
    parser.add_argument("--messages", type=int, default=20_000, help="Messages to analyse.")
    parser.add_argument("--batch", type=int, default=256, help="Messages per analyse_many call.")
    parser.add_argument("--results", default="bench/results", help="Where to write results.")


def _loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def run(options: dict, write) -> bool:
    from filrouge.triage import store
    from filrouge.triage.analysis import Item, analyse_many
    from filrouge.triage.evaluation import evaluate

    store.current()  # built or loaded before anything is timed
    write(f"load average before: {_loadavg()}")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "filrouge.settings"}
    probed = subprocess.run(
        [
            sys.executable,
            "-c",
            "from filrouge.triage.probe import probe; import json; print(json.dumps(probe()))",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=300,
    )
    fresh = json.loads(probed.stdout.strip().splitlines()[-1])
    write(f"fresh process: {fresh}")

    pool = [
        Item(r["text"][:1_000], r.get("channel", ""))
        for r in store.heldout_rows() + store.shipped_rows()
    ]
    n, batch = options["messages"], options["batch"]
    items = (pool * (n // len(pool) + 1))[:n]
    chars = sum(len(i.text) for i in items) / len(items)
    started_cpu, started_wall = time.process_time(), time.perf_counter()
    for i in range(0, len(items), batch):
        analyse_many(items[i : i + batch])
    cpu = time.process_time() - started_cpu
    wall = time.perf_counter() - started_wall
    per_cpu_second = len(items) / cpu
    write(
        f"analyse_many: {len(items)} messages (mean {chars:.0f} characters) in {cpu:.2f} CPU-s "
        f"({wall:.2f} s wall) = {per_cpu_second:,.0f} messages per CPU-second on one core; "
        f"load average after: {_loadavg()}"
    )
    # Long messages: five held-out messages joined (formal e-mails with several topics).
    held = store.heldout_rows()
    long_items = [
        Item(" ".join(r["text"] for r in held[i : i + 5])[:1_000], "email")
        for i in range(0, len(held) - 5)
    ]
    long_items = (long_items * (n // 5 // len(long_items) + 1))[: n // 5]
    long_chars = sum(len(i.text) for i in long_items) / len(long_items)
    long_started = time.process_time()
    for i in range(0, len(long_items), batch):
        analyse_many(long_items[i : i + batch])
    long_per_second = len(long_items) / (time.process_time() - long_started)
    write(
        f"long messages: {len(long_items)} (mean {long_chars:.0f} characters): "
        f"{long_per_second:,.0f} messages per CPU-second"
    )
    single_started = time.process_time()
    for item in items[:2_000]:
        analyse_many([item])
    single = 2_000 / (time.process_time() - single_started)
    write(f"one message per call (no batching): {single:,.0f} messages per CPU-second")

    figures = evaluate(speed_messages=0)
    write(
        f"held-out: macro-F1 {figures['macro_f1']:.3f}, accuracy {figures['accuracy']:.3f}, "
        f"churn precision {figures['churn']['precision']:.3f} recall "
        f"{figures['churn']['recall']:.3f}, escalation precision "
        f"{figures['escalation']['precision']:.3f} recall {figures['escalation']['recall']:.3f}"
    )
    results = {
        "messages": len(items),
        "mean_characters": round(chars),
        "cpu_seconds": round(cpu, 3),
        "wall_seconds": round(wall, 3),
        "per_cpu_second": round(per_cpu_second),
        "per_cpu_second_unbatched": round(single),
        "long_mean_characters": round(long_chars),
        "long_per_cpu_second": round(long_per_second),
        "loadavg": _loadavg(),
        "fresh_process": fresh,
        "heldout": {k: figures[k] for k in ("macro_f1", "accuracy", "churn", "escalation")},
        "per_intent": figures["per_intent"],
    }
    out = Path(options["results"])
    out.mkdir(parents=True, exist_ok=True)
    (out / "triage.json").write_text(json.dumps(results, indent=2))
    met = (
        per_cpu_second >= TARGET_PER_SECOND
        and fresh["model_load_wall_s"] < TARGET_LOAD_SECONDS
        and fresh["peak_rss_mb"] < TARGET_RSS_MB
        and figures["macro_f1"] >= TARGET_MACRO_F1
        and figures["churn"]["recall"] >= TARGET_CHURN_RECALL
    )
    write(
        f"targets (≥ {TARGET_PER_SECOND}/CPU-s, load < {TARGET_LOAD_SECONDS} s, "
        f"< {TARGET_RSS_MB} MB, macro-F1 ≥ {TARGET_MACRO_F1}, churn recall ≥ "
        f"{TARGET_CHURN_RECALL}): {'met' if met else 'NOT met'}"
    )
    return met


BENCHES = {
    "triage": Bench(
        "Triage: messages per CPU-second, model load, memory, held-out scores.",
        add_arguments,
        run,
    )
}
