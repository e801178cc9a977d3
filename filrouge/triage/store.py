"""Where the intent model lives: versioned files under the var directory, built on first use.

`<FILROUGE_TRIAGE_MODEL_DIR>/intent-0001.npz`, `intent-0002.npz`… Each file's
header records the fingerprint of the shipped training set it was built on
(`base`), the number of agents' corrections added, and when. The newest file
built on the current shipped set is the one used; if there is none (a fresh
checkout, CI, or a release that changed `data/train.jsonl`), the model is built
from the shipped set alone — deterministically, in about ten seconds of CPU —
and written as the next version, under a file lock so that two processes
starting together build it once. `filrouge triage train` adds the corrections
and writes the next version; the file is never committed.
"""

import fcntl
import json
import re
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings

from filrouge.triage import classifier

DATA = Path(__file__).resolve().parent / "data"
_FILE = re.compile(r"^intent-(\d{4,})\.npz$")
_lock = threading.Lock()
_cached: classifier.Model | None = None


def model_dir() -> Path:
    return Path(settings.FILROUGE_TRIAGE_MODEL_DIR)


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def shipped_rows() -> list[dict]:
    return read_jsonl(DATA / "train.jsonl")


def heldout_rows() -> list[dict]:
    return read_jsonl(DATA / "heldout.jsonl")


def versions(directory: Path | None = None) -> list[tuple[int, Path]]:
    directory = directory or model_dir()
    if not directory.is_dir():
        return []
    found = [(int(m[1]), p) for p in directory.iterdir() if (m := _FILE.match(p.name))]
    return sorted(found)


def _current_on_disk(base: str) -> classifier.Model | None:
    for _number, path in reversed(versions()):
        try:
            model = classifier.Model.load(path)
        except (OSError, ValueError, KeyError):
            continue
        if (
            model.header.get("base") == base
            and model.header.get("features_version") == classifier.FEATURES_VERSION
        ):
            return model
    return None


def build(extra: Sequence[dict] = (), *, directory: Path | None = None) -> classifier.Model:
    """Train on the shipped set plus `extra` (corrections) and write the next version."""
    directory = directory or model_dir()
    directory.mkdir(parents=True, exist_ok=True)
    shipped = shipped_rows()
    model = classifier.train([*shipped, *extra])
    existing = versions(directory)
    number = existing[-1][0] + 1 if existing else 1
    model.header.update(
        version=number,
        base=classifier.fingerprint(shipped),
        corrections=len(extra),
        trained_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    model.save(directory / f"intent-{number:04d}.npz")
    return model


def current() -> classifier.Model:
    """The model in use (loaded once per process; built if no file fits the shipped set)."""
    global _cached
    if _cached is not None:
        return _cached
    with _lock:
        if _cached is not None:
            return _cached
        base = classifier.fingerprint(shipped_rows())
        model = _current_on_disk(base)
        if model is None:
            directory = model_dir()
            directory.mkdir(parents=True, exist_ok=True)
            with (directory / ".build.lock").open("w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)  # another process may be building it
                model = _current_on_disk(base) or build()
        _cached = model
        return model


def forget() -> None:
    """Drop the loaded model (after a retrain, or in tests)."""
    global _cached
    with _lock:
        _cached = None
